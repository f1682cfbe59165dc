"""Which of an author's bios a page shows.

An author has a default bio (`bio`) and bios by language (`bios`, {"en": ..., "fr": ...}). A page
shows the bio written in its language; without one, the default bio; without that, the bio in
another language, marked with its language so a screen reader pronounces it right.
"""

from __future__ import annotations

from dataclasses import dataclass

from readtoearn.articles.models import Author


@dataclass(frozen=True)
class Bio:
    text: str
    # The bio's language when known ("en", "fr"); None for a default bio of unknown language.
    language: str | None


def bio_for(author: Author, language: str) -> Bio | None:
    """The bio to show on a page in `language`, or None when the author has none."""
    bios = {lang: text for lang, text in (author.bios or {}).items() if text}
    if language in bios:
        return Bio(bios[language], language)
    if author.bio:
        known = next((lang for lang, text in sorted(bios.items()) if text == author.bio), None)
        return Bio(author.bio, known)
    for lang in sorted(bios):
        return Bio(bios[lang], lang)
    return None
