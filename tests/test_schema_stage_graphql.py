"""The schema stage's GraphQL mode without Docker: schemathesis generates queries from a
small SDL file and POSTs them to a stub GraphQL server on 127.0.0.1 (graphql-core), which
follows the contract — NOT_FOUND for an unknown id is its intended answer — or breaks it
on request. Also the pure judgement of one answer, and the typed options."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from graphql import GraphQLError, build_schema, graphql_sync
from pydantic import ValidationError

from kata.catalog.graders import SchemaOptions
from kata.outcomes import Status
from kata.stages._graphql import CHECK, undeclared_error
from kata.stages.schema import run_schemathesis, schema_outcome

SDL = """
type Query {
  thing(id: ID!): Thing
  things(first: Int = 5): [Thing!]!
}
type Mutation {
  addThing(name: String!): Thing!
}
type Thing {
  id: ID!
  name: String!
}
"""
GRAPHQL = SchemaOptions.model_validate({
    "kind": "graphql", "error_codes": ["NOT_FOUND", "BAD_USER_INPUT"], "max_examples": 25,
    "max_time_s": 60})


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_STATE_DIR", str(tmp_path / "state"))


@dataclass
class Stub:
    bug: str = ""  # "", "500", "internal", "odd-code", "null"


def _resolvers(stub: Stub) -> dict:
    things = {"1": {"id": "1", "name": "one"}, "2": {"id": "2", "name": "two"}}

    def thing(_, info, id):
        if id not in things:
            if stub.bug == "internal":
                raise RuntimeError("boom")  # graphql-core: an error without a code
            code = "OOPS" if stub.bug == "odd-code" else "NOT_FOUND"
            raise GraphQLError(f"no thing has id {id!r}", extensions={"code": code})
        return things[id]

    def list_things(_, info, first=5):
        if first is None or not 1 <= first <= 100:
            raise GraphQLError("first must be 1..100", extensions={"code": "BAD_USER_INPUT"})
        return list(things.values())[:first]

    def add(_, info, name):
        if stub.bug == "null":
            return {"id": "3", "name": None}
        return {"id": str(len(things) + 1), "name": name}

    return {"thing": thing, "things": list_things, "addThing": add}


def _answer(stub: Stub, body: bytes) -> tuple[int, dict]:
    schema = build_schema(SDL)
    r = _resolvers(stub)
    schema.query_type.fields["thing"].resolve = r["thing"]
    schema.query_type.fields["things"].resolve = r["things"]
    schema.mutation_type.fields["addThing"].resolve = r["addThing"]
    request = json.loads(body)
    query = request.get("query", "")
    if stub.bug == "500" and "thing(" in query and 'id: "1"' not in query:
        return 500, {"errors": [{"message": "Internal server error"}]}
    result = graphql_sync(schema, query, variable_values=request.get("variables"))
    out: dict = {"data": result.data}
    if result.errors:
        out["errors"] = []
        for e in result.errors:
            f = dict(e.formatted)
            if e.original_error is not None and not (e.extensions or {}).get("code"):
                f["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
            out["errors"].append(f)
    return 200, out


@contextmanager
def serve(stub: Stub) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            status, payload = _answer(stub, self.rfile.read(length))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _run(tmp_path: Path, stub: Stub, opts: SchemaOptions = GRAPHQL, seed: int = 1):
    contract = tmp_path / "schema.graphql"
    contract.write_text(SDL)
    with serve(stub) as port:
        return run_schemathesis(contract, f"http://127.0.0.1:{port}", port, opts, seed)


# -- against a stub server ---------------------------------------------------------------
def test_a_conforming_graphql_api_passes_its_intended_errors_included(tmp_path):
    run = _run(tmp_path, Stub())
    assert run.findings == [] and run.cases > 20 and run.operations == 3
    o = schema_outcome("conformance", run, GRAPHQL.checks)
    assert o.status is Status.PASS and "3 operations conform" in o.message


def test_schemathesis_own_server_error_check_flags_the_intended_not_found(tmp_path):
    """Why kata has a check of its own: not_a_server_error fails the same conforming API
    for its NOT_FOUND answers."""
    opts = GRAPHQL.model_copy(update={"checks": ["not_a_server_error"]})
    run = _run(tmp_path, Stub(), opts)
    assert ("Query.thing", "not_a_server_error") in {(f.operation, f.check) for f in run.findings}


def test_a_500_is_found_with_the_query_and_a_replay(tmp_path):
    run = _run(tmp_path, Stub(bug="500"))
    first = next(f for f in run.findings if f.check == CHECK)
    assert first.operation == "Query.thing" and first.response.startswith("500")
    assert first.request.startswith("POST /graphql") and "thing(" in first.request
    assert first.replay.startswith("curl") and "http://localhost:" in first.replay
    assert "/graphql" in first.replay and "127.0.0.1" not in first.replay
    o = schema_outcome("conformance", run, GRAPHQL.checks)
    assert o.status is Status.FAIL
    assert o.message.startswith("Query.thing: an error the contract does not declare")
    assert "HTTP 500" in o.message


def test_an_internal_server_error_in_a_200_is_found(tmp_path):
    run = _run(tmp_path, Stub(bug="internal"))
    found = [f for f in run.findings if f.check == CHECK]
    assert [f.operation for f in found] == ["Query.thing"]
    assert found[0].response.startswith("200") and "INTERNAL_SERVER_ERROR" in found[0].detail


def test_a_code_the_contract_does_not_declare_is_found_unless_declared(tmp_path):
    run = _run(tmp_path, Stub(bug="odd-code"))
    assert any(f.check == CHECK and "code OOPS" in f.detail for f in run.findings)
    declared = GRAPHQL.model_copy(update={"error_codes": ["NOT_FOUND", "BAD_USER_INPUT",
                                                          "OOPS"]})
    assert _run(tmp_path, Stub(bug="odd-code"), declared).findings == []


def test_null_in_a_non_null_field_is_found(tmp_path):
    """graphql-core answers it as an error with a path: the server failed."""
    run = _run(tmp_path, Stub(bug="null"))
    assert {f.operation for f in run.findings} == {"Mutation.addThing"}
    ours = [f for f in run.findings if f.check == CHECK]
    assert ours and "non-nullable" in ours[0].detail


def test_the_check_is_registered_only_for_the_run(tmp_path):
    from schemathesis.checks import CHECKS

    _run(tmp_path, Stub())
    assert CHECK not in CHECKS.get_all_names()


# -- one answer, judged (pure) -----------------------------------------------------------
DECLARED = {"NOT_FOUND", "BAD_USER_INPUT"}


@pytest.mark.parametrize("status, payload, why", [
    (500, {"errors": [{"message": "x"}]}, "HTTP 500"),
    (200, {"data": None, "errors": [{"message": "x", "path": ["book"],
                                     "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]},
     "INTERNAL_SERVER_ERROR"),
    (400, {"errors": [{"message": "x", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]},
     "INTERNAL_SERVER_ERROR"),
    (200, {"data": {"book": None}, "errors": [{"message": "x", "path": ["book"]}]},
     "no extensions.code"),
    (200, {"data": {"book": None}, "errors": [{"message": "x", "path": ["book"],
                                               "extensions": {"code": "OOPS"}}]}, "code OOPS"),
])
def test_answers_that_show_the_server_failed(status, payload, why):
    found = undeclared_error(status, payload, DECLARED)
    assert found is not None and why in found


@pytest.mark.parametrize("status, payload", [
    (200, {"data": {"book": {"id": "1"}}}),
    (200, {"data": {"book": None}, "errors": [{"message": "no book", "path": ["book"],
                                               "extensions": {"code": "NOT_FOUND"}}]}),
    (400, {"errors": [{"message": "Cannot query field", "extensions": {
        "code": "GRAPHQL_VALIDATION_FAILED"}}]}),
    (200, {"errors": [{"message": "Syntax Error"}]}),  # a request error: no path
    (200, ["not", "an", "object"]),  # response_schema_conformance's to judge
    (200, {"errors": ["not an object"]}),
    (404, None),
])
def test_answers_that_do_not(status, payload):
    assert undeclared_error(status, payload, DECLARED) is None


# -- the options -------------------------------------------------------------------------
def test_graphql_kind_brings_its_own_defaults():
    opts = SchemaOptions.model_validate({"kind": "graphql"})
    assert opts.contract == "schema.graphql" and opts.endpoint == "/graphql"
    assert opts.checks == ["graphql_undeclared_error", "response_schema_conformance"]
    assert opts.phases == ["fuzzing"]
    assert SchemaOptions().kind == "openapi" and SchemaOptions().contract == "openapi.yaml"


@pytest.mark.parametrize("data", [
    {"kind": "graphql", "checks": ["status_code_conformance"]},
    {"checks": ["graphql_undeclared_error"]},
    {"error_codes": ["NOT_FOUND"]},
    {"kind": "graphql", "endpoint": "graphql"},
    {"kind": "soap"},
])
def test_options_that_do_not_fit_are_refused(data):
    with pytest.raises(ValidationError):
        SchemaOptions.model_validate(data)
