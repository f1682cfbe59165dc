"""/api/docs renders the API in Chromium with every request outside the site refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_the_api_docs_render_offline(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context()
    outside: list[str] = []

    def refuse_outside(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", refuse_outside)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("readtoearn")
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.locator(".opblock").count() > 10
        assert outside == []
    finally:
        context.close()
