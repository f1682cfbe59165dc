"""The OpenAPI document states what the server really answers, in one place.

Some answers come from the door rather than the route: a NUL anywhere is 400 `invalid_characters`
(web/nul.py), an API body over the limit 413 (web/limits.py), a full worker or a busy database
503 with Retry-After. Others follow from a route's dependencies: a bearer token that is unknown
or expired is 401 wherever a reader is looked up, a reader who is not an operator 403, a missing
Idempotency-Key 400. So they are added here, to every API operation, from what each route
depends on, instead of by hand in each router (which is how they went missing). Every error
answer has the one shape of web/errors.py, validation errors (422) included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from readtoearn.rewards.redemption import KEY_SHAPE
from readtoearn.web import deps
from readtoearn.web.schemas import ErrorOut

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA = {"$ref": REF_TEMPLATE.format(model="ErrorOut")}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the same request again",
        "schema": {"type": "integer"},
    }
}
# What every API operation can answer, whatever it does.
AT_THE_DOOR: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Invalid input, e.g. a NUL character anywhere (`invalid_characters`)", {}),
    413: ("The request body is larger than the API's limit (`payload_too_large`)", {}),
    503: ("Busy: nothing was done, send the same request again later (`busy`)", RETRY_AFTER),
}
READER_LOOKUPS = frozenset({deps.get_optional_reader, deps.get_reader_alone})
OPERATOR_CHECKS = frozenset(
    {
        deps.get_current_operator,
        deps.get_current_operator_alone,
        *deps.ROLE_CHECKS.values(),
        *deps.ROLE_CHECKS_ALONE.values(),
    }
)
IDEMPOTENCY_HEADER = "idempotency-key"
IDEMPOTENCY_KEY_SHAPE = KEY_SHAPE.pattern  # 1 to 200 visible ASCII characters


def install(app: FastAPI) -> None:
    """Complete the app's OpenAPI document (built on first use) with the answers it omits."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Add the door's answers, and those the routes' dependencies imply, to each API operation."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in schemas:
        error_out = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(error_out.pop("$defs"), ErrorOut=error_out)
    for context in iter_route_contexts(routes):
        route = context.original_route
        path = context.path_format or ""
        if not isinstance(route, APIRoute) or path not in document["paths"]:
            continue  # not an API operation, or not in the document
        calls = set(_calls(route.dependant))
        for method in context.methods or ():
            operation = document["paths"][path].get(method.lower())
            if operation is not None and path.startswith("/api/"):
                _complete_operation(operation, calls)
    return document


def _complete_operation(operation: dict[str, Any], calls: set[Callable[..., Any]]) -> None:
    answers: dict[str, Any] = operation.setdefault("responses", {})
    wanted = dict(AT_THE_DOOR)
    if calls & READER_LOOKUPS:
        wanted[401] = ("No valid bearer token: log in first", {})
    if calls & OPERATOR_CHECKS:
        wanted[403] = (
            "Operators only (`operators_only`), of a role that opens it (`role_forbidden`)",
            {},
        )
    if "422" in answers:  # the request's parameters or body are checked
        wanted[422] = ("The request does not match the document (`invalid`)", {})
    for status, (description, headers) in wanted.items():
        answer = answers.setdefault(str(status), {"description": description})
        if answer.get("description") in (None, "", "Validation Error", "Additional Response"):
            answer["description"] = description
        answer["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
        if headers:
            answer["headers"] = headers
    if "429" in answers:
        answers["429"]["headers"] = RETRY_AFTER
    if deps.get_idempotency_key in calls:
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"].lower() == IDEMPOTENCY_HEADER:
                # Optional in FastAPI's eyes so that its absence gets a clear 400, but required.
                parameter["required"] = True
                parameter["schema"] = {"type": "string", "pattern": IDEMPOTENCY_KEY_SHAPE}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)
