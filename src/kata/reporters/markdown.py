"""The Markdown scorecard: for a README, a pull request, or a GitHub job summary.

Messages, hints, logs and replays quote what the learner's app said: each goes through
``sanitise`` (inline text escaped, logs in a fence nothing inside can close), so no tag,
heading or link of the learner's making reaches the rendered page."""

from __future__ import annotations

from kata.report import Report
from kata.reporters._provenance import provenance, stack_label
from kata.sanitise import markdown_block, markdown_code, markdown_inline

ICON = {"pass": "✅", "fail": "❌", "error": "⚠️", "skipped": "⏭️"}


def render_markdown(report: Report) -> str:
    s = report.score
    verdict = "passed" if s.passed else "below the pass mark"
    lines = [
        f"## kata · {markdown_inline(report.exercise_id)} — "
        f"{markdown_inline(report.exercise_title)}",
        "",
        f"**{s.earned:g} / {s.max} points ({s.percent:g}%)** — {verdict} "
        f"(pass mark {s.pass_mark}%)",
        "",
    ]
    if report.problem:
        p = report.problem
        lines += [f"> **Could not grade: {markdown_inline(p.message)}**  ",
                  f"> Fix: {markdown_inline(p.fix)}", ""]
        if p.log_tail:
            lines += ["<details><summary>log tail</summary>", "",
                      markdown_block(p.log_tail[-3000:]), "", "</details>", ""]
    for d in report.diagnoses:
        lines += [f"> ⚠️ **Noticed:** {markdown_inline(d.message)}  ",
                  f"> Fix: {markdown_inline(d.fix)}", ""]
    lines += ["| | requirement | points | details |", "|---|---|---|---|"]
    for r in report.requirements:
        detail = r.message
        if r.status != "pass" and r.hint:
            detail += f" — hint: {r.hint}"
        if r.status != "pass" and r.tip:
            detail += f" — {stack_label(report)} tip: {r.tip}"
        lines.append(
            f"| {ICON[r.status]} | {markdown_code(r.id)} {markdown_inline(r.title)} "
            f"| {r.points_earned:g}/{r.points_max} | {markdown_inline(detail)} |"
        )
    replays = [(r.id, r.evidence["replay"]) for r in report.requirements if "replay" in r.evidence
               and r.status != "pass"]
    if replays:
        lines += ["", "<details><summary>replay the failing requests</summary>", ""]
        for rid, cmd in replays:
            lines += [markdown_code(rid), markdown_block(cmd, "sh")]
        lines += ["</details>"]
    phases = " · ".join(f"{markdown_inline(p.name)} {p.duration_s:.1f}s" for p in report.phases)
    graded = provenance(report)
    lines += ["", f"<sub>kata {markdown_inline(report.kata_version)} · exercise "
              f"{markdown_inline(report.exercise_version)} · seed {report.seed} · {phases}"
              + (f" · {markdown_inline(graded)}" if graded else "") + "</sub>", ""]
    return "\n".join(lines)
