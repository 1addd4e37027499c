"""tests-in-image: the `run:` of the CI workflow's test step passes in the app's image."""

from __future__ import annotations

import shlex
import time

from kata.testing import GradedApp, requirement, trim

from ._workflow import Workflow, find_test_step

OUTPUT_TAIL = 1500  # the end of a test run's output says what failed


def _tail(output: str) -> str:
    output = output.strip()
    return output if len(output) <= OUTPUT_TAIL else "…" + output[-OUTPUT_TAIL:]


@requirement("tests-in-image")
def test_the_test_command_passes_in_the_image(app: GradedApp, ci: Workflow) -> None:
    found = find_test_step(ci)
    assert found is not None, "job `test` has no test step (requirement jobs)"
    i, step = found
    command = str(step["run"]).strip()
    where = f"{ci.path}:{ci.line_of('jobs', 'test', 'steps', i, 'run')}"
    assert "${{" not in command, (
        f"{where}: the test command uses a ${{{{ … }}}} expression, which only a GitHub runner "
        f"can fill in: make the test step's run a plain command ({command!r})")
    limit = float(app.thresholds["tests-in-image"]["max_test_s"])
    context = app.files.context if app.files is not None else "."
    shown = f"sh -e -c {shlex.quote(command)}"
    app.evidence = {
        "file": where, "request": shown,
        "replay": f"docker build -t ci-app {shlex.quote(context)} && docker run --rm "
                  f"--network none --entrypoint sh ci-app -e -c {shlex.quote(command)}"}
    began = time.monotonic()
    try:
        done = app.run("-e", "-c", command, entrypoint=["sh"], timeout_s=limit)
    except OSError as e:  # Docker could not start sh in the image
        raise AssertionError(f"kata could not run `{shown}` in the image ({e}): keep a "
                             "shell (sh) in the image") from None
    took = time.monotonic() - began
    out = _tail(done.stdout + ("\n" + done.stderr if done.stderr.strip() else ""))
    app.evidence["response"] = f"exit {done.code}{' (timed out)' if done.timed_out else ''}\n{out}"
    app.measure(f"the test command took {took:.1f} s in the image", test_s=round(took, 2))
    assert not done.timed_out, (
        f"{where}: `{command}` ran over {limit:.0f} s in the image and was stopped")
    if done.code in (126, 127):
        hint = (" — the image lacks the command or the test runner: install it in the "
                "Dockerfile (and keep sh)")
    elif done.code == 5 and "pytest" in command:
        hint = " — pytest collected no tests: COPY the tests into the image"
    else:
        hint = ""
    last = " | ".join([row.strip() for row in out.splitlines() if row.strip()][-4:])
    assert done.code == 0, (
        f"{where}: `{command}` exited {done.code} in the image{hint}; its output ends: "
        f"{trim(last, 400)}")
