"""The boot check turns boot facts into outcomes, including thresholds worth points."""

from kata.catalog.models import Exercise
from kata.sandbox.base import Image
from kata.sandbox.fake import FakeApp
from kata.stages import StageContext
from kata.stages.boot import boot


def _ctx(app, **thresholds):
    ex = Exercise.model_validate({
        "id": "d", "version": "1", "week": 4, "title": "D", "pass_mark": 50,
        "requirements": [{"id": "boot", "title": "B", "points": 5, "grader": "boot",
                          "thresholds": thresholds}],
    })
    return StageContext(name="boot", exercise=ex, grader_dir=ex.root, requirements=ex.requirements,
                        app=app, services={}, seed=1, image=Image("t", 300_000_000),
                        boot_seconds=2.5)


def test_thresholds_fail_with_the_numbers():
    [o] = boot(_ctx(FakeApp(port=8000), max_boot_s=2, max_image_mb=200))
    assert o.status.value == "fail"
    assert "ready after 2.5 s (limit 2 s)" in o.message and "300 MB (limit 200 MB)" in o.message


def test_binding_to_all_interfaces_can_be_required():
    local = FakeApp(port=8000, listen=[("127.0.0.1", 8000)])
    [o] = boot(_ctx(local, bind_all_interfaces=True))
    assert o.status.value == "fail" and "127.0.0.1:8000" in o.message
    good = FakeApp(port=8000, listen=[("0.0.0.0", 8000)])
    [o] = boot(_ctx(good, bind_all_interfaces=True))
    assert o.status.value == "pass" and o.measurements["image_mb"] == 300.0
