"""A stand-in for the GitHub Actions runner, enough to run a composite action here:
the workflow-command parser (``::error …::``, ``::stop-commands::``), the ``$GITHUB_OUTPUT``
file format, and a runner that executes ``action.yml``'s ``run:`` steps with bash as the
runner does (``bash --noprofile --norc -eo pipefail``), one fresh set of file-command
files per step, ``${{ … }}`` filled in from inputs, github, runner and steps contexts."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

COMMAND = re.compile(r"^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    message: str


def parse_commands(log: str) -> list[Command]:
    """The workflow commands the runner would act on in a step's output. Leading blanks
    are ignored (the more lenient reading, so the tests are the stricter)."""
    found: list[Command] = []
    stopped: str | None = None
    for line in log.splitlines():
        text = line.strip()
        if stopped is not None:
            if text == f"::{stopped}::":
                stopped = None
            continue
        m = COMMAND.match(text)
        if not m:
            continue
        name, props, data = m.group(1), m.group(2) or "", m.group(3)
        if name == "stop-commands":
            stopped = data
            continue
        properties = {}
        for pair in filter(None, props.split(",")):
            key, _, value = pair.partition("=")
            properties[key] = unescape_property(value)
        found.append(Command(name, properties, unescape_data(data)))
    return found


def parse_output_file(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIM`` … ``DELIM`` blocks."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            i += 1
            while lines[i] != delim:
                body.append(lines[i])
                i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        elif line.strip():
            raise ValueError(f"malformed output line: {line!r}")
        i += 1
    return values


@dataclass
class ActionRun:
    code: int  # the exit status of the first failing step, else 0
    failed_step: str | None
    outputs: dict[str, str]  # the action's outputs
    step_outputs: dict[str, dict[str, str]]
    log: str  # stdout and stderr of every step, as the job log shows them
    summary: str  # the job summary (every step's $GITHUB_STEP_SUMMARY, in order)
    skipped: list[str] = field(default_factory=list)  # `uses:` steps (GitHub-hosted actions)

    @property
    def annotations(self) -> list[Command]:
        return [c for c in parse_commands(self.log) if c.name in ("error", "warning", "notice")]


def run_action(action_dir: Path, inputs: dict[str, str], env: dict[str, str],
               workspace: Path, runner_temp: Path, timeout_s: float = 600) -> ActionRun:
    meta = yaml.safe_load((action_dir / "action.yml").read_text())
    assert meta["runs"]["using"] == "composite"
    values: dict[str, str] = {}
    for name, spec in (meta.get("inputs") or {}).items():
        if name in inputs:
            values[name] = inputs[name]
        elif spec.get("required") and "default" not in spec:
            raise AssertionError(f"required input {name!r} not given")
        else:
            values[name] = str(spec.get("default", ""))
    unknown = set(inputs) - set(values)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    steps: dict[str, dict[str, dict[str, str]]] = {}
    context = {"inputs": values,
               "github": {"action_path": str(action_dir), "workspace": str(workspace)},
               "runner": {"temp": str(runner_temp)}}

    def lookup(expr: str) -> str:
        parts = expr.split(".")
        if parts[0] == "steps":
            assert len(parts) == 4 and parts[2] == "outputs", expr
            return steps.get(parts[1], {}).get("outputs", {}).get(parts[3], "")
        assert len(parts) == 2 and parts[0] in context, f"unsupported expression: {expr}"
        assert parts[1] in context[parts[0]], f"unknown {expr}"
        return context[parts[0]][parts[1]]

    def evaluate(text) -> str:
        return EXPRESSION.sub(lambda m: lookup(m.group(1)), str(text))

    env = dict(env)
    paths: list[str] = []
    log: list[str] = []
    summary: list[str] = []
    skipped: list[str] = []
    files = runner_temp / "_runner_file_commands"
    files.mkdir(parents=True, exist_ok=True)
    code, failed = 0, None
    for n, step in enumerate(meta["runs"]["steps"]):
        sid = step.get("id", f"__{n}")
        if "uses" in step:
            skipped.append(step["uses"])
            steps[sid] = {"outputs": {}}
            continue
        assert "if" not in step, "the stand-in runner does not evaluate if:"
        assert step["shell"] == "bash", step["shell"]
        script = runner_temp / f"step-{n}.sh"
        script.write_text(evaluate(step["run"]))
        fc = {k: files / f"{k.lower()}_{n}" for k in
              ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        for f in fc.values():
            f.write_text("")
        step_env = {**env, **{k: str(v) for k, v in fc.items()},
                    **{k: evaluate(v) for k, v in (step.get("env") or {}).items()}}
        step_env["PATH"] = ":".join([*reversed(paths), env["PATH"]])
        cwd = workspace / evaluate(step.get("working-directory", "."))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=cwd, env=step_env, capture_output=True, text=True,
                              timeout=timeout_s)
        log.append(done.stdout + done.stderr)
        steps[sid] = {"outputs": parse_output_file(fc["GITHUB_OUTPUT"].read_text())}
        summary.append(fc["GITHUB_STEP_SUMMARY"].read_text())
        for line in fc["GITHUB_ENV"].read_text().splitlines():
            if "=" in line:
                k, _, v = line.partition("=")
                env[k] = v
        paths += [p for p in fc["GITHUB_PATH"].read_text().splitlines() if p.strip()]
        if done.returncode != 0:
            code, failed = done.returncode, step.get("name", sid)
            break
    outputs = {name: evaluate(spec["value"]) for name, spec in (meta.get("outputs") or {}).items()}
    return ActionRun(code=code, failed_step=failed, outputs=outputs,
                     step_outputs={k: v["outputs"] for k, v in steps.items()},
                     log="".join(log), summary="".join(summary), skipped=skipped)
