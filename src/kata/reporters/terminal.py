"""The terminal scorecard and the live progress display (an event handler).

Every string here may hold the learner's text (messages quote responses and logs): it
reaches rich only as ``Text`` of ``sanitise.terminal`` (no escape sequence, no markup)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.status import Status
from rich.table import Table
from rich.text import Text

from kata.events import Event, LogLine, PhaseFinished, PhaseStarted, RequirementJudged
from kata.report import Report
from kata.reporters._provenance import provenance, stack_label
from kata.sanitise import markup, terminal

STYLE = {"pass": ("✔", "green"), "fail": ("✘", "red"), "error": ("!", "yellow"),
         "skipped": ("–", "dim")}
SHOWN_FAILURES = 3  # failing checks shown per requirement; the JSON report has them all


def render_scorecard(report: Report) -> Group:
    table = Table(show_header=True, header_style="bold", expand=True, box=None, pad_edge=False)
    table.add_column("", width=1)
    table.add_column("requirement", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("details", ratio=1)
    for r in report.requirements:
        mark, colour = STYLE[r.status]
        if r.status == "skipped":  # not graded (--only, a boot failure, a need): one line
            table.add_row(Text(mark, style=colour), Text(terminal(r.id), style="bold"),
                          Text(f"{r.points_earned:g}/{r.points_max}"),
                          Text(terminal(r.message or "not graded"), style=colour))
            continue
        detail = Text(terminal(r.title))
        shown = [f.get("message", "") for f in r.failures[:SHOWN_FAILURES]] or [r.message]
        for message in filter(None, shown):
            detail.append(f"\n{terminal(message)}",
                          style=colour if r.status != "pass" else "dim")
        if len(r.failures) > SHOWN_FAILURES:
            detail.append(f"\n… {len(r.failures) - SHOWN_FAILURES} more failing checks: every "
                          "one is in the JSON report (--json FILE)", style="dim")
        if r.kata_fault:
            detail.append("\nkata's bug: the traceback is in the JSON report (--json FILE)",
                          style="dim")
        if r.status != "pass" and r.hint:
            detail.append(f"\nhint: {terminal(r.hint)}", style="cyan")
        if r.status != "pass" and r.tip:
            detail.append(f"\n{stack_label(report)} tip: {terminal(r.tip)}", style="cyan")
        if r.status != "pass" and "replay" in r.evidence and not r.kata_fault:
            detail.append("\nreplay: see below", style="dim")
        table.add_row(Text(mark, style=colour), Text(terminal(r.id), style="bold"),
                      Text(f"{r.points_earned:g}/{r.points_max}"), detail)
    s = report.score
    verdict = Text(
        f"{s.earned:g} / {s.max} points · {s.percent:g}% · pass mark {s.pass_mark}% · "
        + ("PASSED" if s.passed else "NOT PASSED"),
        style="bold green" if s.passed else "bold red",
    )
    parts: list = [table, Text(""), verdict]
    for d in report.diagnoses:
        parts.insert(1, Text.assemble(("noticed: ", "bold yellow"), terminal(d.message), "\n",
                                      ("fix: ", "bold"), terminal(d.fix)))
    for note in report.notes:
        if not _kept(note):
            parts.append(Text(terminal(note), style="cyan"))
    if report.problem:
        p = report.problem
        msg = Text.assemble(("Could not grade: ", "bold red"), terminal(p.message), "\n",
                            ("fix: ", "bold"), terminal(p.fix))
        if p.detail:
            msg.append(f"\n(kata saw: {terminal(p.detail)})", style="dim")
        if p.log_tail:
            msg.append("\n\n" + "\n".join(terminal(p.log_tail).splitlines()[-20:]), style="dim")
        parts.insert(0, Panel(msg, border_style="red"))
    phases = " · ".join(f"{p.name} {p.duration_s:.1f}s" for p in report.phases)
    parts.append(Text(terminal(" · ".join(x for x in (phases, f"seed {report.seed}",
                                                      provenance(report)) if x)), style="dim"))
    title = Text(terminal(f"kata · {report.exercise_id} — {report.exercise_title}"))
    return Group(Panel(Group(*parts), title=title, title_align="left"))


def replay_lines(report: Report) -> list[str]:
    """Replay commands, printed below the scorecard with soft wrapping (no inserted line
    breaks), so a command can be copied and pasted whole however long its body. A replay
    of several steps (a stateful failure) is a heading and one indented line per step,
    which bash runs as pasted."""
    lines = []
    for r in report.requirements:
        if r.status == "pass" or "replay" not in r.evidence or r.kata_fault:
            continue
        steps = terminal(r.evidence["replay"]).splitlines()
        if len(steps) == 1:
            lines.append(terminal(f"replay {r.id}: {steps[0]}"))
        else:
            lines.append(terminal(f"replay {r.id}:"))
            lines += [f"  {step}" for step in steps]
    return lines


def _kept(note: str) -> bool:
    """The engine's note on a run kept with --keep: where the app answers, which the
    replays aim at; printed whole below the scorecard, so it can be copied."""
    return note.startswith(("kept running (run ", "kept (run "))


def print_scorecard(console: Console, report: Report) -> None:
    console.print(render_scorecard(report))
    for note in report.notes:
        if _kept(note):
            console.print(Text(terminal(note), style="cyan"), soft_wrap=True)
    for line in replay_lines(report):
        console.print(line, soft_wrap=True, markup=False, highlight=False)


class Progress:
    """Shows the phase kata is in; with ``verbose`` it also streams the build log."""

    def __init__(self, console: Console, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self.status: Status | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, PhaseStarted):
            label = f"[bold]{markup(event.phase)}[/] {markup(event.detail)}".strip()
            if self.status is None:
                self.status = self.console.status(label)
                self.status.start()
            else:
                self.status.update(label)
        elif isinstance(event, PhaseFinished):
            mark = "[green]✔[/]" if event.ok else "[red]✘[/]"
            self.console.print(f"{mark} {markup(event.phase)} [dim]{event.duration_s:.1f}s[/]")
        elif isinstance(event, LogLine) and self.verbose:
            self.console.print(Text(terminal(event.line), style="dim"))
        elif isinstance(event, RequirementJudged) and self.verbose:
            o = event.outcome
            self.console.print(Text(f"  {STYLE[o.status.value][0]} {terminal(o.requirement)}"))

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
