"""Pre-cleaning: the site's chrome (share rows, promotions, disclaimers) removed, lazy images
made real, before trafilatura reads the page."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from readtoearn.articles.extract.nodes import absolute_url
from readtoearn.articles.extract.patterns import (
    CALL_TO_ACTION,
    CHROME_PHRASES,
    CHROME_TEXT,
    CHROME_WORDS,
    DISCLAIMER_TEXT,
    FEED_FOOTER,
    LAZY_SRC_ATTRS,
    MAX_BOX_CHARS,
    PROMO_TEXT,
    PROTECTED_TAGS,
)
from readtoearn.articles.extract.rules import RULES, Rules
from readtoearn.articles.text import normalise_space


def class_names(element: HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}".strip()


def _is_chrome_name(names: str) -> bool:
    if not names:
        return False
    if CHROME_PHRASES.search(names):
        return True
    for token in names.lower().split():
        if any(part in CHROME_WORDS for part in re.split(r"[-_]+", token)):
            return True
    return False


def drop_element(element: HtmlElement) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    element.drop_tree()


def text_length(element: HtmlElement) -> int:
    return len(normalise_space(element.text_content()))


def remove_chrome(root: HtmlElement, rules: Rules = RULES) -> None:
    """Drop site chrome: promotions, sign-ups, author boxes, disclaimers, shares, related lists."""
    for element in list(root.iter("script", "style", "noscript", "template", "iframe", "form")):
        if element.tag == "script" and element.get("type") == "application/ld+json":
            continue
        # Some sites wrap the whole page in one <form>: drop only small ones.
        if element.tag == "form" and text_length(element) > MAX_BOX_CHARS:
            continue
        drop_element(element)
    if rules.drop_landmarks:
        for element in list(root.iter("aside", "nav", "footer")):
            if element.getparent() is not None:
                drop_element(element)
    if rules.chrome_classes:
        _remove_chrome_classes(root, rules.chrome_share)
    _remove_marked_boxes(root, rules)


def _remove_chrome_classes(root: HtmlElement, share: float) -> None:
    total = max(_paragraph_text(root), 1)
    for element in list(root.iter()):
        if not isinstance(element, HtmlElement) or element.getparent() is None:
            continue
        if element.tag in PROTECTED_TAGS or _ancestor_dropped(element, root):
            continue
        if not _is_chrome_name(class_names(element)):
            continue
        # A class name is only a hint ("l-sidebar-fixed" may hold the story): never let it
        # take a large share of the page's paragraphs.
        if _paragraph_text(element) > total * share:
            continue
        drop_element(element)


def _paragraph_text(element: HtmlElement) -> int:
    return sum(len(normalise_space(p.text_content())) for p in element.iter("p"))


def _ancestor_dropped(element: HtmlElement, root: HtmlElement) -> bool:
    node = element
    while node is not None and node is not root:
        node = node.getparent()
    return node is None


def _remove_marked_boxes(root: HtmlElement, rules: Rules) -> None:
    for element in list(root.iter("p", "div", "section", "li", "span", "strong", "h2", "h3", "h4")):
        if element.getparent() is None or _ancestor_dropped(element, root):
            continue
        own = normalise_space(element.text_content())
        if not own or len(own) > 600:
            continue
        if rules.chrome_text and CHROME_TEXT.match(own):
            drop_element(_widen(element, 300))
        elif rules.disclaimers and DISCLAIMER_TEXT.search(own):
            drop_element(_widen(element, 200))
        elif rules.disclaimers and FEED_FOOTER.search(own) and len(own) < 300:
            drop_element(element)
        elif rules.chrome_text and PROMO_TEXT.search(own) and CALL_TO_ACTION.search(own):
            drop_element(_widen(element, 300))


def _widen(element: HtmlElement, slack: int) -> HtmlElement:
    """The element's box: climb while a parent adds only a little text (buttons, a title)."""
    size = text_length(element)
    node = element
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in PROTECTED_TAGS:
            return node
        if text_length(parent) > size + slack:
            return node
        node = parent


def fix_lazy_images(root: HtmlElement, base: str | None) -> None:
    """Give lazy-loaded images their real source (data-src, data-lazy-src, srcset)."""
    for img in root.iter("img"):
        src = img.get("src", "")
        real = next((img.get(a) for a in LAZY_SRC_ATTRS if img.get(a)), None)
        if real is None and (not src or src.startswith("data:")):
            real = best_from_srcset(img.get("data-srcset") or img.get("srcset") or "")
        if real is None and (not src or src.startswith("data:")):
            picture = img.getparent()
            if picture is not None and picture.tag == "picture":
                for source in picture.iter("source"):
                    real = best_from_srcset(source.get("srcset") or source.get("data-srcset", ""))
                    if real:
                        break
        if real:
            absolute = absolute_url(real, base)
            if absolute:
                img.set("src", absolute)
        elif src:
            absolute = absolute_url(src, base)
            if absolute:
                img.set("src", absolute)


def best_from_srcset(srcset: str) -> str | None:
    best: tuple[float, str] | None = None
    for candidate in srcset.split(","):
        parts = candidate.split()
        if not parts:
            continue
        width = 1.0
        if len(parts) > 1:
            try:
                width = float(parts[1].rstrip("wx"))
            except ValueError:
                width = 1.0
        if best is None or width > best[0]:
            best = (width, parts[0])
    return best[1] if best else None
