"""Main text and metadata of a news page: pre-cleaning, trafilatura, and our own metadata reader."""

from __future__ import annotations

import codecs
import copy
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement

from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.text import normalise_space
from readtoearn.errors import InvalidInput

# Words that, as one part of a class or id ("post-share-buttons"), mark site chrome.
CHROME_WORDS = frozenset(
    {
        "promo", "promotion", "promoted", "advert", "advertisement", "ads", "adsbygoogle",
        "sponsor", "sponsored", "newsletter", "subscribe", "subscription", "signup", "optin",
        "disclaimer", "share", "sharing", "sharedaddy", "social", "addtoany", "a2a", "related",
        "relatedposts", "yarpp", "recommended", "comments", "comment", "respond", "disqus",
        "breadcrumb", "breadcrumbs", "sidebar", "navigation", "nav", "menu", "footer", "cookie",
        "popup", "summarize", "summarise", "tags", "taglist", "pagination", "authorbox",
        "outbrain", "taboola",
    }
)  # fmt: skip
CHROME_PHRASES = re.compile(
    r"author[-_]?(box|bio|info|card|details|profile)|about[-_]the[-_]author|about[-_]author|"
    r"sign[-_]up|read[-_](also|more|next)|more[-_](stories|articles)|also[-_]read|"
    r"post[-_]navigation|nav[-_]links|entry[-_]footer|jp[-_]relatedposts|ai[-_]summary",
    re.IGNORECASE,
)
# Elements never removed by a class match: the article itself, or its text.
PROTECTED_TAGS = frozenset({"html", "body", "article", "main", "p", "h1", "h2", "h3"})

# Rows and boxes recognised by their words (English and French).
CHROME_TEXT = re.compile(
    r"^\s*("
    r"summari[sz]e (this|the) article with|r[ée]sume[rz]? (cet|l[’'])article avec|"
    r"share (this|the) (article|story|post)|share on|partage[rz]? (cet|l[’'])article|"
    r"(sign up|subscribe) (for|to) (our|the)|inscrivez-vous [àa] (notre|la) newsletter|"
    r"abonnez-vous [àa] (notre|la) newsletter|read also|read more|related (articles|stories)|"
    r"you may also like|[àa] lire aussi|lire aussi|sur le m[êe]me sujet|articles similaires|"
    r"vous aimerez aussi|leave a (reply|comment)|laisser un commentaire|"
    r"\d+ (comments?|commentaires?)"
    r")",
    re.IGNORECASE,
)
DISCLAIMER_TEXT = re.compile(
    r"not (financial|investment) advice|not constitute (financial |investment )?advice|"
    r"ne constitue(nt)? pas (un|des) conseils? (en investissement|financiers?|d[’']investissement)|"
    r"do your own research|faites vos propres recherches|^\s*(disclaimer|avertissement)\s*:",
    re.IGNORECASE,
)
FEED_FOOTER = re.compile(r"appeared first on|est apparu en premier sur", re.IGNORECASE)
PROMO_TEXT = re.compile(r"\bread[\s-]to[\s-]earn\b", re.IGNORECASE)
CALL_TO_ACTION = re.compile(
    r"sign up|join|subscribe|register|inscri|rejoign|abonne|cr[ée]ez votre compte", re.IGNORECASE
)

