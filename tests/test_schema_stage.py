"""The schema stage without Docker: schemathesis against a stub API on 127.0.0.1 — a
conforming one, broken ones, one behind a token — and the verdict's wording."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import get_args

import httpx
import pytest
from _stubapi import CONTRACT, TOKEN, Behaviour, public_contract, serve
from pydantic import ValidationError

from kata.catalog.graders import Check
from kata.errors import ExerciseInvalid
from kata.outcomes import Status
from kata.stages.schema import (
    CHECK_WORDS,
    NO_ANSWER,
    AuthFailed,
    AuthStep,
    Finding,
    SchemaOptions,
    SchemaRun,
    aim_at,
    obtain_token,
    run_schemathesis,
    schema_outcome,
)

FAST = SchemaOptions(max_examples=25, fuzz_from_responses=False, max_time_s=60)


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_STATE_DIR", str(tmp_path / "state"))


def _contract(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(data))
    return path


def _run(tmp_path, behaviour: Behaviour, contract: dict | None = None, seed: int = 1,
         opts: SchemaOptions = FAST, headers: dict | None = None) -> SchemaRun:
    with serve(behaviour) as (host, port, _):
        return run_schemathesis(_contract(tmp_path, contract or public_contract()),
                                f"http://{host}:{port}", port, opts, seed, headers)


def test_a_conforming_api_passes(tmp_path):
    run = _run(tmp_path, Behaviour())
    assert run.findings == [] and run.cases > 10 and run.operations == 2
    o = schema_outcome("conformance", run)
    assert o.status is Status.PASS
    assert "conform to the contract" in o.message


def test_a_500_on_a_negative_id_is_found_with_a_replayable_request(tmp_path):
    run = _run(tmp_path, Behaviour(bug="negative-500"))
    first = run.findings[0]
    assert (first.operation, first.check) == ("GET /things/{id}", "not_a_server_error")
    assert first.response.startswith("500")
    assert first.request.startswith("GET /things/-")
    # the replay aims at the learner's own machine, not kata's container address
    assert first.replay.startswith("curl") and "http://localhost:" in first.replay
    assert "127.0.0.1" not in first.replay
    o = schema_outcome("conformance", run)
    assert o.status is Status.FAIL
    assert o.message.startswith("GET /things/{id}: server error (GET /things/-")
    assert o.evidence["replay"] == first.replay and o.evidence["check"] == "not_a_server_error"
    # under --keep the same replay aims at the kept app's published address
    port = first.replay.split("http://localhost:")[1].split("/")[0]
    aim_at([o], int(port), "127.0.0.1:49153")
    assert "http://127.0.0.1:49153/things/-" in o.evidence["replay"], o.evidence["replay"]
    assert "localhost" not in o.evidence["replay"]


def test_a_field_of_the_wrong_type_is_a_schema_finding(tmp_path):
    run = _run(tmp_path, Behaviour(bug="wrong-type"))
    checks = {(f.operation, f.check) for f in run.findings}
    assert ("GET /things/{id}", "response_schema_conformance") in checks
    o = schema_outcome("conformance", run)
    assert "does not match the contract's schema" in o.message


def test_the_same_seed_finds_the_same_thing(tmp_path):
    a = _run(tmp_path, Behaviour(bug="negative-500"), seed=7)
    b = _run(tmp_path, Behaviour(bug="negative-500"), seed=7)

    def what(run):  # the stub's port differs between the two runs; nothing else may
        return [(f.operation, f.check, f.request, f.response) for f in run.findings]

    assert what(a) == what(b) and what(a) and a.cases == b.cases


def test_a_requirement_can_narrow_the_checks_it_judges(tmp_path):
    run = _run(tmp_path, Behaviour(bug="wrong-type"))
    only_5xx = schema_outcome("no-5xx", run, checks=["not_a_server_error"])
    assert only_5xx.status is Status.PASS
    elsewhere = schema_outcome("health", run, operations=["GET /health"])
    assert elsewhere.status is Status.PASS


def test_the_time_budget_caps_the_run(tmp_path):
    opts = SchemaOptions(max_examples=1000, max_time_s=1, fuzz_from_responses=False)
    run = _run(tmp_path, Behaviour(delay_s=0.05), opts=opts)
    assert run.stop_reason == "budget" and run.seconds < 10
    assert "time budget" in schema_outcome("c", run).message


def test_many_findings_name_the_first_and_count_the_rest():
    f = [Finding(f"GET /x{i}", "not_a_server_error", "Server error", "", f"GET /x{i}",
                 "500 boom", f"curl http://localhost:8000/x{i}") for i in range(5)]
    o = schema_outcome("c", SchemaRun(findings=f, operations=6, cases=50))
    assert o.message == ("GET /x0: server error (GET /x0 → 500 boom) (+4 more: GET /x1: "
                         "server error; GET /x2: server error; GET /x3: server error and 1 more)")
    assert o.fraction == pytest.approx(1 / 6)


def test_the_checks_kata_words_are_the_checks_an_exercise_may_name():
    assert set(CHECK_WORDS) - {NO_ANSWER} == set(get_args(Check))


# -- the auth step ------------------------------------------------------------------------
AUTH = {
    "register": {"path": "/auth/register",
                 "json": {"username": "{username}", "password": "{password}"}},
    "login": {"path": "/auth/login", "form": {"username": "{username}",
                                              "password": "{password}"}},
    "token_path": "data.access_token",
}


def test_register_and_login_yield_the_bearer_header():
    auth = AuthStep.model_validate(AUTH)
    with serve(Behaviour(auth=True)) as (host, port, b), \
            httpx.Client(base_url=f"http://{host}:{port}") as client:
        headers = obtain_token(client, auth, seed=3)
    assert headers == {"Authorization": f"Bearer {TOKEN}"}
    assert b.seen == ["POST /auth/register", "POST /auth/login"]
    assert next(iter(b.users)).startswith("kata_")


def test_a_login_that_gives_no_token_says_so():
    auth = AuthStep.model_validate({**AUTH, "register": None})  # never registered
    with serve(Behaviour(auth=True)) as (host, port, _), \
            httpx.Client(base_url=f"http://{host}:{port}") as client, \
            pytest.raises(AuthFailed, match=r"login: POST /auth/login → expected 200 or 201, "
                                            r"got 401"):
        obtain_token(client, auth, seed=3)


def test_schemathesis_sends_the_token(tmp_path):
    auth = AuthStep.model_validate(AUTH)
    contract = copy.deepcopy(CONTRACT)  # a secured operation documents its 401
    contract["paths"]["/things/{id}"]["get"]["responses"]["401"] = {"description": "no token"}
    with serve(Behaviour(auth=True)) as (host, port, b):
        base = f"http://{host}:{port}"
        path = _contract(tmp_path, contract)
        without = run_schemathesis(path, base, port, FAST, 1)
        refused, b.authorized = b.authorized, 0
        with httpx.Client(base_url=base) as client:
            headers = obtain_token(client, auth, seed=1)
        with_token = run_schemathesis(path, base, port, FAST, 1, headers)
    assert refused == 0 and b.authorized > 10
    assert without.findings == [] and with_token.findings == []


# -- operations left out ------------------------------------------------------------------
def test_an_excluded_operation_is_never_generated(tmp_path):
    opts = FAST.model_copy(update={"exclude": ["GET /things/{id}"]})
    with serve(Behaviour()) as (host, port, b):
        run = run_schemathesis(_contract(tmp_path, public_contract()), f"http://{host}:{port}",
                               port, opts, 1)
    assert run.operations == 1 and run.cases > 0
    assert b.seen and not [s for s in b.seen if s.startswith("GET /things")]


def test_excluding_what_the_contract_lacks_is_the_exercises_mistake(tmp_path):
    opts = FAST.model_copy(update={"exclude": ["DELETE /things/{id}"]})
    with serve(Behaviour()) as (host, port, b), \
            pytest.raises(ExerciseInvalid, match=r"exclude names \['DELETE /things/\{id\}'\]"):
        run_schemathesis(_contract(tmp_path, public_contract()), f"http://{host}:{port}", port,
                         opts, 1)
    assert b.seen == []  # a typo stops the run before any request, instead of excluding nothing


@pytest.mark.parametrize("label", ["/users/me", "delete /users/me", "DELETE users/me", "DELETE"])
def test_an_excluded_operation_is_a_method_and_a_path(label):
    with pytest.raises(ValidationError, match="exclude"):
        SchemaOptions.model_validate({"exclude": [label]})


def test_a_request_without_an_answer_is_the_apps_failure(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on: every request is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    opts = SchemaOptions(max_examples=1, phases=["fuzzing"])
    run = run_schemathesis(_contract(tmp_path, public_contract()), f"http://127.0.0.1:{port}",
                           port, opts, 1)
    silent = [f for f in run.findings if f.check == "no_answer"]
    assert silent and "refused or closed without an answer" in silent[0].detail
    # no answer is counted whatever the checks
    o = schema_outcome("conformance", run, checks=["not_a_server_error"])
    assert o.status is Status.FAIL
    assert o.message.startswith(("GET /health: the connection was refused",
                                 "GET /things/{id}: the connection was refused"))
