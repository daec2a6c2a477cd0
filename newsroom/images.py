"""Articles' lead images: an upload checked, resized to the sizes pages offer, and stored
under the instance folder (instance/uploads/) by the name of its content.

A stored file is named by a digest of the uploaded bytes and its width, so a name always
means the same picture: it may be cached for a year (public/views.py serves it so), and an
upload that is refused leaves nothing behind. The same picture uploaded for two articles is
stored once, under one name: articles.py removes a picture's files once no article shows
it. Nothing here reads the Flask request.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from newsroom.refused import FieldError

# The widths stored: a phone's column (and a card's) and a desktop lead.
WIDTHS = (640, 1280)
# Formats browsers show that Pillow reads safely; anything else is refused.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
# A picture larger than this many pixels is refused before it is decoded (a small file can
# unpack into gigabytes).
PIXELS_MAX = 40_000_000
NAME = re.compile(r"^[0-9a-f]{24}$")
FILE_NAME = re.compile(r"^[0-9a-f]{24}-(?:640|1280)\.webp$")
FIELD = "image"


@dataclass(frozen=True)
class StoredImage:
    name: str
    width: int
    height: int


def upload_folder(instance_path: str) -> Path:
    return Path(instance_path) / "uploads"


# A picture an editor's form kept from an earlier try, whose files were removed since.
NO_LONGER_STORED = "The picture is no longer stored. Upload it again."


def file_name(name: str, width: int) -> str:
    return f"{name}-{width}.webp"


def picture_of(stored_file: str) -> str:
    """The picture a stored file is a size of (file_name's inverse)."""
    return stored_file.rsplit("-", 1)[0]


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB"


def store_upload(data: bytes, folder: Path, max_bytes: int) -> StoredImage:
    """Check an uploaded file, and store it at every width of WIDTHS (never larger than it
    was) as WebP. Raises FieldError with what the editor should know when it is refused."""
    if not data:
        raise FieldError("The file is empty. Choose a picture to upload.", FIELD)
    if len(data) > max_bytes:
        raise FieldError(
            f"The picture is {_megabytes(len(data))}; the largest accepted is "
            f"{_megabytes(max_bytes)}. Save it smaller (for example 2,000 pixels wide) and "
            "upload it again.",
            FIELD,
        )
    from PIL import Image, ImageOps, UnidentifiedImageError  # only where pictures are handled

    refused = FieldError(
        "That file is not a picture this site accepts. Upload a JPEG, PNG, WebP or GIF image.",
        FIELD,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
            if picture.format not in ACCEPTED_FORMATS:
                raise refused
            if picture.width * picture.height > PIXELS_MAX:
                raise FieldError(
                    f"The picture is {picture.width:,} × {picture.height:,} pixels, more than "
                    "this site accepts. Save it smaller and upload it again.",
                    FIELD,
                )
            picture.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    except (OSError, ValueError, SyntaxError):
        # A truncated or damaged file: Pillow reads its header but not its pixels.
        raise refused from None
    picture = ImageOps.exif_transpose(picture)
    picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
    name = hashlib.sha256(data).hexdigest()[:24]
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    large = None
    for width in WIDTHS:
        sized = picture.copy()
        sized.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
        large = sized
        target = folder / file_name(name, width)
        if not target.exists():
            partial = target.with_suffix(f".{os.getpid()}.part")
            sized.save(partial, "WEBP", quality=80, method=4)
            partial.replace(target)
    return StoredImage(name, large.width, large.height)


def stored(name: str, instance_path: str) -> StoredImage | None:
    """An image stored earlier, by its name (from a form: anything else is None)."""
    if not NAME.match(name):
        return None
    from PIL import Image, UnidentifiedImageError

    path = upload_folder(instance_path) / file_name(name, WIDTHS[-1])
    try:
        with Image.open(path) as picture:
            return StoredImage(name, picture.width, picture.height)
    except (OSError, UnidentifiedImageError):
        return None


def is_stored(name: str, folder: Path) -> bool:
    """Whether every size of the picture `name` is in `folder`."""
    return bool(NAME.match(name)) and all(
        (folder / file_name(name, width)).is_file() for width in WIDTHS
    )


def remove_stored(name: str, folder: Path) -> None:
    """Delete the stored sizes of the picture `name`; a size already gone is no error."""
    if not NAME.match(name):
        return
    for width in WIDTHS:
        (folder / file_name(name, width)).unlink(missing_ok=True)


def _has_alpha(picture) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