KEY_POINTS_TITLE = re.compile(
    r"^\s*(en bref|in brief|briefly|l[’']essentiel|key points|key takeaways|takeaways|"
    r"[àa] retenir|ce qu[’']il faut retenir|the essentials|at a glance|tl;?dr|summary|"
    r"en r[ée]sum[ée]|points cl[ée]s)\s*:?\s*$",
    re.IGNORECASE,
)
KEY_POINTS_CLASS = re.compile(
    r"en[-_]?bref|in[-_]?brief|key[-_]?points|keypoints|takeaways|essentiel|a[-_]retenir|tldr",
    re.IGNORECASE,
)
LEAD_CLASS = re.compile(
    r"^(lead|lede|chapo|chapeau|standfirst|excerpt|dek|intro|kicker-lead|"
    r"(article|entry|post|story)[-_](lead|lede|chapo|chapeau|standfirst|excerpt|intro|dek|"
    r"summary|subtitle|sous-titre)|chapo[-_]\w+|lead[-_](paragraph|text))$",
    re.IGNORECASE,
)
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "TechArticle",
        "ScholarlyArticle", "Report", "LiveBlogPosting", "SocialMediaPosting",
    }
)  # fmt: skip
HOME_CRUMBS = frozenset({"home", "accueil", "homepage", "start", "index"})
LAZY_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url")
MAX_BOX_CHARS = 2500
MAX_CHROME_SHARE = 0.35
SHORT_BODY_CHARS = 1000
MIN_LEAD_CHARS = 40
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Comments go at parse time: trafilatura loses the text after a comment inside a paragraph.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


# --------------------------------------------------------------------------- decoding


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes of a page as text: BOM, then the declared or <meta> charset, then detection."""
    if not data.strip():
        raise InvalidInput("the page is empty")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _clean_text(data.decode(encoding, errors="replace"))
    if looks_binary(data):
        raise InvalidInput("this is a binary file, not an HTML page")
    candidates: list[str] = [declared] if declared else []
    found = META_CHARSET.search(data[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for name in candidates:
        known = _known_encoding(name)
        if known is None:
            continue
        try:
            return _clean_text(data.decode(known))
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    fallback = _known_encoding(best.encoding) if best is not None else None
    return _clean_text(data.decode(fallback or "cp1252", errors="replace"))


def looks_binary(data: bytes) -> bool:
    """True for images, archives and other non-text bytes."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return controls > len(sample) // 20


def _known_encoding(name: str | None) -> str | None:
    if not name:
        return None
    try:
        encoding = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    # Browsers read latin-1 and ASCII labels as windows-1252 (WHATWG Encoding), and so do we.
    return "cp1252" if encoding in ("latin-1", "iso8859-1", "ascii") else encoding


def _clean_text(text: str) -> str:
    return CONTROL_CHARS.sub("", XML_DECLARATION.sub("", text, count=1))


def parse_html(text: str) -> HtmlElement:
    """A page's document tree; InvalidInput when it holds no HTML at all."""
    if "<" not in text:
        raise InvalidInput("this is not an HTML page")
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InvalidInput(f"the page cannot be parsed: {exc}") from None
    return root


# --------------------------------------------------------------------------- the page


def extract_article(
    page: str | bytes, url: str | None = None, *, charset: str | None = None
) -> ArticleDraft:
    """An article draft from a whole page: body with sub-headings, key points, lead, metadata."""
    text = decode_html(page, charset) if isinstance(page, bytes) else _clean_text(page)
    root = parse_html(text)
    base = _base_url(root, url)
    meta = PageMetadata(root, base)

    image_url, image_alt, image_caption = meta.image()
    fix_lazy_images(root, base)
    key_points = pop_key_points(root)
    remove_chrome(root)
    lead_element = find_lead(root)
    lead = normalise_space(lead_element.text_content()) if lead_element is not None else ""
    if lead_element is not None:
        _drop(lead_element)

    body = extract_body(root, base)
    if body is None:
        raise InvalidInput("no article text found in the page")
    title = meta.title()
    body = tidy_body(body, title=title, lead=lead, hero=image_url, key_points=key_points)
    if not lead:
        lead, body = _first_paragraph_as_lead(body)
    if not title:
        raise InvalidInput("the page has no title")
    return ArticleDraft(
        title=title,
        html=body,
        canonical_url=meta.canonical_url() or _http_url(url),
        description=meta.description(),
        lead=lead,
        language=meta.language(),
        published_at=meta.published_at(),
        authors=meta.authors(),
        categories=meta.categories(),
        image_url=image_url,
        image_alt=image_alt,
        image_caption=image_caption,
        key_points=key_points,
        site_name=meta.site_name(),
    )


