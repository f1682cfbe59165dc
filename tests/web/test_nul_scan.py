"""The NUL guard's quick test of a JSON body agrees with its full scan (web/nul.py)."""

from __future__ import annotations

import pytest

from readtoearn.web import nul

BODIES = [
    (b'{"a": "x"}', False),
    (b'{"a": "x\\u0000y"}', True),
    (b'{"a": "x\\U0000y"}', True),
    (b'{"a": "x\\\\u0000y"}', False),  # an escaped backslash, then the text u0000
    (b'{"a": "x\\\\\\u0000y"}', True),  # an escaped backslash, then the escape
    (b'{"a": "x\x00y"}', True),
    (b'{"token": "abc", "seq": 3, "paragraphs_seen": [1, 2], "events": {"wheel": 2}}', False),
]


@pytest.mark.parametrize(("body", "holds"), BODIES)
def test_a_json_body_is_scanned_as_the_full_pattern_says(body: bytes, holds: bool) -> None:
    assert nul.body_has_nul("application/json", body) is holds
    full = b"\x00" in body or nul._JSON_NUL.search(body) is not None
    assert full is holds
