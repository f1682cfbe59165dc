"""Bytes to a parsed page: the declared or sniffed encoding, control characters, the parser."""

from __future__ import annotations

import codecs
import re

import charset_normalizer
import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from readtoearn.articles.extract.patterns import (
    CONTROL_CHARS,
    META_CHARSET,
    NON_ASCII,
    STRAY_BYTE,
    XML_DECLARATION,
)
from readtoearn.errors import InvalidInput

# Comments go at parse time: trafilatura loses the text after a comment inside a paragraph.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes of a page as text: BOM, then the declared or <meta> charset, then UTF-8 with stray
    bytes mended, then detection; InvalidInput for binary files and text in no encoding."""
    if not data.strip():
        raise InvalidInput("the page is empty")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return clean_text(data.decode(encoding, errors="replace"))
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
            return clean_text(data.decode(known))
        except UnicodeDecodeError:
            continue
    return clean_text(_decode_misdeclared(data))


def _decode_misdeclared(data: bytes) -> str:
    """Bytes that are neither in their declared charset nor UTF-8: a UTF-8 page with stray
    bytes keeps its UTF-8, else the detected encoding; InvalidInput when none is plausible."""
    # Stray bytes become lone surrogates, one per byte, so they can be counted and mended.
    text = data.decode("utf-8", errors="surrogateescape")
    stray = len(STRAY_BYTE.findall(text))
    if len(NON_ASCII.findall(text)) - stray >= stray:
        # Mostly well-formed: a UTF-8 page with a passage pasted in windows-1252, or a few bad
        # bytes. Mend each stray byte alone rather than misread every good character.
        return STRAY_BYTE.sub(_windows_1252_char, text)
    encoding = _detected_encoding(data[:200_000])
    if encoding is None:
        raise InvalidInput("the page is not valid UTF-8 and its encoding cannot be recognised")
    return data.decode(encoding, errors="replace")


def _windows_1252_char(stray: re.Match[str]) -> str:
    return bytes([ord(stray.group()) - 0xDC00]).decode("cp1252", errors="replace")


def _detected_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, windows-1252 when it fits as well (browsers' own fallback:
    a French page fits windows-1250 just as well, which reads "à" as "ŕ")."""
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    if any(m.encoding == "cp1252" and m.chaos <= best.chaos for m in matches):
        return "cp1252"
    return _known_encoding(best.encoding)


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


def clean_text(text: str) -> str:
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