def extract_body(root: HtmlElement, base: str | None, *, precision: bool = True) -> str | None:
    """The main text as HTML (headings, paragraphs, lists, quotes, images), or None."""
    options: dict[str, Any] = {
        "url": base,
        "output_format": "html",
        "include_comments": False,
        "include_images": True,
        "include_tables": True,
        "include_formatting": True,
        "include_links": True,
    }
    result = trafilatura.extract(copy.deepcopy(root), favor_precision=precision, **options)
    found = len(_text(result)) if result else 0
    if precision and found < SHORT_BODY_CHARS:
        # Precision mode sometimes keeps only a stray box of a page; when the default mode
        # finds several times more text, that text is the article.
        fallback = trafilatura.extract(copy.deepcopy(root), **options)
        if fallback and len(_text(fallback)) > max(found * 3, found + 200):
            result = fallback
    return result or None


def clean_fragment(html: str, base: str | None = None) -> tuple[str, list[str]]:
    """A feed entry's full content with chrome and its key-points box removed."""
    root = lxml.html.fragment_fromstring(_clean_text(html), create_parent="div")
    fix_lazy_images(root, base)
    key_points = pop_key_points(root)
    remove_chrome(root)
    return _inner_html(root), key_points


def _text(html: str) -> str:
    try:
        return normalise_space(lxml.html.fromstring(html).text_content())
    except (lxml.etree.ParserError, ValueError):
        return ""


def _inner_html(element: HtmlElement) -> str:
    parts = [element.text or ""]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in element)
    return "".join(parts).strip()


def _base_url(root: HtmlElement, url: str | None) -> str | None:
    base = root.find(".//base[@href]")
    if base is not None:
        return urljoin(url or "", base.get("href", "")) or url
    return url


