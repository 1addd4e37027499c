"""action.yml's "Install kata" step, run for real: with no kata on PATH it makes a venv in
$RUNNER_TEMP and pip-installs the Action's checkout into it, NOT editable. An editable
install (what the development venv has) reads package data straight from src/, so a data
file left out of pyproject.toml's package-data breaks only here: this test installs the way
the Action does and checks the installed kata works and carries every file src/kata has.

Slow (a real pip install from the package index, tens of seconds with a warm pip cache)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from _gha import run_action

from kata.versions import LIBRARIES

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# The package data the code reads at runtime (Path(__file__)-relative), named here so a
# rename shows up; every other file under src/kata is checked too.
RUNTIME_DATA = [
    "catalog/runtime_contract.md",  # catalog/contract.py: `kata show`
    "github-workflow.yml",  # github.py: `kata init`
    "localimages/python-slim/Dockerfile",  # localimages.py: `kata images`
    "localimages/python/Dockerfile",
    "localimages/redis/Dockerfile",
    "localimages/redis/docker-entrypoint.sh",
    "localimages/postgres/Dockerfile",
    "localimages/postgres/docker-entrypoint.sh",
    "localimages/base/rootfs/usr/sbin/policy-rc.d",
    "localimages/base/rootfs/etc/apt/sources.list.d/debian.sources",
]

# What this machine needs for pip to reach its package index, passed on as a runner would
# have its own.
PASS_ENV = ("HOME", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_CACHE_HOME",
            "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


def python312() -> str:
    """A CPython 3.12 (what actions/setup-python gives the Action), from pyenv if it has
    one, else the Python running the tests."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    if shutil.which("pyenv"):
        done = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        roots.append(done.stdout.strip())
    for root in filter(None, roots):
        found = sorted((Path(root) / "versions").glob("3.12.*/bin/python3.12"),
                       key=lambda p: [int(x) if x.isdigit() else -1
                                      for x in p.parents[1].name.split(".")])
        if found:
            return str(found[-1])
    return sys.executable


def source_files() -> list[str]:
    """The files of the Action's checkout: what git has (tracked, or new and not ignored)."""
    done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        return sorted(p for p in done.stdout.split("\0") if p and (ROOT / p).exists())
    skip = {".git", ".venv", "build", "dist", "__pycache__"}
    return sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                  if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
                  and not any(part.endswith(".egg-info") for part in p.parts)
                  and p.suffix != ".pyc")


def checkout(dest: Path, files: list[str]) -> Path:
    """A copy of the repository, so pip's in-tree build (build/, src/kata.egg-info) lands
    there and not in the working tree."""
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel, follow_symlinks=False)
    return dest


