"""image-size and non-root: facts of the image as built (docker inspect), against a budget
measured on this machine."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

MB = 1_000_000


@requirement("image-size")
def test_the_image_fits_the_size_budget(app: GradedApp) -> None:
    t = app.thresholds.get("image-size", {})
    base_tag = str(t.get("base_image", "python:3.12-slim"))
    allowance = float(t.get("allowance_mb", 50)) * MB
    base = app.image_facts(base_tag).size_bytes  # kata's own stand-in: never the learner's
    size = app.image.size_bytes
    budget = base + allowance
    app.measure(image_mb=round(size / MB, 1), budget_mb=round(budget / MB, 1))
    assert size <= budget, (
        f"the image is {size / MB:.0f} MB: over the budget of {budget / MB:.0f} MB "
        f"({base_tag} here is {base / MB:.0f} MB, plus {allowance / MB:.0f} MB); "
        f"it adds {(size - base) / MB:+.0f} MB to that base")


def _is_root(user: str) -> bool:
    """USER as Docker stores it: "" (never set: root), "name", "uid", "name:group"…"""
    who = user.split(":", 1)[0].strip()
    return who in ("", "root") or (who.isdigit() and int(who) == 0)


@requirement("non-root")
def test_the_image_runs_as_a_non_root_user(app: GradedApp) -> None:
    user = app.image.user
    assert not _is_root(user), (
        "the image runs as root: its USER is " + (f"{user!r}" if user else "not set")
        + "; a process that escapes the app then owns the container")
