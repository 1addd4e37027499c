"""validation: a document the schema does not allow is refused before it runs — an
"errors" list, no "data", HTTP 200 or 400 — and never ends in a 5xx."""

from __future__ import annotations

import pytest

from kata.testing import requirement

from ._client import GraphQL, fail

BAD_DOCUMENTS = [
    ("an unknown field", "{ books(first: 1) { edges { node { id isbn } } } }"),
    ("an unknown root field", "{ bestsellers { id } }"),
    ("an argument of the wrong type", '{ books(first: "ten") { totalCount } }'),
    ("a missing required argument", "{ book { id } }"),
    ("broken syntax", "{ books(first: 1) { edges { node { id } }"),
]


@requirement("validation")
@pytest.mark.parametrize("why, document", BAD_DOCUMENTS, ids=[w for w, _ in BAD_DOCUMENTS])
def test_a_document_the_schema_does_not_allow_is_refused(gql: GraphQL, why: str,
                                                         document: str) -> None:
    r = gql.post(document)
    if r.status_code >= 500:
        raise fail(r, f"HTTP 200 or 400 with errors ({why}), never a server error")
    body = gql.refused(document, why=why)
    if body.get("data") is not None:
        raise fail(r, f'no "data" ({why}: the document must not run at all)')
