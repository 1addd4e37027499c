"""The dockerize graders' own rules, without Docker: which build steps install dependencies
(layer-cache), which USER is root (non-root), which .env values are secrets (no-secrets).
The real-Docker proof is `kata verify dockerize` (tests/test_exercises.py)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from _graders import grader_module

GRADERS = Path(__file__).parent.parent / "graders" / "dockerize"


def _load(name: str) -> ModuleType:
    return grader_module("dockerize", name)


context = _load("_context")
image = _load("test_image")


@pytest.mark.parametrize("step", [
    "RUN pip install --no-cache-dir -r requirements.txt",
    "RUN python -m pip install -r requirements.txt && useradd app",
    "RUN uv sync --frozen --no-dev",
    "RUN npm ci --omit=dev",
    "RUN npm install",
    "RUN yarn --frozen-lockfile",
    "RUN yarn install --immutable",
    "RUN go mod download",
    "RUN apt-get update && apt-get install -y --no-install-recommends golang-go",
    "RUN apk add --no-cache curl",
    "RUN poetry install --no-root",
])
def test_a_dependency_install_is_recognised(step):
    assert context.installs_dependencies(step)


@pytest.mark.parametrize("step", [
    "RUN go build -o /app .",
    "RUN npm run build",
    "RUN yarn build",
    "COPY requirements.txt .",
    "RUN useradd --uid 10001 app",
    "RUN python -m compileall app",
    'CMD ["pip", "install", "x"]',
])
def test_other_steps_are_not_dependency_installs(step):
    assert not context.installs_dependencies(step)


@pytest.mark.parametrize("user,root", [
    ("", True), ("root", True), ("0", True), ("0:0", True), ("root:app", True), ("00", True),
    ("app", False), ("10001", False), ("10001:10001", False), ("app:root", False),
    ("nobody", False),
])
def test_root_is_told_by_the_user_part_alone(user, root):
    assert image._is_root(user) is root
