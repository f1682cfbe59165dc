"""The extractor's rules as switches, so a benchmark can measure each on pages not tuned on."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from readtoearn.articles.extract.patterns import MAX_CHROME_SHARE, SHORT_BODY_CHARS


@dataclass(frozen=True)
class Rules:
    """Which extraction rules apply. The defaults are the rules that raised the held-out F1 of a
    5-fold cross-validation over the benchmark pages (bench/extraction.py, docs/quality.md)."""

    # How trafilatura reads the main text: "default" mode, "precision" mode, or "fallback":
    # precision mode, but the default mode's text when that is several times longer.
    mode: str = "fallback"
    # Drop <aside>, <nav> and <footer> before trafilatura reads the page.
    drop_landmarks: bool = True
    # Drop elements whose class or id names chrome ("share", "related", "newsletter").
    chrome_classes: bool = True
    # Drop boxes that announce themselves as chrome ("Read also", "Share this article").
    chrome_text: bool = True
    # Drop investment disclaimers and feed footers ("appeared first on").
    disclaimers: bool = True
    # Take the lead (standfirst) from an element whose class says so.
    lead_class: bool = True
    # Take an "In brief" box out of the body as key points.
    key_points: bool = True
    # Keep an image's caption (figcaption) with the image in the body.
    captions: bool = True
    # Under this many characters, precision mode's text is checked against the default mode's.
    short_body_chars: int = SHORT_BODY_CHARS
    # A chrome class never removes more than this share of the page's paragraph text.
    chrome_share: float = MAX_CHROME_SHARE


RULES = Rules()

# The values the cross-validation tries for each switch or limit.
CHOICES: dict[str, tuple[object, ...]] = {
    field.name: (True, False) for field in fields(Rules) if field.type in ("bool", bool)
}
CHOICES["mode"] = ("default", "precision", "fallback")
CHOICES["short_body_chars"] = (500, 1000, 2000)
CHOICES["chrome_share"] = (0.2, 0.35, 0.5)


def with_choice(rules: Rules, name: str, value: object) -> Rules:
    """The same rules with one switch or limit changed."""
    changes: dict[str, Any] = {name: value}
    return replace(rules, **changes)
