"""Checking and cleaning uploaded photos.

The type of an upload is what Pillow finds when it decodes it, never the
file name or the declared content type; anything that is not a JPEG, PNG or
WebP image within the size and pixel limits is refused with a clear message.
A phone photo carries where it was taken in its EXIF GPS block: unless the
reporter chose to share the location, the image is re-encoded with that block
(and any XMP packet) removed, keeping the rest (e.g. orientation). Every upload
is decoded once, whole; a JPEG that carries nothing to remove is stored as
sent, without a second encode.
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
        image = _open(data)
        image_format = image.format
        width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError({field: _("The file is not an image that can be read.")}) from None
    if image_format not in FORMATS:
        raise ValidationError({field: _("%(format)s images are not accepted; send JPEG, PNG or WebP.")
                               % {"format": image_format or "?"}})
    if width * height > max_pixels:
        raise ValidationError({field: _("The image has %(n)d pixels; at most %(max)d are accepted.")
                               % {"n": width * height, "max": max_pixels}})
    try:
        image.load()  # decoded once, whole: a truncated or corrupt file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({field: _("The file is not an image that can be read.")}) from None
    content_type, extension = FORMATS[image_format]
    if not keep_location and not _nothing_to_remove(image):
        data = _without_location(image, image_format)
    return CheckedImage(content=data, content_type=content_type, extension=extension, width=width, height=height,
                        sha256=hashlib.sha256(data).hexdigest(), location_kept=keep_location)


# JPEG segments that re-encoding would keep as they are: with only these (and no
# GPS block in the EXIF) the upload is stored as sent, without a second encode.
_KEPT_SEGMENTS = (("APP0", b"JFIF"), ("APP1", b"Exif"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe"),
                  ("COM", b""))


def _nothing_to_remove(image: Image.Image) -> bool:
    """A JPEG carrying neither a location nor anything else re-encoding would drop (XMP, IPTC, ...)."""
    if image.format != "JPEG":
        return False
    for marker, payload in getattr(image, "applist", ()):
        if not any(marker == kept and payload.startswith(prefix) for kept, prefix in _KEPT_SEGMENTS):
            return False
    return not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def _without_location(image: Image.Image, image_format: str) -> bytes:
    """Encode the decoded image again, with the EXIF minus its GPS block and without any XMP packet."""
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
