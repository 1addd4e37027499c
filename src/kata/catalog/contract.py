"""The runtime contract a learner's repository follows: written once (runtime_contract.md)
and filled in from each exercise's data, so `kata show` states it exactly."""

from __future__ import annotations

from pathlib import Path

from kata.catalog.models import Exercise

TEMPLATE = Path(__file__).with_name("runtime_contract.md")
DOCUMENT = """## The runtime contract

kata builds and starts nothing of yours: it reads the files the spec names from your
repository, each up to 1 MB; a link that leaves the repository reads as missing. kata.toml
at the root may name the exercise: `exercise = "…"`.
"""


def runtime_contract(ex: Exercise) -> str:
    app = ex.app
    if app.kind == "document":  # no Dockerfile, port or environment: only the files
        return DOCUMENT
    env = [f"- `PORT` = `{app.port}`"] if app.kind == "server" else []
    for name, svc in ex.services.items():
        # a service's first export is the contract; the rest are conveniences, on one line
        first, *rest = svc.exports.items() or [("", "")]
        if first[0]:
            env.append(f"- `{first[0]}` = `{first[1].format(**svc.facts_at(name))}` ({svc.image})")
        if rest:
            env.append("- also, for apps that read separate settings: " + ", ".join(
                f"`{k}={v.format(**svc.facts_at(name))}`" for k, v in rest))
    env += [f"- `{k}` = `{v}`" for k, v in app.env.items()]
    r = app.readiness
    if app.kind == "cli":
        serve = ("**Be a command.** kata runs your image once per invocation with the "
                 "arguments appended (make your program the ENTRYPOINT), in a fresh "
                 "container each time" + (f"; only `{app.data_dir}` (a volume) persists "
                                          "between runs." if app.data_dir else "."))
        ready = "the command's exit code and output are what is graded."
    else:
        serve = ("**Listen on `0.0.0.0` and the port in `$PORT`.** Not 127.0.0.1: kata "
                 "connects from outside the container.")
        if r.probe == "http" and r.expect_status:
            ready = f"`GET {r.path}` must answer {r.expect_status} within {r.timeout_s:.0f} s."
        elif r.probe == "http":
            ready = f"any HTTP reply on `{r.path}` within {r.timeout_s:.0f} s."
        else:
            ready = f"a `{r.probe}` reply on the port within {r.timeout_s:.0f} s."
    serve = app.runs or serve  # the exercise's own words, where the kind's would be wrong
    hosts = ", ".join(f"`{n}`" + "".join(f", `{a}`" for a in s.aliases)
                      for n, s in ex.services.items())
    services_note = (
        "- kata starts your services before your app, but survive a slow one: retry the "
        "first connection for a few seconds instead of exiting.\n" if ex.services else "")
    return TEMPLATE.read_text(encoding="utf-8").format(
        serve=serve,
        env="\n".join("  " + line for line in env) or "  - (none for this exercise)",
        hosts=hosts or "none",
        ready=ready,
        limits=f"{ex.limits.cpus:g} CPU, {ex.limits.memory_mb} MB memory, {ex.limits.pids} "
        f"processes; the build must finish within {ex.limits.build_timeout_s:.0f} s",
        services_note=services_note,
    )
