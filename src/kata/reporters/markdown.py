"""The Markdown scorecard: for a README, a pull request, or a GitHub job summary."""

from __future__ import annotations

from kata.report import Report

ICON = {"pass": "✅", "fail": "❌", "error": "⚠️", "skipped": "⏭️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    s = report.score
    verdict = "passed" if s.passed else "below the pass mark"
    lines = [
        f"## kata · {report.exercise_id} — {report.exercise_title}",
        "",
        f"**{s.earned:g} / {s.max} points ({s.percent:g}%)** — {verdict} "
        f"(pass mark {s.pass_mark}%)",
        "",
    ]
    if report.problem:
        p = report.problem
        lines += [f"> **Could not grade: {p.message}**  ", f"> Fix: {p.fix}", ""]
        if p.log_tail:
            lines += ["<details><summary>log tail</summary>", "", "```", p.log_tail[-3000:], "```",
                      "", "</details>", ""]
    for d in report.diagnoses:
        lines += [f"> ⚠️ **Noticed:** {d.message}  ", f"> Fix: {d.fix}", ""]
    lines += ["| | requirement | points | details |", "|---|---|---|---|"]
    for r in report.requirements:
        detail = r.message
        if r.status != "pass" and r.hint:
            detail += f" — hint: {r.hint}"
        lines.append(
            f"| {ICON[r.status]} | `{r.id}` {_cell(r.title)} | {r.points_earned:g}/{r.points_max} "
            f"| {_cell(detail)} |"
        )
    replays = [(r.id, r.evidence["replay"]) for r in report.requirements if "replay" in r.evidence
               and r.status != "pass"]
    if replays:
        lines += ["", "<details><summary>replay the failing requests</summary>", ""]
        for rid, cmd in replays:
            lines += [f"`{rid}`", "```sh", cmd, "```"]
        lines += ["</details>"]
    phases = " · ".join(f"{p.name} {p.duration_s:.1f}s" for p in report.phases)
    lines += ["", f"<sub>kata {report.kata_version} · exercise {report.exercise_version} · "
              f"seed {report.seed} · {phases}</sub>", ""]
    return "\n".join(lines)
