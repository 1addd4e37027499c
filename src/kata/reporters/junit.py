"""JUnit XML: one testcase per requirement, so CI systems show the scorecard natively.

Messages quote the learner's app: ``sanitise.xml`` drops the characters XML cannot hold
(a NUL or an escape sequence in a response would make the file unparseable)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from kata.report import Report
from kata.sanitise import xml


def render_junit(report: Report) -> str:
    failures = sum(r.status == "fail" for r in report.requirements)
    errors = sum(r.status == "error" for r in report.requirements)
    skipped = sum(r.status == "skipped" for r in report.requirements)
    suite = ET.Element(
        "testsuite",
        name=xml(f"kata.{report.exercise_id}"),
        tests=str(len(report.requirements)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(skipped),
        time=f"{sum(p.duration_s for p in report.phases):.2f}",
    )
    for r in report.requirements:
        case = ET.SubElement(
            suite, "testcase", classname=xml(report.exercise_id), name=xml(f"{r.id}: {r.title}"),
            time=f"{r.duration_s:.3f}",
        )
        body = "\n".join([r.message, *(f"{k}: {v}" for k, v in r.evidence.items()), r.hint])
        if r.status in ("fail", "error"):
            tag = "failure" if r.status == "fail" else "error"
            el = ET.SubElement(case, tag, message=xml(r.message[:500]))
            el.text = xml(body.strip())
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=xml(r.message[:500]))
        ET.SubElement(case, "properties").append(
            ET.Element("property", name="points", value=f"{r.points_earned}/{r.points_max}")
        )
    if report.problem:
        out = ET.SubElement(suite, "system-out")
        out.text = xml(f"{report.problem.message}\n{report.problem.log_tail}")
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
