"""clean-context, no-secrets and layer-cache: kata rebuilds the image from a copy of the
build context with files of its own added (junk a developer's checkout has, a .env with a
marked secret, a code-only change) and reads the new image's layers, config and history
(docker save), or which build steps came from the cache."""

from __future__ import annotations

import re

from kata.testing import GradedApp, requirement

from ._context import code_change, first_rebuilt, installs_dependencies, shown, top_folders, where

SECRET_NAME = re.compile(r"secret|token|passw|pwd|api_?key|private|credential|_key$", re.I)
MIN_SECRET_LEN = 8  # shorter values ("true", "8000") are settings, not secrets


def _marker(app: GradedApp, what: str) -> str:
    return f"kata-planted-{what}-{app.rng(what).getrandbits(96):024x}"


@requirement("clean-context")
def test_planted_junk_stays_out_of_the_image(app: GradedApp) -> None:
    marker = _marker(app, "junk")
    planted = {
        ".git": {".git/kata-planted": f"{marker} .git\n"},
        ".venv": {".venv/lib/kata_planted.py": f"# {marker} .venv\n"},
        "__pycache__": {f"{d}/__pycache__/kata_planted.cpython-312.pyc": f"{marker} __pycache__\n"
                        for d in ["", *top_folders(app)]},
    }
    add = {k.lstrip("/"): v for files in planted.values() for k, v in files.items()}
    rebuilt = app.rebuild(add=add)
    found = app.image_contains(rebuilt.image.tag, marker.encode())
    if not found:
        return
    leaked = [what for what in planted
              if app.image_contains(rebuilt.image.tag, f"{marker} {what}".encode())]
    raise AssertionError(
        f"kata planted {', '.join(sorted(add))} in a copy of the build context and rebuilt: "
        f"the image holds {', '.join(leaked) or 'some of them'}, in {where(found)}: "
        f"the build context is not cleaned by a .dockerignore")


def _repo_secrets(app: GradedApp) -> dict[str, str]:
    """The secret-looking settings of the repository's own .env (the context's and the
    root's), by name: the values a developer keeps for local runs."""
    assert app.files is not None
    ctx = app.files.context.rstrip("/")
    found: dict[str, str] = {}
    for rel in dict.fromkeys([".env", f"{ctx}/.env" if ctx not in ("", ".") else ".env"]):
        text = app.files.read(rel) or ""
        for line in text.splitlines()[:500]:
            name, eq, value = line.removeprefix("export ").partition("=")
            value = value.strip().strip("'\"")
            if eq and SECRET_NAME.search(name.strip()) and len(value) >= MIN_SECRET_LEN:
                found[name.strip()] = value
    return found


@requirement("no-secrets")
def test_no_secret_value_is_in_the_image(app: GradedApp) -> None:
    problems = []
    # The repository's own .env: its secrets must be in no layer, ENV or history entry of
    # the image as graded (a COPY of it, an ARG or ENV holding the value).
    for name, value in _repo_secrets(app).items():
        found = app.image_contains(app.image.tag, value.encode())
        if found:
            problems.append(f"the value of {name} in your .env is in the image: in "
                            f"{where(found)}")
    # A .env that kata plants, with a marked secret: it must not reach a rebuilt image.
    marker = _marker(app, "secret")
    rebuilt = app.rebuild(add={".env": f"APP_SECRET={marker}\nSLOW_MAX_MS=10000\n"})
    found = app.image_contains(rebuilt.image.tag, marker.encode())
    if found:
        problems.append(f"kata planted a .env holding APP_SECRET={marker} in a copy of the "
                        f"build context and rebuilt: the value is in {where(found)}")
    assert not problems, "; ".join(problems)


@requirement("layer-cache")
def test_a_code_change_reuses_the_dependency_layer(app: GradedApp) -> None:
    add = code_change(app, _marker(app, "code"))
    assert add, ("kata found no source file in the build context to change (it looks for "
                 f"{', '.join('*' + e for e in ('.py', '.js', '.ts', '.go'))}, …)")
    rebuilt = app.rebuild(add=add)
    installs = [s for s in rebuilt.steps if installs_dependencies(s.instruction)]
    again = [shown(s.instruction) for s in installs if not s.cached]
    changed = ", ".join(sorted(add)[:5]) + (f" (+{len(add) - 5})" if len(add) > 5 else "")
    app.measure(rebuild_s=round(rebuilt.seconds, 1))
    assert not again, (
        f"kata appended a comment to {changed} and rebuilt: the dependencies were installed "
        f"again ({again[0]}): {first_rebuilt(rebuilt.steps) or 'a step'} comes before the "
        f"install, and the change reached it")
