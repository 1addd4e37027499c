"""Grading is stack-neutral: each exercise has one small solution in another stack
(tests/fixtures/stacks/<exercise>-<stack>/), which must score every point, and a mutated
copy of one of them gets a scorecard in the words of its stack, with no Python-only hint
(compared with a golden file; KATA_UPDATE_GOLDEN=1 rewrites it)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from test_exercises import grade_folder

from kata.reporters.terminal import print_scorecard

STACKS = Path(__file__).parent / "fixtures" / "stacks"
GOLDEN = Path(__file__).parent / "golden"
# folder → (exercise, the stack kata must recognise)
SOLUTIONS = {"cache-layer-node": ("cache-layer", "node"),
             "kv-store-node": ("kv-store", "node"), "notes-jwt-node": ("notes-jwt", "node"),
             "oauth-login-node": ("oauth-login", "node"), "rest-api-node": ("rest-api", "node"),
             "todo-cli-node": ("todo-cli", "node"), "kv-store-go": ("kv-store", "go"),
             "query-tuning-node": ("query-tuning", "node"),
             # its sessions are cookies (the reference's are bearer tokens): both graded
             "user-auth-node": ("user-auth", "node"),
             "rest-api-go": ("rest-api", "go"), "dockerize-go": ("dockerize", "go"),
             "central-logging-node": ("central-logging", "node"),
             "ci-pipeline-node": ("ci-pipeline", "node"),
             # kafkajs, eachBatch, one multi-row INSERT per 500 messages
             "event-stream-node": ("event-stream", "node"),
             "url-shortener-node": ("url-shortener", "node"),
             # one multi-document file, a digest, args, tcpSocket liveness, base64 data
             "k8s-deploy-node": ("k8s-deploy", "node"),
             "ecommerce-microservices-node": ("ecommerce-microservices", "node"),
             # it queues on RabbitMQ (the reference on Redis): both queues graded
             "task-scheduler-node": ("task-scheduler", "node"),
             # graphql-api's reference is Node (Apollo), so its other stack is Python
             "graphql-api-python": ("graphql-api", "python"),
             # a document has no stack: the second solution is a differently written design
             # (setext headings, table figures, a method/path table, HTTP-message blocks,
             # erDiagram and architecture-beta diagrams)
             "system-design-alt": ("system-design", None)}
# What a Python learner is told, and a Node or Go learner must never be.
PYTHON_ONLY = re.compile(r"FastAPI|Pydantic|HTTPException|uvicorn|asyncio|argparse|sys\.|"
                         r"sqlite3\.connect|Field\(|Query\(|status_code=|Response\(", re.I)
# What a Node learner is told, and a Go learner must never be.
NODE_ONLY = re.compile(r"Node\.js|JavaScript|Express|BigInt|res\.status|createServer", re.I)


def _explain(report) -> str:
    lines = [f"{r.id}: {r.status} {r.message}" for r in report.requirements]
    if report.problem:
        lines.append(f"problem: {report.problem.message}\n{report.problem.log_tail}")
    return "\n".join(lines)


def test_graphql_solutions_serve_the_exercise_contract_unedited():
    """The SDL is the contract: the reference and the other-stack solution each carry a
    copy of schema.graphql (their build context), which must be the exercise's own."""
    from kata.catalog import load_catalog

    ex = load_catalog().get("graphql-api")
    contract = (ex.root / "schema.graphql").read_text()
    assert (ex.reference_path / "schema.graphql").read_text() == contract
    assert (STACKS / "graphql-api-python" / "schema.graphql").read_text() == contract


def test_every_exercise_has_a_solution_in_another_stack():
    from kata.catalog import load_catalog

    assert {e for e, _ in SOLUTIONS.values()} == set(load_catalog().exercises)
    assert sorted(p.name for p in STACKS.iterdir()) == sorted(SOLUTIONS)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("folder", sorted(SOLUTIONS))
def test_a_solution_in_another_stack_scores_full_marks(folder):
    exercise, stack = SOLUTIONS[folder]
    report = grade_folder(exercise, STACKS / folder)
    assert report.problem is None, _explain(report)
    assert [r.id for r in report.requirements if r.status != "pass"] == [], _explain(report)
    assert report.score.earned == report.score.max
    assert report.stack == stack


def _scorecard_text(report) -> str:
    console = Console(width=100, record=True, color_system=None, force_terminal=False)
    print_scorecard(console, report)
    text = console.export_text()
    # what varies from run to run: durations, and the ids the database hands out
    text = re.sub(r"\b\d+\.\d+s\b", "…s", text)
    # and the padding before a border, which a duration's width changes (9.9s, 10.2s)
    text = re.sub(r" +│", " │", text)
    return re.sub(r'"id": ?\d+', '"id":…', text)


def _same_as_golden(text: str, name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("KATA_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{name} changed; see the diff"


@pytest.mark.docker
@pytest.mark.slow
def test_a_node_solution_with_a_bug_gets_a_scorecard_in_its_own_words(tmp_path):
    repo = tmp_path / "rest-api-node"
    shutil.copytree(STACKS / "rest-api-node", repo)
    server = repo / "server.js"
    source = server.read_text()
    assert source.count("return { status: 201, body: rows[0] };") == 1
    server.write_text(source.replace("return { status: 201, body: rows[0] };",
                                     "return { status: 200, body: rows[0] };"))
    report = grade_folder("rest-api", repo, only={"create"}, seed=7)
    assert report.problem is None, _explain(report)
    assert [r.id for r in report.requirements if r.status == "fail"] == ["create"]
    text = _scorecard_text(report)
    assert "Node.js tip: Express: res.status(201).json(row)" in text
    assert not PYTHON_ONLY.search(text), PYTHON_ONLY.search(text)
    _same_as_golden(text, "scorecard-rest-api-node-create-200.txt")


# A real Go defect: int64 addition wraps silently, so INCR of the largest 64-bit integer
# answers -9223372036854775808 instead of an overflow error.
OVERFLOW_CHECK = """\
	if (by > 0 && cur > math.MaxInt64-by) || (by < 0 && cur < math.MinInt64-by) {
		return errReply(out, "increment or decrement would overflow")
	}
"""


@pytest.mark.docker
@pytest.mark.slow
def test_a_go_solution_with_a_bug_gets_a_scorecard_in_its_own_words(tmp_path):
    repo = tmp_path / "kv-store-go"
    shutil.copytree(STACKS / "kv-store-go", repo)
    server = repo / "main.go"
    source = server.read_text()
    assert source.count(OVERFLOW_CHECK) == 1
    server.write_text(source.replace(OVERFLOW_CHECK, ""))
    report = grade_folder("kv-store", repo, only={"keys-counters"}, seed=7)
    assert report.problem is None, _explain(report)
    assert [r.id for r in report.requirements if r.status == "fail"] == ["keys-counters"]
    assert report.stack == "go"
    text = _scorecard_text(report)
    assert "got (integer)" in text and "-9223372036854775808" in text, text
    assert "Go tip: strconv.ParseInt(s, 10, 64) refuses" in text
    assert not PYTHON_ONLY.search(text), PYTHON_ONLY.search(text)
    assert not NODE_ONLY.search(text), NODE_ONLY.search(text)
    _same_as_golden(text, "scorecard-kv-store-go-incr-wraps.txt")
