"""healthcheck: the image declares a HEALTHCHECK, and Docker (not kata) reports the running
container healthy, so the check's command really works inside the image."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

HEALTHY_WITHIN_S = 20.0


@requirement("healthcheck")
def test_docker_reports_the_container_healthy(app: GradedApp) -> None:
    test = app.image.healthcheck
    assert test and test[0] != "NONE", (
        "the image declares no HEALTHCHECK" if not test else
        "the image disables the HEALTHCHECK of its base (HEALTHCHECK NONE)")
    shown = " ".join(test)
    deadline = time.monotonic() + HEALTHY_WITHIN_S
    status = app.health()
    while status != "healthy" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = app.health()
    assert status == "healthy", (
        f"Docker reports the container {status or 'without a health status'} after "
        f"{HEALTHY_WITHIN_S:.0f} s, not healthy: the check's command ({shown[:200]}) fails "
        f"inside the image (is its tool installed? does it ask $PORT?), or its interval is "
        f"too long for a first result in time")