def _http_url(url: str | None) -> str | None:
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def _absolute(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("data:"):
        return None
    joined = urljoin(base, value) if base else value
    return joined if urlsplit(joined).scheme in ("http", "https") else None


# --------------------------------------------------------------------------- pre-cleaning


def _classes(element: HtmlElement) -> str:
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


def _drop(element: HtmlElement) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    element.drop_tree()


def _text_length(element: HtmlElement) -> int:
    return len(normalise_space(element.text_content()))


def remove_chrome(root: HtmlElement) -> None:
    """Drop site chrome: promotions, sign-ups, author boxes, disclaimers, shares, related lists."""
    for element in list(root.iter("script", "style", "noscript", "template", "iframe", "form")):
        if element.tag == "script" and element.get("type") == "application/ld+json":
            continue
        # Some sites wrap the whole page in one <form>: drop only small ones.
        if element.tag == "form" and _text_length(element) > MAX_BOX_CHARS:
            continue
        _drop(element)
    for element in list(root.iter("aside", "nav", "footer")):
        if element.getparent() is not None:
            _drop(element)
    total = max(_paragraph_text(root), 1)
    for element in list(root.iter()):
        if not isinstance(element, HtmlElement) or element.getparent() is None:
            continue
        if element.tag in PROTECTED_TAGS or _ancestor_dropped(element, root):
            continue
        if not _is_chrome_name(_classes(element)):
            continue
        # A class name is only a hint ("l-sidebar-fixed" may hold the story): never let it
        # take a large share of the page's paragraphs.
        if _paragraph_text(element) > total * MAX_CHROME_SHARE:
            continue
        _drop(element)
    _remove_marked_boxes(root)


def _paragraph_text(element: HtmlElement) -> int:
    return sum(len(normalise_space(p.text_content())) for p in element.iter("p"))


def _ancestor_dropped(element: HtmlElement, root: HtmlElement) -> bool:
    node = element
    while node is not None and node is not root:
        node = node.getparent()
    return node is None


def _remove_marked_boxes(root: HtmlElement) -> None:
    for element in list(root.iter("p", "div", "section", "li", "span", "strong", "h2", "h3", "h4")):
        if element.getparent() is None or _ancestor_dropped(element, root):
            continue
        own = normalise_space(element.text_content())
        if not own or len(own) > 600:
            continue
        if CHROME_TEXT.match(own):
            _drop(_widen(element, 300))
        elif DISCLAIMER_TEXT.search(own):
            _drop(_widen(element, 200))
        elif FEED_FOOTER.search(own) and len(own) < 300:
            _drop(element)
        elif PROMO_TEXT.search(own) and CALL_TO_ACTION.search(own):
            _drop(_widen(element, 300))


def _widen(element: HtmlElement, slack: int) -> HtmlElement:
    """The element's box: climb while a parent adds only a little text (buttons, a title)."""
    size = _text_length(element)
    node = element
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in PROTECTED_TAGS:
            return node
        if _text_length(parent) > size + slack:
            return node
        node = parent


def fix_lazy_images(root: HtmlElement, base: str | None) -> None:
    """Give lazy-loaded images their real source (data-src, data-lazy-src, srcset)."""
    for img in root.iter("img"):
        src = img.get("src", "")
        real = next((img.get(a) for a in LAZY_SRC_ATTRS if img.get(a)), None)
        if real is None and (not src or src.startswith("data:")):
            real = _best_from_srcset(img.get("data-srcset") or img.get("srcset") or "")
        if real is None and (not src or src.startswith("data:")):
            picture = img.getparent()
            if picture is not None and picture.tag == "picture":
                for source in picture.iter("source"):
                    real = _best_from_srcset(source.get("srcset") or source.get("data-srcset", ""))
                    if real:
                        break
        if real:
            absolute = _absolute(real, base)
            if absolute:
                img.set("src", absolute)
        elif src:
            absolute = _absolute(src, base)
            if absolute:
                img.set("src", absolute)


def _best_from_srcset(srcset: str) -> str | None:
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


# --------------------------------------------------------------------------- key points, lead


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
    _drop(box)
    return items


def _key_points_box(root: HtmlElement) -> HtmlElement | None:
    for element in root.iter():
        if not isinstance(element, HtmlElement) or element.tag in ("html", "body"):
            continue
        names = _classes(element)
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
    return 0 < _text_length(element) <= MAX_BOX_CHARS


def find_lead(root: HtmlElement) -> HtmlElement | None:
    """The standfirst (chapô): an element whose class says so, with a sentence or two."""
    scope = root.find(".//article")
    if scope is None:
        scope = root.find(".//main")
    for area in (root,) if scope is None else (scope, root):
        for element in area.iter("p", "div", "h2", "section"):
            names = _classes(element)
            if not names or not any(LEAD_CLASS.match(n) for n in names.split()):
                continue
            size = _text_length(element)
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
                _drop(element)
            else:
                element.tag = "h2"
        elif (
            (element.tag == "p" and lead_key and text == lead_key)
            or (element.tag == "li" and text in points)
            or (element.tag == "img" and hero and element.get("src") == hero)
            or (element.tag in ("h2", "h3", "h4") and KEY_POINTS_TITLE.match(text))
        ):
            _drop(element)
    for element in list(body.iter("ul", "ol")):
        if element.getparent() is not None and not normalise_space(element.text_content()):
            _drop(element)
    for element in body.iter():
        if isinstance(element, HtmlElement) and "class" in element.attrib:
            del element.attrib["class"]
    return _inner_html(body)


def _first_paragraph_as_lead(html: str) -> tuple[str, str]:
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
    _drop(first)
    return lead, _inner_html(root)


# --------------------------------------------------------------------------- metadata


class PageMetadata:
    """Metadata read from JSON-LD, OpenGraph, meta tags and the page's own markup."""

    def __init__(self, root: HtmlElement, base: str | None) -> None:
        self.root = root
        self.base = base
        self.meta = _meta_tags(root)
        self.nodes = list(_json_ld_nodes(root))
        self.by_id = {node["@id"]: node for node in self.nodes if isinstance(node.get("@id"), str)}
        self.article = next((n for n in self.nodes if _types(n) & ARTICLE_TYPES), None)
        self.author_box = _author_box(root)

    def _first_meta(self, *names: str) -> str:
        for name in names:
            value = self.meta.get(name)
            if value:
                return value
        return ""

    def _ld(self, key: str) -> Any:
        if self.article is None:
            return None
        return self._resolve(self.article.get(key))

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.by_id.get(value["@id"], value)
        return value

    def title(self) -> str:
        """Headline: OpenGraph, JSON-LD, the page's <h1>, then <title>."""
        headline = self._ld("headline") or self._ld("name")
        candidates = [
            self._first_meta("og:title", "twitter:title"),
            headline if isinstance(headline, str) else "",
        ]
        h1 = self.root.find(".//h1")
        if h1 is not None:
            candidates.append(h1.text_content())
        title_element = self.root.find(".//title")
        if title_element is not None and title_element.text:
            candidates.append(_strip_site_suffix(title_element.text))
        for candidate in candidates:
            clean = normalise_space(candidate or "")
            if clean:
                return clean
        return ""

    def description(self) -> str:
        """The page's summary line (meta description, OpenGraph, JSON-LD)."""
        ld = self._ld("description")
        return normalise_space(
            self._first_meta("description", "og:description", "twitter:description")
            or (ld if isinstance(ld, str) else "")
        )

    def site_name(self) -> str:
        publisher = self._ld("publisher")
        name = publisher.get("name") if isinstance(publisher, dict) else None
        return normalise_space(self._first_meta("og:site_name") or (name or ""))

    def canonical_url(self) -> str | None:
        """link rel=canonical, og:url, JSON-LD url, made absolute."""
        for link in self.root.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split():
                absolute = _absolute(link.get("href"), self.base)
                if absolute:
                    return absolute
        ld = self._ld("url") or self._ld("mainEntityOfPage")
        if isinstance(ld, dict):
            ld = ld.get("@id") or ld.get("url")
        for value in (self._first_meta("og:url"), ld if isinstance(ld, str) else None):
            absolute = _absolute(value, self.base)
            if absolute:
                return absolute
        return None

    def language(self) -> str | None:
        """Declared language: <html lang>, og:locale, JSON-LD inLanguage, content-language."""
        ld = self._ld("inLanguage")
        if isinstance(ld, dict):
            ld = ld.get("name") or ld.get("alternateName")
        for value in (
            self.root.get("lang") or self.root.get("xml:lang"),
            self._first_meta("og:locale"),
            ld if isinstance(ld, str) else None,
            self._first_meta("content-language", "language", "dc.language"),
        ):
            if value and value.strip():
                return value.strip().replace("_", "-").split("-")[0].lower()
        return None

    def published_at(self) -> datetime | None:
        """Publication time with its zone: JSON-LD, article:published_time, <time datetime>."""
        candidates = [
            self._ld("datePublished"),
            self._first_meta("article:published_time", "og:published_time"),
            self._first_meta("datepublished", "date", "dc.date", "dc.date.issued", "pubdate"),
            self._ld("dateCreated"),
        ]
        for element in self.root.iter("time"):
            if element.get("itemprop") == "datePublished" or "published" in _classes(element):
                candidates.insert(3, element.get("datetime"))
        for element in self.root.xpath(".//*[@itemprop='datePublished']"):
            candidates.append(element.get("content") or element.get("datetime"))
        candidates.extend(element.get("datetime") for element in self.root.iter("time"))
        for value in candidates:
            parsed = parse_datetime(value)
            if parsed is not None:
                return parsed
        return None

    def authors(self) -> list[AuthorDraft]:
        """Authors from JSON-LD, meta tags or bylines, with bio and page from an author box."""
        result: list[AuthorDraft] = []
        for item in _as_list(self._ld("author")):
            item = self._resolve(item)
            if isinstance(item, str):
                result.append(AuthorDraft(name=item))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                url = item.get("url") if isinstance(item.get("url"), str) else None
                bio = item.get("description")
                bio = bio if isinstance(bio, str) else ""
                url = _absolute(url, self.base)
                result.append(AuthorDraft(name=item["name"], bio=bio, url=url))
        if not result:
            for link in self.root.xpath(".//a[@rel='author']"):
                result.append(
                    AuthorDraft(
                        name=link.text_content(), url=_absolute(link.get("href"), self.base)
                    )
                )
        if not result:
            name = self._first_meta("author", "article:author", "dc.creator", "parsely-author")
            if name and not name.startswith(("http://", "https://")):
                names = re.split(r"\s*(?:,| and | et )\s*", name)
                result.extend(AuthorDraft(name=n) for n in names)
        result = [a for a in result if normalise_space(a.name)]
        for author in result:
            author.name = normalise_space(author.name)
        if self.author_box is not None:
            box_name, bio, url = self.author_box
            for author in result:
                if not box_name or box_name.casefold() == author.name.casefold():
                    author.bio = author.bio or bio
                    author.url = author.url or _absolute(url, self.base)
                    break
            if not result and box_name:
                result.append(AuthorDraft(name=box_name, bio=bio, url=_absolute(url, self.base)))
        unique: dict[str, AuthorDraft] = {}
        for author in result:
            unique.setdefault(author.name.casefold(), author)
        return list(unique.values())

    def categories(self) -> list[str]:
        """Breadcrumbs (JSON-LD BreadcrumbList), article:section, articleSection, category links."""
        names: list[str] = []
        for node in self.nodes:
            if "BreadcrumbList" in _types(node):
                names.extend(self._crumbs(node))
        section = self._ld("articleSection")
        names.extend(s for s in _as_list(section) if isinstance(s, str))
        names.extend(v for k, v in self.meta.items_all() if k == "article:section")
        for link in self.root.iter("a"):
            rel = (link.get("rel") or "").lower().split()
            if "category" in rel:
                names.append(link.text_content())
        result: list[str] = []
        seen: set[str] = set()
        title = self.title().casefold()
        for name in names:
            clean = normalise_space(name)
            key = clean.casefold()
            if not clean or key in seen or key in HOME_CRUMBS or key == title or len(clean) > 80:
                continue
            seen.add(key)
            result.append(clean)
        return result

    def _crumbs(self, node: dict[str, Any]) -> list[str]:
        items = [i for i in _as_list(node.get("itemListElement")) if isinstance(i, dict)]
        items.sort(key=lambda i: _int(i.get("position")))
        names = []
        for item in items:
            name = item.get("name")
            inner = self._resolve(item.get("item"))
            if not isinstance(name, str) and isinstance(inner, dict):
                name = inner.get("name")
            if isinstance(name, str):
                names.append(name)
        # The last crumb is usually the article itself.
        if len(names) > 1 and normalise_space(names[-1]).casefold() == self.title().casefold():
            names = names[:-1]
        return names

    def image(self) -> tuple[str | None, str, str]:
        """Hero image URL, its alt text and caption: OpenGraph, JSON-LD, then the first figure."""
        ld = self._ld("image")
        ld_url = None
        for item in _as_list(ld):
            item = self._resolve(item)
            if isinstance(item, str):
                ld_url = item
            elif isinstance(item, dict) and isinstance(item.get("url"), str):
                ld_url = item["url"]
            if ld_url:
                break
        url = _absolute(self._first_meta("og:image", "og:image:url", "twitter:image"), self.base)
        url = url or _absolute(ld_url, self.base)
        alt = self._first_meta("og:image:alt", "twitter:image:alt")
        caption = ""
        figure = self._hero_figure(url)
        if figure is not None:
            img = next(figure.iter("img"), None)
            if img is not None:
                src = _image_source(img, self.base)
                url = url or src
                alt = alt or img.get("alt", "")
            figcaption = next(figure.iter("figcaption"), None)
            if figcaption is not None:
                caption = normalise_space(figcaption.text_content())
        return url, normalise_space(alt), caption

    def _hero_figure(self, url: str | None) -> HtmlElement | None:
        figures = list(self.root.iter("figure"))
        if url:
            name = urlsplit(url).path.rsplit("/", 1)[-1].split(".")[0]
            for figure in figures:
                for img in figure.iter("img"):
                    src = _image_source(img, self.base) or ""
                    if src == url or (name and name in src):
                        return figure
            return None
        return figures[0] if figures else None


class _MetaTags:
    """<meta> tags by name or property, lower-cased; first value wins, all kept."""

    def __init__(self) -> None:
        self.values: list[tuple[str, str]] = []

    def add(self, key: str, value: str) -> None:
        self.values.append((key, value))

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.values if k == key), None)

    def items_all(self) -> list[tuple[str, str]]:
        return list(self.values)


