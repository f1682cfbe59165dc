"""Every form of the console is refused without its CSRF token: each POST route under /operator
depends on the check, and a signed-in operator's post without the token changes nothing."""

from __future__ import annotations

import re
import uuid

from readtoearn.accounts import trail
from tests.web.test_console_roles import operator_routes
from tests.web.test_console_trail import as_operator


def checks_csrf(route) -> bool:  # type: ignore[no-untyped-def]
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "__name__", "") == "check_csrf":
            return True
        stack.extend(dep.dependencies)
    return False


def test_every_console_form_needs_its_token(app, client, session, settings) -> None:
    forms = {
        path: route
        for (method, path), route in operator_routes(app).items()
        if method == "POST" and path.startswith("/operator")
    }
    assert len(forms) > 40
    assert sorted(path for path, route in forms.items() if not checks_csrf(route)) == []

    as_operator(client, session, settings)
    for path in forms:
        url = re.sub(r"\{[a-z_]+\}", lambda _m: str(uuid.uuid4()), path)
        answer = client.post(url, data={"note": "no token", "points": "5", "reason": "x"})
        assert answer.status_code == 403, (path, answer.status_code, answer.text[:200])
        assert "This form has expired or did not come from this site." in answer.text, path
    session.expire_all()
    assert trail.list_actions(session) == [], "nothing was done"
