"""Generated author avatars: initials on a colour derived from the name, with no network."""

from __future__ import annotations

import colorsys
import hashlib
import unicodedata
from xml.sax.saxutils import escape

# White initials must stay readable: WCAG AA asks 4.5:1 for normal text.
MIN_CONTRAST = 4.5
WHITE_LUMINANCE = 1.0


def initials(name: str) -> str:
    """Up to two letters: the first of the first and of the last word ("Ada Lovelace" -> "AL")."""
    words = [w for w in name.replace("-", " ").split() if any(c.isalnum() for c in w)]
    if not words:
        return "?"
    letters = [next(c for c in w if c.isalnum()) for w in (words[0], words[-1])]
    if len(words) == 1:
        letters = letters[:1]
    return unicodedata.normalize("NFC", "".join(letters)).upper()


def colour(name: str) -> str:
    """A stable background colour for a name, dark enough for white text (hex #rrggbb)."""
    digest = hashlib.sha256(" ".join(name.split()).casefold().encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65535
    saturation = 0.45 + digest[2] / 255 * 0.25
    lightness = 0.30 + digest[3] / 255 * 0.15
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    # A little margin, so rounding to 8-bit channels cannot push the ratio under the minimum.
    while contrast_with_white((red, green, blue)) < MIN_CONTRAST + 0.1:
        lightness -= 0.02
        red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "#" + "".join(f"{round(v * 255):02x}" for v in (red, green, blue))


def contrast_with_white(rgb: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio between white and a colour given as 0..1 channels."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return (WHITE_LUMINANCE + 0.05) / (luminance + 0.05)


def avatar_svg(name: str, size: int = 96) -> str:
    """A square SVG avatar for a name; the same name always gives the same image."""
    name = " ".join(name.split())
    text = escape(initials(name))
    label = escape(name, {'"': "&quot;"})
    font_size = size * (0.42 if len(text) > 1 else 0.5)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{label}">'
        f'<rect width="{size}" height="{size}" rx="{size // 2}" fill="{colour(name)}"/>'
        f'<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#ffffff" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
        f'font-size="{font_size:.0f}" font-weight="600">{text}</text></svg>'
    )
