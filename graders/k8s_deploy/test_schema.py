"""manifests-valid: every document under k8s/ against the Kubernetes schemas of the stated
version, strict (a field the schema does not know is an error, as `kubectl apply
--validate=strict` makes it), offline with the schemas kubernetes-validate bundles."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
from kubernetes_validate.utils import (
    InvalidSchemaError,
    SchemaNotFoundError,
    ValidationError,
)

from kata.testing import GradedApp, requirement, trim

from ._manifests import Doc, Finding, judge

KUBERNETES_VERSION = "1.31.0"


def check(doc: Doc) -> Finding | None:
    """Why the API server of KUBERNETES_VERSION would refuse ``doc``, or None."""
    data: Any = doc.data
    if not isinstance(data, dict):
        return Finding(doc, (), f"document {doc.index + 1} is not a mapping (an object with "
                                "apiVersion, kind and metadata)")
    for key in ("apiVersion", "kind"):
        if not isinstance(data.get(key), str) or not data.get(key):
            return Finding(doc, (), f"document {doc.index + 1} has no {key}")
    try:
        kubernetes_validate.validate(data, KUBERNETES_VERSION, strict=True)
    except ValidationError as e:
        return Finding(doc, tuple(e.path), trim(e.message, 300))
    except (SchemaNotFoundError, InvalidSchemaError):
        return Finding(doc, ("kind",), f"Kubernetes {KUBERNETES_VERSION} has no "
                                       f"{data['apiVersion']} {data['kind']}")
    return None


@requirement("manifests-valid")
def test_every_document_is_valid_against_the_kubernetes_schemas(
        app: GradedApp, docs: list[Doc]) -> None:
    judge(app, [f for doc in docs if (f := check(doc)) is not None])
