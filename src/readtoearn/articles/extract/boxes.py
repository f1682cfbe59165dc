"""The "In brief" box of key points and the lead paragraph, taken out of the body."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from readtoearn.articles.extract.chrome import class_names, drop_element, text_length
from readtoearn.articles.extract.nodes import inner_html
from readtoearn.articles.extract.patterns import (
    KEY_POINTS_CLASS,
    KEY_POINTS_TITLE,
    LEAD_CLASS,
    MAX_BOX_CHARS,
    MIN_LEAD_CHARS,
)
from readtoearn.articles.text import normalise_space


def pop_key_points(root: HtmlElement) -> list[str]:
    """Find an "In brief" / "En bref" box, remove it from the page and return its bullets."""
    box = _key_points_box(root)
    if box is None:
        return []
    items = [normalise_space(li.text_content()) for li in box.iter("li")]
    if not items:
        items = [
            normalise_space(p.text_content())
            for p in box.iter("p")
            if not KEY_POINTS_TITLE.match(normalise_space(p.text_content()))
        ]
    items = [item for item in items if item]
    drop_element(box)
    return items


def _key_points_box(root: HtmlElement) -> HtmlElement | None:
    for element in root.iter():
        if not isinstance(element, HtmlElement) or element.tag in ("html", "body"):
            continue
        names = class_names(element)
        if (
            names
            and KEY_POINTS_CLASS.search(names)
            and _is_small_box(element)
            and any(True for _ in element.iter("li", "p"))
        ):
            return element
    for element in root.iter("h2", "h3", "h4", "h5", "h6", "p", "strong", "b", "span", "div"):
        if element.tag == "div" and len(element):
            continue
        if not KEY_POINTS_TITLE.match(normalise_space(element.text_content())):
            continue
        node = element
        while node.getparent() is not None and node.getparent().tag not in ("body", "article"):
            node = node.getparent()
            if not _is_small_box(node):
                break
            if next(node.iter("li"), None) is not None:
                return node
        # A heading followed by a list, both loose in the article.
        heading = element
        while heading.getparent() is not None and heading.getnext() is None:
            heading = heading.getparent()
        following = heading.getnext()
        if following is not None and following.tag in ("ul", "ol"):
            wrapper = lxml.html.Element("div")
            heading.addprevious(wrapper)
            wrapper.append(heading)
            wrapper.append(following)
            return wrapper
    return None


def _is_small_box(element: HtmlElement) -> bool:
    return 0 < text_length(element) <= MAX_BOX_CHARS


def find_lead(root: HtmlElement) -> HtmlElement | None:
    """The standfirst (chapô): an element whose class says so, with a sentence or two."""
    scope = root.find(".//article")
    if scope is None:
        scope = root.find(".//main")
    for area in (root,) if scope is None else (scope, root):
        for element in area.iter("p", "div", "h2", "section"):
            names = class_names(element)
            if not names or not any(LEAD_CLASS.match(n) for n in names.split()):
                continue
            size = text_length(element)
            if MIN_LEAD_CHARS <= size <= 1200:
                return element
    return None


def tidy_body(html: str, *, title: str, lead: str, hero: str | None, key_points: list[str]) -> str:
    """Trafilatura's HTML, made into an article body: no title, no repeated lead or hero image."""
    root = lxml.html.fromstring(html)
    body = root.find(".//body")
    if body is None:
        body = root
    title_key = normalise_space(title).casefold()
    lead_key = normalise_space(lead).casefold()
    points = {normalise_space(p).casefold() for p in key_points}
    for element in list(body.iter()):
        if not isinstance(element, HtmlElement) or element.getparent() is None:
            continue
        text = normalise_space(element.text_content()).casefold()
        if element.tag == "h1":
            if text == title_key or not text:
                drop_element(element)
            else:
                element.tag = "h2"
        elif (
            (element.tag == "p" and lead_key and text == lead_key)
            or (element.tag == "li" and text in points)
            or (element.tag == "img" and hero and element.get("src") == hero)
            or (element.tag in ("h2", "h3", "h4") and KEY_POINTS_TITLE.match(text))
        ):
            drop_element(element)
    for element in list(body.iter("ul", "ol")):
        if element.getparent() is not None and not normalise_space(element.text_content()):
            drop_element(element)
    for element in body.iter():
        if isinstance(element, HtmlElement) and "class" in element.attrib:
            del element.attrib["class"]
    return inner_html(body)


def first_paragraph_as_lead(html: str) -> tuple[str, str]:
    """With no declared standfirst, the first real paragraph is the lead (when more follow)."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    paragraphs = [p for p in root if p.tag == "p" and normalise_space(p.text_content())]
    if len(paragraphs) < 3:
        return "", html
    first = next((child for child in root if normalise_space(child.text_content())), None)
    if first is None or first is not paragraphs[0]:
        return "", html
    lead = normalise_space(first.text_content())
    if len(lead) < MIN_LEAD_CHARS or len(lead) > 1200:
        return "", html
    drop_element(first)
    return lead, inner_html(root)


def attach_captions(html: str, captions: dict[str, str]) -> str:
    """Put each image of the body that had a caption on the page in a figure with its caption."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for image in list(root.iter("img")):
        text = captions.get(image.get("src", ""))
        if not text or image.getparent() is None:
            continue
        holder = image.getparent()
        if holder.tag == "figure":
            figure = holder
        else:
            figure = lxml.html.Element("figure")
            # An image alone in its paragraph: the figure takes the paragraph's place.
            alone = holder is not root and holder.tag == "p" and len(holder) == 1
            alone = alone and not normalise_space(holder.text_content())
            target = holder if alone else image
            target.addprevious(figure)
            figure.tail, target.tail = target.tail, None
            if alone:
                holder.remove(image)
                drop_element(holder)
            figure.append(image)
        if figure.find("figcaption") is None:
            caption = lxml.html.Element("figcaption")
            caption.text = text
            figure.append(caption)
    return inner_html(root)