def install_only(action_dir: Path, python: str) -> None:
    """action.yml with its real "Install kata" step, after a stand-in for setup-python
    (the runner stand-in skips `uses:` steps) that gives the same python-path output."""
    steps = ACTION["runs"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    install = next(s for s in steps if s.get("name") == "Install kata")
    assert setup["id"] == "python" and "steps.python.outputs.python-path" in str(install["env"])
    stand_in = {"name": "Set up Python for kata (stand-in)", "id": "python", "shell": "bash",
                "env": {"SETUP_PYTHON": python},
                "run": 'echo "python-path=$SETUP_PYTHON" >> "$GITHUB_OUTPUT"\n'}
    meta = {**ACTION, "runs": {**ACTION["runs"], "steps": [stand_in, install]}}
    (action_dir / "action.yml").write_text(yaml.safe_dump(meta, sort_keys=False))


def build_leftovers() -> set[str]:
    """What an in-tree build would add to the working tree (build/lib, src/*.egg-info)."""
    return {str(p.relative_to(ROOT)) for pattern in ("*", "src/*", "build/*")
            for p in ROOT.glob(pattern)}


@pytest.mark.slow
def test_the_action_installs_a_working_kata_with_its_package_data(tmp_path):
    files = source_files()
    action_dir = checkout(tmp_path / "action", files)
    python = python312()
    install_only(action_dir, python)
    runner_temp, workspace = tmp_path / "runner-temp", tmp_path / "workspace"
    runner_temp.mkdir()
    workspace.mkdir()
    path = "/usr/local/bin:/usr/bin:/bin"  # not the development venv: kata is not on it
    assert shutil.which("kata", path=path) is None, "kata is on PATH: nothing to install"
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_") or k in PASS_ENV},
        "PATH": path,
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(action_dir),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_OS": "Linux",
    }
    before = build_leftovers()

    start = time.monotonic()
    run = run_action(action_dir, {"exercise": "rest-api"}, env, workspace, runner_temp)
    took = time.monotonic() - start
    timing = f"install with {python} took {took:.1f} s"

    assert run.code == 0, f"{run.failed_step} failed ({timing}):\n{run.log}"
    assert f"installed kata {VERSION}" in run.log, run.log
    assert build_leftovers() == before, "the build wrote into the working tree"
    venv = runner_temp / "kata-venv"
    path_files = sorted((runner_temp / "_runner_file_commands").glob("github_path_*"))
    added = [line for f in path_files for line in f.read_text().splitlines() if line.strip()]
    assert added == [str(venv / "bin")], added

    # what the Action's later steps run: kata from PATH, KATA_HOME = the Action's checkout
    cli_env = {**env, "PATH": f"{venv / 'bin'}:{path}", "KATA_HOME": str(action_dir),
               "KATA_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "100"}

    def sh(*args: str) -> str:
        done = subprocess.run(list(args), env=cli_env, cwd=workspace, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        return ANSI.sub("", done.stdout)  # GITHUB_ACTIONS=true: rich writes colour

    assert shutil.which("kata", path=cli_env["PATH"]) == str(venv / "bin" / "kata")
    assert sh("kata", "version").strip() == VERSION

    vpy = str(venv / "bin" / "python")
    info = json.loads(sh(vpy, "-c", "import json, kata, sys, sysconfig; print(json.dumps({"
                                    "'file': kata.__file__, 'version': sys.version, "
                                    "'site': sysconfig.get_paths()['purelib']}))"))
    assert info["version"].startswith("3.12.") or python == sys.executable, info
    package, site = Path(info["file"]).resolve().parent, Path(info["site"])
    assert site.resolve().is_relative_to(venv.resolve()), info
    assert package == (site / "kata").resolve(), f"kata imports from {package}, not the venv"
    direct_url = json.loads(next(site.glob("kata-*.dist-info")).joinpath("direct_url.json")
                            .read_text())
    assert not direct_url.get("dir_info", {}).get("editable"), direct_url
    assert not list(site.glob("__editable__*")), "an editable install"

    # every file src/kata has is installed, data files byte for byte
    src = [rel.removeprefix("src/kata/") for rel in files if rel.startswith("src/kata/")]
    assert set(RUNTIME_DATA) <= set(src), set(RUNTIME_DATA) - set(src)
    missing = [rel for rel in src if not (package / rel).is_file()]
    assert not missing, f"not in the installed package (pyproject.toml package-data): {missing}"
    differ = [rel for rel in src if not rel.endswith(".py")
              and (package / rel).read_bytes() != (action_dir / "src" / "kata" / rel).read_bytes()]
    assert not differ, differ

    # every module imports with only the declared dependencies (no dev extras here)
    sh(vpy, "-c", "import importlib, pkgutil, kata\n"
                  "for m in pkgutil.walk_packages(kata.__path__, 'kata.'):\n"
                  "    importlib.import_module(m.name)")

    # the versions of requirements.lock, those a report records (kata.versions)
    installed = json.loads(sh(vpy, "-c", "import json; from kata.versions import tool_versions; "
                                         "print(json.dumps(tool_versions()))"))
    lock = (action_dir / "requirements.lock").read_text()
    for key, dist in LIBRARIES.items():
        assert re.search(rf"^{dist}=={re.escape(installed[key])}\b", lock, re.M), (key, installed)

    listed = sh("kata", "list")
    for exercise in ("rest-api", "todo-cli", "kv-store"):
        assert exercise in listed, listed
    shown = sh("kata", "show", "rest-api")
    assert "The runtime contract" in shown, shown
    assert "What kata expects of your repository, for every exercise:" in shown, shown
    assert "DATABASE_URL" in shown, shown
    assert "Usage: kata images" in sh("kata", "images", "--help")
    # the "Pull the exercise's service images" step: kata's own python, from its shebang
    shebang = (venv / "bin" / "kata").read_text().splitlines()[0].removeprefix("#!")
    images = sh(shebang, "-c", "import sys; from kata.github import service_images; "
                               "print(' '.join(service_images(sys.argv[1])))", "rest-api")
    assert images.split(), "no service images for rest-api"
    # kata's own service images are built by the Action from folders the install carries
    folder = sh(shebang, "-c", "from kata.localimages import own_image_folder; "
                               "print(own_image_folder('kata/oidc-provider:8'))").strip()
    assert (Path(folder) / "Dockerfile").is_file() and (Path(folder) / "package-lock.json"
                                                        ).is_file(), folder
    folder = sh(shebang, "-c", "from kata.localimages import own_image_folder; "
                               "print(own_image_folder('kata/slow-upstream:1'))").strip()
    assert (Path(folder) / "Dockerfile").is_file() and (Path(folder) / "server.py"
                                                        ).is_file(), folder
    print(f"\n{timing}")
