"""`--download-images`: the lead photo fetched and stored beside the article, so the site serves its own copy
(no reader's browser calls the source's server, and the build makes its responsive sizes).

Bounded like every fetch (FETCH_DEADLINE seconds in all) and to MAX_PHOTO_BYTES; only a JPEG, PNG, WebP
or GIF that Pillow reads is kept, re-encoded without its metadata (EXIF with its GPS position and camera
serial, XMP, comments); the colour profile stays, the EXIF orientation is applied first.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from digest.errors import SiteError
from digest.importer.page import fetch

MAX_PHOTO_BYTES = 15_000_000
MAX_PIXELS = 50_000_000  # a photo larger than this (a decompression bomb, or a poster) is refused
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


class PhotoError(Exception):
    """Why the photo was not downloaded (the article keeps the source's URL)."""


def download_photo(url: str) -> tuple[bytes, str]:
    """(the photo's bytes without metadata, its suffix); raises PhotoError saying why not."""
    try:
        data = fetch(url, max_bytes=MAX_PHOTO_BYTES, accept=("image/",))
    except SiteError as error:
        raise PhotoError(error.problems[0].message) from None
    return strip_metadata(data)


def strip_metadata(data: bytes) -> tuple[bytes, str]:
    """The image re-encoded without metadata, and its suffix; raises PhotoError when it is no photo."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                if kind not in FORMATS:
                    raise PhotoError(f"not a JPEG, PNG, WebP or GIF photo ({kind or 'unknown format'})")
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoError(f"{image.width} x {image.height} pixels is too large a photo")
                icc = image.info.get("icc_profile")
                out = io.BytesIO()
                if kind == "GIF":  # frames and timing only, no comment or XMP
                    image.info = {k: v for k, v in image.info.items() if k in ("duration", "loop", "transparency")}
                    image.save(out, "GIF", save_all=True)
                else:
                    upright = ImageOps.exif_transpose(image) or image
                    upright = upright.copy()
                    upright.info = {}  # pixels (and palette) only: no EXIF, XMP or comment
                    options = {"icc_profile": icc} if icc else {}
                    if kind == "JPEG":
                        options.update(quality=92, optimize=True)
                    upright.save(out, kind, **options)
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoError(f"not a readable photo ({error})") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(f"not a readable photo ({error})") from None
    return out.getvalue(), FORMATS[kind]
