"""The calibration cache: keyed by what makes a measurement valid, reused while it is,
measured again on demand, never filled with a measurement that could not serve."""

from __future__ import annotations

import pytest

from kata import calibration as cal

BASIS = {"kata": "0.1.0", "exercise": "rest-api", "exercise_version": "1.0.0",
         "profile": {"users": 10, "duration_s": 6}, "limits": {"cpus": 1.0},
         "host": {"cpu_model": "Xeon", "cpu_count": 2}}


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_STATE_DIR", str(tmp_path / "state"))


def test_the_key_is_stable_and_changes_with_each_part():
    reordered = dict(reversed(list(BASIS.items())))
    assert cal.calibration_key(BASIS) == cal.calibration_key(reordered)
    keys = {cal.calibration_key(BASIS)}
    for part, value in [("kata", "0.2.0"), ("exercise_version", "1.0.1"),
                        ("profile", {"users": 20, "duration_s": 6}),
                        ("limits", {"cpus": 2.0}),
                        ("host", {"cpu_model": "Xeon", "cpu_count": 4}),
                        ("host", {"cpu_model": "EPYC", "cpu_count": 2})]:
        keys.add(cal.calibration_key({**BASIS, part: value}))
    assert len(keys) == 7


def test_the_host_is_described_by_its_cpu():
    facts = cal.host_facts()
    assert facts["cpu_model"] and facts["cpu_count"] >= 1


def test_a_folder_digest_follows_its_files_not_its_caches(tmp_path):
    ref = tmp_path / "reference"
    (ref / "app" / "__pycache__").mkdir(parents=True)
    (ref / "app" / "main.py").write_text("print('hi')\n")
    before = cal.folder_digest(ref)
    (ref / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0junk")
    assert cal.folder_digest(ref) == before
    (ref / "app" / "main.py").write_text("print('hello')\n")
    assert cal.folder_digest(ref) != before


def test_measured_once_then_reused_then_forced():
    calls = []

    def measure():
        calls.append(1)
        return {"p95_ms": 18.0 + len(calls), "rps": 600.0}, {"endpoints": []}

    key = cal.calibration_key(BASIS)
    first, fresh = cal.calibrated(key, BASIS, measure)
    assert fresh and first.figures["p95_ms"] == 19.0
    again, fresh = cal.calibrated(key, BASIS, measure)
    assert not fresh and again.figures == first.figures and again.basis == BASIS
    forced, fresh = cal.calibrated(key, BASIS, measure, force=True)
    assert fresh and forced.figures["p95_ms"] == 20.0
    assert len(calls) == 2
    assert cal.load(key).figures["p95_ms"] == 20.0  # the forced one replaced it
    assert [p.name for p in cal.cache_dir().iterdir()] == [f"{key}.json"]


def test_a_measurement_that_cannot_serve_is_not_cached():
    def saturated():
        raise cal.NotCalibrated("load generator saturated (97% CPU)")

    key = cal.calibration_key(BASIS)
    with pytest.raises(cal.NotCalibrated):
        cal.calibrated(key, BASIS, saturated)
    assert cal.load(key) is None


def test_an_unreadable_cache_file_means_measuring_again():
    key = cal.calibration_key(BASIS)
    cal.cache_dir().mkdir(parents=True)
    (cal.cache_dir() / f"{key}.json").write_text("{not json")
    assert cal.load(key) is None
    got, fresh = cal.calibrated(key, BASIS, lambda: ({"rps": 1.0}, {}))
    assert fresh and got.figures == {"rps": 1.0}
