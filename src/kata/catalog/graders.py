"""What exercise.toml may say to a grader: its options (``[graders.<name>]``) and the
thresholds of its requirements. Typed here, so a wrong key or value fails when the exercise
loads (and in the consistency test), not when a grade reaches that grader.

The ``contract`` grader's thresholds belong to the exercise's own tests (``app.thresholds``
in graders/<id>/), so kata checks only that they are a table.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kata.catalog.slo import METRICS, SLOInvalid, parse_slos

# schemathesis' checks kata can judge (kata.stages.schema words each one for the learner).
Check = Literal[
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    # kata's own (stages/schema.py): a GraphQL answer whose errors say the server failed.
    "graphql_undeclared_error",
]
DEFAULT_CHECKS: list[Check] = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
# An operation's label, as schemathesis names it: "GET /items/{id}".
OPERATION = r"^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) /\S*$"
# A GraphQL contract (an SDL file) has no status codes, content types or body schemas to
# conform to: these are the checks that judge a GraphQL answer. schemathesis'
# not_a_server_error also fails on every error a resolver raises, the contract's own
# NOT_FOUND included, so kata's graphql_undeclared_error (no 5xx, no error outside the
# contract's `error_codes`) is the default in its place.
GRAPHQL_CHECKS: frozenset[str] = frozenset({
    "graphql_undeclared_error", "not_a_server_error", "response_schema_conformance",
    "negative_data_rejection", "positive_data_acceptance"})
GRAPHQL_DEFAULTS: dict[str, Any] = {
    "contract": "schema.graphql",
    "checks": ["graphql_undeclared_error", "response_schema_conformance"],
    "phases": ["fuzzing"],  # schemathesis has no examples or coverage phase for GraphQL
}
MAX_USERS = 200
MAX_DURATION_S = 120
MAX_REQUESTS = 1_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- [graders.schema] ----------------------------------------------------------------------
class AuthRequest(_Strict):
    """One request of the auth step. Strings may use {username} and {password}."""

    method: str = "POST"
    path: str
    json_body: dict[str, Any] | None = Field(None, alias="json")
    form: dict[str, str] | None = None
    expect: list[int] = [200, 201]


class AuthStep(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    signup: AuthRequest | None = Field(None, alias="register")
    login: AuthRequest
    token_path: str = "access_token"
    header: str = "Authorization"
    scheme: str = "Bearer"  # the header is "<scheme> <token>"; "" for the bare token


class SchemaOptions(_Strict):
    contract: str = "openapi.yaml"
    checks: list[Check] = DEFAULT_CHECKS
    max_examples: int = Field(10, ge=1, le=1000)
    max_time_s: int = Field(60, ge=1, le=1800)
    phases: list[Literal["examples", "coverage", "fuzzing", "stateful"]] = [
        "examples", "coverage", "fuzzing"]
    mode: Literal["positive", "negative", "all"] = "all"
    request_timeout_s: float = Field(5.0, gt=0, le=60)
    # Fuzzing draws ids and values from earlier answers by default; off, it draws them from
    # the whole range the contract allows (a negative id is a valid request too).
    fuzz_from_responses: bool = True
    # Operations never generated, by label ("DELETE /users/me"): one that would end the run's
    # own session (deleting the user kata logged in as) is graded by contract tests instead.
    exclude: list[Annotated[str, StringConstraints(pattern=OPERATION)]] = []
    auth: AuthStep | None = None
    # "graphql": the contract is a GraphQL SDL file, every request a POST to `endpoint`.
    kind: Literal["openapi", "graphql"] = "openapi"
    endpoint: str = Field("/graphql", pattern=r"^/")
    # graphql: the extensions.code values the contract declares (NOT_FOUND…): an error that
    # carries one is an answer, not a failure of the server.
    error_codes: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _graphql_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "graphql":
            return {**GRAPHQL_DEFAULTS, **data}
        return data

    @model_validator(mode="after")
    def _checks_fit_the_kind(self) -> SchemaOptions:
        if self.kind == "graphql":
            wrong = sorted(set(self.checks) - GRAPHQL_CHECKS)
            if wrong:
                raise ValueError(f"checks {wrong} judge OpenAPI answers; a GraphQL contract "
                                 f"takes {sorted(GRAPHQL_CHECKS)}")
        elif "graphql_undeclared_error" in self.checks or self.error_codes:
            raise ValueError("graphql_undeclared_error and error_codes need kind = \"graphql\"")
        return self


# -- [graders.load] ------------------------------------------------------------------------
class LoadOptions(_Strict):
    locustfile: str = "locustfile.py"
    user_classes: list[str] = []  # default: every User class in the locustfile
    users: int = Field(10, ge=1, le=MAX_USERS)
    spawn_rate: float = Field(10, gt=0, le=1000)
    warmup_s: float = Field(1.0, ge=0, le=30)
    duration_s: float = Field(6.0, gt=0, le=MAX_DURATION_S)
    max_requests: int = Field(100_000, ge=1, le=MAX_REQUESTS)
    saturation_pct: float = Field(90.0, gt=0, le=100)
    # A generator whose event loop wakes up this late (median) is saturated too, even below
    # saturation_pct: a starved process cannot use its CPU share, and it reads every answer
    # late by as much.
    saturation_lag_ms: float = Field(50.0, gt=0, le=10_000)

    def profile(self) -> dict[str, Any]:
        """What the generator is asked to do (the locustfile path and host come apart)."""
        return {"users": self.users, "spawn_rate": self.spawn_rate, "warmup_s": self.warmup_s,
                "duration_s": self.duration_s, "max_requests": self.max_requests,
                "user_classes": self.user_classes}


class GraderOptions(_Strict):
    """``[graders.<name>]``: only graders that take options have a table."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    # `schema` would shadow pydantic's BaseModel.schema; the file still says [graders.schema].
    schema_: SchemaOptions = Field(SchemaOptions(), alias="schema")
    load: LoadOptions = LoadOptions()


# -- requirement thresholds, by grader ----------------------------------------------------
class BootThresholds(_Strict):
    max_boot_s: float | None = Field(None, gt=0)
    max_image_mb: float | None = Field(None, gt=0)
    bind_all_interfaces: bool = False  # a boot diagnosis worth points


class SchemaThresholds(_Strict):
    checks: list[Check] | None = None  # narrows what this requirement judges
    operations: list[str] | None = None  # e.g. ["GET /items/{id}"]


THRESHOLDS: dict[str, type[BaseModel]] = {"boot": BootThresholds, "schema": SchemaThresholds}


def check_thresholds(grader: str, thresholds: dict[str, Any]) -> str | None:
    """What is wrong with a requirement's thresholds for its grader, or None."""
    if grader == "load":
        unknown = sorted(set(thresholds) - set(METRICS))
        if unknown:
            return f"unknown keys {unknown} (SLOs are {', '.join(METRICS)})"
        try:
            parse_slos(thresholds)
        except SLOInvalid as e:
            return str(e)
        return None
    model = THRESHOLDS.get(grader)
    if model is None:
        return None  # the contract grader's tests read their own thresholds
    try:
        model.model_validate(thresholds)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}"
    return None
