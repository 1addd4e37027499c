"""What produced a report: kata's version and those of the libraries whose behaviour is the
verdict (request generation, load generation, the Docker API). Same versions and seed, same
verdict; a report that differs from another can say why."""

from __future__ import annotations

import platform
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from kata import __version__

# The key in the report -> the distribution. docker-py is the client library; the Docker
# engine's own version comes from the sandbox ("docker-engine").
LIBRARIES = {
    "docker-py": "docker",
    "schemathesis": "schemathesis",
    "hypothesis": "hypothesis",
    "locust": "locust",
    "gevent": "gevent",
    "pytest": "pytest",
    "httpx": "httpx",
    "pydantic": "pydantic",
}


@cache
def tool_versions() -> dict[str, str]:
    found = {"kata": __version__, "python": platform.python_version()}
    for key, dist in LIBRARIES.items():
        try:
            found[key] = version(dist)
        except PackageNotFoundError:
            found[key] = "not installed"
    return found
