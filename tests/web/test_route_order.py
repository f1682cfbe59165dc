"""Routes are tried in order, one router after another, and the busiest come first (the beats,
then the article pages: app.py). That is safe only while no route shadows a later one: a path
that a later route serves must not be taken by an earlier route for the same method."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from starlette.routing import Mount

from readtoearn.app import create_app

PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")


def in_order(routes: list[Any]) -> list[tuple[str, set[str]]]:
    """(path, methods) of every route the app tries, in the order it tries them."""
    out: list[tuple[str, set[str]]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            prefix = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            out.extend((prefix + path, methods) for path, methods in in_order(inner.routes))
        elif isinstance(route, Mount):
            out.append((route.path + "/{path:path}", {"*"}))
        elif getattr(route, "path", None):
            out.append((route.path, set(getattr(route, "methods", None) or {"*"})))
    return out


def pattern(path: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in PARAM.finditer(path):
        parts.append(re.escape(path[last : match.start()]))
        parts.append(".*" if match.group(2) == "path" else "[^/]+")
        last = match.end()
    parts.append(re.escape(path[last:]))
    return re.compile("^" + "".join(parts) + "$")


def example(path: str) -> str:
    return PARAM.sub("x1", path)


def shares_a_method(a: set[str], b: set[str]) -> bool:
    return "*" in a or "*" in b or bool(a & b)


def test_no_route_is_shadowed_by_an_earlier_one(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    routes = in_order(app.router.routes)
    assert any(p == "/articles/{article_id}/{slug}" for p, _ in routes)
    shadowed = [
        (later, earlier)
        for i, (later, later_methods) in enumerate(routes)
        for earlier, earlier_methods in routes[:i]
        if earlier != later
        and shares_a_method(earlier_methods, later_methods)
        and pattern(earlier).match(example(later))
    ]
    assert shadowed == []


def test_the_check_finds_a_shadowed_route() -> None:
    assert pattern("/articles/{article_id}/{slug}").match(example("/articles/{article_id}/quiz"))
    assert not pattern("/articles/{article_id}/quiz").match(example("/articles/{id}/{slug}"))
    assert pattern("/static/{path:path}").match("/static/css/site.css")


def test_the_busiest_routes_are_tried_first(client: TestClient) -> None:
    paths = [p for p, _ in in_order(client.app.router.routes)]  # type: ignore[attr-defined]
    beats = paths.index("/api/v1/reads/{read_id}/beats")
    article = paths.index("/articles/{article_id}/{slug}")
    assert beats < article < len(paths) // 4