def _meta_tags(root: HtmlElement) -> _MetaTags:
    tags = _MetaTags()
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        key = key or meta.get("http-equiv", "")
        value = meta.get("content")
        if key and value and value.strip():
            tags.add(key.strip().lower(), value.strip())
    return tags


def _json_ld_nodes(root: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in root.xpath(".//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(<!\[CDATA\[|<!--)|(\]\]>|-->)\s*$", "", raw)
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"])


def _types(node: dict[str, Any]) -> set[str]:
    return {t for t in _as_list(node.get("@type")) if isinstance(t, str)}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _strip_site_suffix(title: str) -> str:
    parts = re.split(r"\s+[|–—-]\s+", title.strip())
    return parts[0] if len(parts) > 1 and len(parts[0]) > 10 else title


def _author_box(root: HtmlElement) -> tuple[str, str, str | None] | None:
    """Name, bio and page of the author box (about-the-author), when the page has one."""
    for element in root.iter():
        if not isinstance(element, HtmlElement):
            continue
        names = _classes(element)
        if not names or not re.search(
            r"author[-_]?(box|bio|info|card)|about[-_](the[-_])?author|authorbox", names, re.I
        ):
            continue
        if _text_length(element) > MAX_BOX_CHARS:
            continue
        name = ""
        url = None
        for candidate in element.xpath(
            ".//*[contains(@class,'name') or @rel='author' or self::h2 or self::h3 or self::h4"
            " or self::strong]"
        ):
            text = normalise_space(candidate.text_content())
            if text and len(text) < 80:
                name = re.sub(r"^(about|à propos de|par|by)\s+", "", text, flags=re.I)
                link = candidate if candidate.tag == "a" else candidate.find(".//a[@href]")
                url = link.get("href") if link is not None else None
                break
        bios = [
            normalise_space(p.text_content())
            for p in element.xpath(".//p | .//*[contains(@class,'bio') or contains(@class,'desc')]")
        ]
        bio = max((b for b in bios if b != name), key=len, default="")
        if name or bio:
            return name, bio, url
    return None


def _image_source(img: HtmlElement, base: str | None) -> str | None:
    for attr in (*LAZY_SRC_ATTRS, "src"):
        value = img.get(attr)
        if value and not value.startswith("data:"):
            return _absolute(value, base)
    srcset = _best_from_srcset(img.get("data-srcset") or img.get("srcset") or "")
    return _absolute(srcset, base)


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 or RFC 822 text; a time with no zone is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed


def iter_text_blocks(html: str) -> Iterable[str]:
    """Plain text of each block of article HTML (for tests and the benchmark)."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.iter("p", "h2", "h3", "h4", "li", "blockquote"):
        text = normalise_space(element.text_content())
        if text:
            yield text
