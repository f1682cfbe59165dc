"""A reward's picture, uploaded by an operator: checked, resized and kept in the data directory.

Only what Pillow recognises as JPEG, PNG, WebP or GIF is taken (the bytes decide, never the file
name or the browser's content type); the first frame is resized to fit a square of `max_px` and
stored as WebP under a random name, so an upload never overwrites another nor names a path.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from readtoearn.errors import InvalidInput

FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
FOLDER = "reward-images"
URL_PREFIX = "/rewards/images/"
NAME = re.compile(r"^[a-f0-9]{32}\.webp$")
# A decompression bomb (a tiny file that unpacks to gigapixels) is refused before it is decoded.
MAX_PIXELS = 40_000_000


def image_folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def store_image(data_dir: Path, data: bytes, *, max_bytes: int, max_px: int) -> str:
    """Check, resize and store an uploaded image; its URL (served by the web's image route)."""
    if not data:
        raise InvalidInput("choose an image file", code="image_missing")
    if len(data) > max_bytes:
        raise InvalidInput(
            f"the image is larger than {max_bytes // 1024} KiB", code="image_too_large"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise InvalidInput("the image must be JPEG, PNG, WebP or GIF", code="image_type")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise InvalidInput("the image has too many pixels", code="image_too_large")
            probe.seek(0)
            picture = probe.convert("RGBA" if "A" in probe.getbands() else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("the file is not an image we can read", code="image_type") from None
    picture.thumbnail((max_px, max_px))
    folder = image_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".webp"
    partial = folder / (name + ".part")
    picture.save(partial, format="WEBP", quality=85)
    partial.replace(folder / name)  # whole or not at all
    return URL_PREFIX + name


def image_path(data_dir: Path, name: str) -> Path | None:
    """The stored file of an image URL's last part, or None when there is no such image."""
    if not NAME.match(name):
        return None
    path = image_folder(data_dir) / name
    return path if path.is_file() else None
