"""What a hostile app sends back through kata's own clients: each grade ends in a clear
verdict within its deadline, and kata's peak memory (measured in a fresh process, RSS of
the process that grades) stays under 300 MB, where before these fixes it reached GBs."""

from __future__ import annotations

import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    hostile_session,
    python_driver,
    verdict,
    wait_gone,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

RSS_LIMIT_MB = 300

# Grades each (repo, requirements) in one fresh interpreter, in turn; prints the peak RSS
# after each, so a case's figure is the peak up to and including it.
_DRIVER = """
import json, resource, sys
sys.path.insert(0, "tests")
from hostile.support import REPOS, exercise, grade_repo
out = []
for repo, only in {cases!r}:
    g = grade_repo(REPOS / repo, set(only), exercise(timeout_s=10))
    r = g.report
    out.append({{
        "repo": repo, "run": g.run_id, "seconds": g.seconds,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "problem": r.problem.message if r.problem else None,
        "status": {{q.id: [q.status, q.message] for q in r.requirements if q.id in only}},
    }})
print(json.dumps(out))
"""


def test_bombs_and_endless_health_keep_kata_small():
    """gzip (1 MB → 1 GiB) and brotli (1.6 KB → 1 GiB) bodies kata did not ask for, a
    100 MB header line, an endless header flood; then a /health whose body never ends."""
    cases = [("bombs", ["ping", "work-1", "work-2", "work-3"]),
             ("endless-health", ["boot", "ping"])]
    bombs, health = python_driver(_DRIVER.format(cases=cases), timeout_s=240)
    s = bombs["status"]
    assert bombs["problem"] is None, bombs
    for rid, enc in (("ping", "gzip"), ("work-1", "br")):
        assert s[rid][0] == "fail", bombs
        assert f"Content-Encoding: {enc} although kata asked for identity" in s[rid][1], bombs
    for rid in ("work-2", "work-3"):
        assert s[rid][0] == "fail", bombs
        assert "headers are over 100 KB; kata stopped reading them" in s[rid][1], bombs
    assert bombs["maxrss_mb"] < RSS_LIMIT_MB, bombs
    assert bombs["seconds"] < 30, bombs  # ~8 s here, the build included
    assert health["problem"] is None, health
    assert health["status"] == {"boot": ["pass", health["status"]["boot"][1]],
                                "ping": ["pass", "1/1 checks passed"]}, health
    assert health["maxrss_mb"] < RSS_LIMIT_MB, health
    assert health["seconds"] < 30, health
    assert not wait_gone({bombs["run"], health["run"]})
    verdict("gzip/br bombs, headers", f"4 fail with clear messages; kata peak RSS "
            f"{bombs['maxrss_mb']:.0f} MB", bombs["seconds"])
    verdict("endless /health body", f"boot, ping pass; kata peak RSS "
            f"{health['maxrss_mb']:.0f} MB", health["seconds"])
