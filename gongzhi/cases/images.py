"""Checking and cleaning uploaded photos.

The type of an upload is what Pillow finds when it decodes it, never the
file name or the declared content type; anything that is not a JPEG, PNG or
WebP image within the size and pixel limits is refused with a clear message.
A phone photo carries where it was taken in its EXIF GPS block: unless the
reporter chose to share the location, the image is re-encoded with that block
(and any XMP packet) removed, keeping the rest (e.g. orientation).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    location_kept: bool


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def check_image(data: bytes, *, keep_location: bool, max_bytes: int, max_pixels: int,
                field: str = "file") -> CheckedImage:
    if not data:
        raise ValidationError({field: _("The file is empty.")})
    if len(data) > max_bytes:
        raise ValidationError({field: _("The file is %(size)d bytes; at most %(max)d are accepted.")
                               % {"size": len(data), "max": max_bytes}})
    try:
        probe = _open(data)
        image_format = probe.format
        width, height = probe.size
        probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError({field: _("The file is not an image that can be read.")}) from None
    if image_format not in FORMATS:
        raise ValidationError({field: _("%(format)s images are not accepted; send JPEG, PNG or WebP.")
                               % {"format": image_format or "?"}})
    if width * height > max_pixels:
        raise ValidationError({field: _("The image has %(n)d pixels; at most %(max)d are accepted.")
                               % {"n": width * height, "max": max_pixels}})
    content_type, extension = FORMATS[image_format]
    if not keep_location:
        data = _without_location(data, image_format)
    return CheckedImage(content=data, content_type=content_type, extension=extension, width=width, height=height,
                        sha256=hashlib.sha256(data).hexdigest(), location_kept=keep_location)


def _without_location(data: bytes, image_format: str) -> bytes:
    try:
        image = _open(data)
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({"file": _("The file is not an image that can be read.")}) from None
    exif = image.getexif()
    exif.pop(ExifTags.IFD.GPSInfo, None)
    options = {"exif": exif.tobytes()} if len(exif) else {}
    if image_format == "JPEG":
        options["quality"] = "keep"
        if image.info.get("icc_profile"):
            options["icc_profile"] = image.info["icc_profile"]
    elif image_format == "WEBP":
        options["lossless"] = bool(image.info.get("lossless"))
        options["quality"] = 90
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def has_location(data: bytes) -> bool:
    """Whether the image still says where it was taken (EXIF GPS or an XMP packet)."""
    image = _open(data)
    return bool(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)) or bool(image.info.get("xmp"))
