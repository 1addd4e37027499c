"""The schema stage's GraphQL mode (``[graders.schema] kind = "graphql"``): schemathesis
generates queries and mutations from the exercise's SDL file and POSTs them to the app's
endpoint.

A GraphQL server answers most failures inside a 200: ``{"data": …, "errors": [{"message",
"path", "extensions": {"code"}}]}``. schemathesis' ``not_a_server_error`` counts every
error a resolver raises as a server error — the contract's own NOT_FOUND for an id no
book has included — so kata judges errors with a check of its own,
``graphql_undeclared_error``: an answer fails it when its HTTP status is 5xx, or when one
of its errors says the server failed (``INTERNAL_SERVER_ERROR``), or was raised while
executing (it has a ``path``) with a code the contract does not declare. Request errors
(a parse or validation error: no ``path``) are the server refusing the query, which is
what it should do with one it cannot run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kata.testing import trim

CHECK = "graphql_undeclared_error"
# extensions.code values that mean the server itself failed, whatever the contract says.
SERVER_CODES = frozenset({"INTERNAL_SERVER_ERROR", "DataFetchingException"})


def undeclared_error(status: int, payload: Any, declared: Collection[str]) -> str | None:
    """Why this answer shows the server failed, or None. Pure: ``payload`` is the parsed
    body (any JSON value); a body that is not a GraphQL response is for
    response_schema_conformance to judge."""
    if status >= 500:
        return f"answered HTTP {status}: a GraphQL server answers errors in the body"
    if not isinstance(payload, dict) or not isinstance(payload.get("errors"), list):
        return None
    for error in payload["errors"]:
        if not isinstance(error, dict):
            continue
        extensions = error.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        message = trim(str(error.get("message", "")), 160)
        if code in SERVER_CODES:
            return f"an error with code {code}: {message!r}"
        if "path" in error and code not in declared:
            said = f"code {trim(str(code), 40)}" if code is not None else "no extensions.code"
            allowed = ", ".join(sorted(declared)) or "none"
            return (f"a resolver error with {said} (the contract's codes: {allowed}): "
                    f"{message!r}")
    return None


def make_check(declared: Collection[str]) -> Callable[..., None]:
    """schemathesis' check function for this run's declared codes."""
    codes = frozenset(declared)

    def graphql_undeclared_error(ctx: Any, response: Any, case: Any) -> None:
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = None
        why = undeclared_error(response.status_code, payload, codes)
        if why is not None:
            raise AssertionError(why)

    return graphql_undeclared_error


@contextmanager
def check_registered(declared: Collection[str]) -> Iterator[None]:
    """kata's check in schemathesis' registry for the length of one run (it stays disabled
    in runs that do not name it)."""
    from schemathesis.checks import CHECKS

    CHECKS.register(make_check(declared))
    try:
        yield
    finally:
        if CHECK in CHECKS.get_all_names():
            CHECKS.unregister(CHECK)


def load(contract: Path, config: Any) -> Any:
    """The SDL file as a schemathesis schema (its errors are schemathesis' LoaderError)."""
    import schemathesis

    return schemathesis.graphql.from_path(str(contract), config=config)


def request_line(path: str, body: Any) -> str:
    """``POST /graphql { books(first: 3) { … } }``: the request with its query on one line."""
    query = body.get("query") if isinstance(body, dict) else body
    query = query if isinstance(query, str) else ""
    return f"POST {path} {' '.join(query.split())}".rstrip()


def no_answer_replay(port: int, endpoint: str) -> str:
    """A curl line for an operation that got no answer (the query itself is not kept)."""
    return (f"curl -i -X POST http://localhost:{port}{endpoint} "
            "-H 'Content-Type: application/json' -d '{\"query\": \"…\"}'")
