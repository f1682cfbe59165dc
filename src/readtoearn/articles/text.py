"""Sanitising, plain text, word counts and reading time: the measures every article gets."""

from __future__ import annotations

import html as htmllib
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import lxml.html
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "pre", "td")
WORD_RE = re.compile(r"[^\W_]+(?:['’\-.,][^\W_]+)*")

# Medium's image rule: 12 s for the first image, one second less for each next, 3 s floor.
FIRST_IMAGE_SECONDS = 12
MIN_IMAGE_SECONDS = 3


def sanitise_html(html: str) -> str:
    """Article HTML with no scripts, styles, event handlers or javascript: URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def paragraphs_of(html: str) -> list[str]:
    """The text of each paragraph-level block, in order (headings included)."""
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    blocks = []
    for element in root.iter(*BLOCK_TAGS):
        # Skip blocks nested in another counted block (a <p> inside a <li>, say).
        if any(ancestor.tag in BLOCK_TAGS for ancestor in element.iterancestors()):
            continue
        text = normalise_space(element.text_content())
        if text:
            blocks.append(text)
    return blocks


def text_of(html: str) -> str:
    """Plain text of article HTML, one block per paragraph."""
    return "\n\n".join(paragraphs_of(html))


def with_lead(lead: str, html: str) -> str:
    """The article as it is read and tracked: the lead as the first paragraph, then the body."""
    lead = normalise_space(lead)
    return f"<p>{htmllib.escape(lead, quote=False)}</p>{html}" if lead else html


def words_read(lead: str, key_points: list[str], html: str, image_caption: str = "") -> int:
    """The words a reader reads: lead, the editor's key points, body with its captions, and the
    main image's caption."""
    parts = [lead, *key_points, text_of(html), image_caption]
    return count_words("\n\n".join(part for part in parts if part))


def count_paragraphs(html: str) -> int:
    """The number of <p> paragraphs (the unit the tracker watches)."""
    if not html.strip():
        return 0
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return len(_nonempty_paragraphs(root))


def count_images(html: str) -> int:
    """The number of images in article HTML."""
    if not html.strip():
        return 0
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return sum(1 for _ in root.iter("img"))


def count_words(text: str) -> int:
    """Words in a text; "l'IA", "16,000" and "7,5" count once each."""
    return len(WORD_RE.findall(text))


_SPACE_RUN = re.compile(r"\s+")
_TYPOGRAPHIC_SPACES = frozenset({"\u00a0", "\u202f"})


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace to one space; a lone non-breaking space (French typography:
    "16\u202f000", "IA\u00a0:") is kept as it is."""
    return _SPACE_RUN.sub(
        lambda m: m.group() if m.group() in _TYPOGRAPHIC_SPACES else " ", text
    ).strip()


@dataclass(frozen=True)
class ReadingTime:
    seconds: int
    minutes: int


def reading_time(words: int, images: int, wpm: int) -> ReadingTime:
    """Words at the language's pace plus Medium's image time, rounded up to whole minutes."""
    seconds = words * 60 / wpm
    for index in range(images):
        seconds += max(FIRST_IMAGE_SECONDS - index, MIN_IMAGE_SECONDS)
    whole = math.ceil(seconds)
    return ReadingTime(seconds=whole, minutes=max(1, math.ceil(whole / 60)))


# Letters NFKD does not take apart, spelt out so "cœur" is "coeur", not "cur".
SLUG_LETTERS = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "đ": "d",
     "Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d"}
)  # fmt: skip


def slugify(value: str, max_length: int = 80) -> str:
    """An ASCII URL slug that ends on a whole word: "Intelligence artificielle" ->
    "intelligence-artificielle"; a title past `max_length` is cut at the last word that fits
    (a single word longer than that is cut at the limit)."""
    letters = unicodedata.normalize("NFKD", value.translate(SLUG_LETTERS))
    # Accents go; any other sign (a curly apostrophe too) separates words.
    bare = "".join(c for c in letters if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        # The character after the limit is a hyphen: the cut falls between two words.
        slug = cut[:max_length] if cut.endswith("-") else cut[:max_length].rsplit("-", 1)[0]
        if not slug:
            slug = cut[:max_length]
    return slug.rstrip("-") or "item"


def earlier_slug(value: str, max_length: int = 80) -> str:
    """The slug the first rule made (cut mid-word, œ and æ dropped): how authors and categories
    stored before are still found by name."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def _nonempty_paragraphs(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return [p for p in root.iter("p") if normalise_space(p.text_content())]


@lru_cache(maxsize=512)
def paragraph_word_counts(html: str) -> tuple[int, ...]:
    """Words in each non-empty <p>, in the order the tracker numbers them (data-p)."""
    if not html.strip():
        return ()
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return tuple(count_words(p.text_content()) for p in _nonempty_paragraphs(root))


@lru_cache(maxsize=512)
def index_paragraphs(html: str, start: int = 0) -> str:
    """The article HTML with data-p="0", "1"... (from `start`: 1 after a lead) on each non-empty
    <p>, for the tracker."""
    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for index, paragraph in enumerate(_nonempty_paragraphs(root), start):
        paragraph.set("data-p", str(index))
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return inner
