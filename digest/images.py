"""Image sizes (read with Pillow) and resized copies for srcset, cached between builds."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from digest.records import checksum, write_atomically

WIDTHS = (480, 960, 1600)  # resized copies offered in srcset; never wider than the original
RESIZABLE = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    variants: tuple[tuple[int, Path], ...]  # (width, resized file) for each smaller copy


def size_of(file: Path) -> tuple[int, int] | None:
    """(width, height) from the file's header; None when Pillow cannot read it (SVG, a broken file)."""
    status = file.stat()
    return _size(str(file), status.st_mtime_ns, status.st_size)


class ImageError(Exception):
    """An image digest refuses to handle (one that would take gigabytes to decode)."""


@cache
def _size(file: str, mtime_ns: int, size: int) -> tuple[int, int] | None:
    from PIL import Image as PILImage  # (here: every command reads the config, few need Pillow)
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(file) as image:
            return image.size
    except PILImage.DecompressionBombError:
        raise ImageError(f"image {Path(file).name} is too large to handle (pixel count over Pillow's limit)") from None
    except (UnidentifiedImageError, OSError):
        return None


def picture(file: Path, cache_dir: Path) -> Picture | None:
    """Size and resized copies of a local image (the copies are made once, then reused)."""
    dimensions = size_of(file)
    if dimensions is None:
        return None
    width, height = dimensions
    variants = []
    if file.suffix.lower() in RESIZABLE:
        for target in WIDTHS:
            if target < width:
                variants.append((target, _resized(file, target, cache_dir)))
    return Picture(width=width, height=height, variants=tuple(variants))


def _resized(file: Path, width: int, cache_dir: Path) -> Path:
    data = file.read_bytes()
    name = f"{hashlib.sha1(data).hexdigest()}-{width}{file.suffix.lower()}"
    target = cache_dir / name
    seal = target.with_name(f"{name}.sum")  # a checksum of the copy, written with it
    if _verified(target, seal):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    from PIL import Image as PILImage

    with PILImage.open(file) as image:
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), PILImage.Resampling.LANCZOS)
        if RESIZABLE[file.suffix.lower()] == "JPEG" and resized.mode not in ("RGB", "L"):
            resized = resized.convert("RGB")
        temporary = target.with_name(f".{name}.{os.getpid()}.tmp")
        # No metadata is copied: same input, same bytes.
        resized.save(temporary, format=RESIZABLE[file.suffix.lower()], quality=82, optimize=True)
        os.replace(temporary, target)
    write_atomically(seal, checksum(target.read_bytes()))
    return target


def _verified(target: Path, seal: Path) -> bool:
    """Whether a resized copy in the cache is the one made (a file emptied or altered there is made again)."""
    try:
        return seal.read_bytes() == checksum(target.read_bytes())
    except OSError:
        return False
