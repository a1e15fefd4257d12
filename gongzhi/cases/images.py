"""Checking and cleaning uploaded photos.

The type of an upload is what Pillow finds when it decodes it, never the
file name or the declared content type; anything that is not a JPEG, PNG or
WebP image within the size and pixel limits is refused with a clear message.
A phone photo carries where it was taken in its EXIF GPS block, and may carry
it again in a second EXIF block, an XMP packet, IPTC or PNG text chunks:
unless the reporter chose to share the location, an image with any metadata
is encoded again, keeping only its orientation (and a JPEG's colour profile).
Every upload is decoded once, whole; a JPEG without any metadata is stored as
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


def _round(value: float) -> str:
    """A size people read: whole numbers without decimals, else one decimal."""
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def megabytes(n: int) -> str:
    """``n`` bytes in MB as people say it ("10" for 10 MiB, "2.5")."""
    return _round(n / (1024 * 1024))


def check_image(data: bytes, *, keep_location: bool, max_bytes: int, max_pixels: int,
                field: str = "file") -> CheckedImage:
    if not data:
        raise ValidationError({field: _("The file is empty.")})
    if len(data) > max_bytes:
        raise ValidationError({field: _("The photo is larger than %(max)s MB; please choose another.")
                               % {"max": megabytes(max_bytes), "size": megabytes(len(data))}})
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
        raise ValidationError({field: _("The photo has more than %(mp)s megapixels; please choose a smaller one.")
                               % {"mp": _round(max_pixels / 1_000_000)}})
    try:
        image.load()  # decoded once, whole: a truncated or corrupt file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({field: _("The file is not an image that can be read.")}) from None
    content_type, extension = FORMATS[image_format]
    if not keep_location and not _nothing_to_remove(image):
        data = _without_location(image, image_format)
    return CheckedImage(content=data, content_type=content_type, extension=extension, width=width, height=height,
                        sha256=hashlib.sha256(data).hexdigest(), location_kept=keep_location)


# JPEG segments that say nothing about the photo's place or author: with only these the upload is stored
# as sent, without a second encode. Any other (an EXIF or XMP APP1, however many; IPTC; a comment) means
# the image is encoded again, and the new file carries none of them.
_HARMLESS_SEGMENTS = (("APP0", b"JFIF"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe"))
# What the new file keeps of the old EXIF: how to turn the picture, nothing else (not the camera, the time,
# a maker note or a GPS block, wherever it hides).
_KEPT_EXIF_TAGS = (ExifTags.Base.Orientation,)


def _nothing_to_remove(image: Image.Image) -> bool:
    """A JPEG whose segments carry no metadata at all: no EXIF, XMP, IPTC or comment."""
    if image.format != "JPEG":
        return False  # PNG text chunks, eXIf, WebP EXIF/XMP chunks: a PNG or WebP is always encoded again
    return all(any(marker == kept and payload.startswith(prefix) for kept, prefix in _HARMLESS_SEGMENTS)
               for marker, payload in getattr(image, "applist", ()))


def _without_location(image: Image.Image, image_format: str) -> bytes:
    """Encode the decoded image again, with no metadata but its orientation (and a JPEG's colour profile).

    Pillow writes only what it is given here (a comment it would copy is replaced by none): the EXIF
    blocks, XMP packets, IPTC segments, comments and PNG text chunks of the upload are not copied.
    """
    source = image.getexif()
    exif = Image.Exif()
    for tag in _KEPT_EXIF_TAGS:
        if tag in source:
            exif[tag] = source[tag]
    options = {"exif": exif.tobytes()} if len(exif) else {}
    if image_format == "JPEG":
        options["quality"] = "keep"
        options["comment"] = b""  # Pillow would copy the upload's comment (COM) otherwise
        if image.info.get("icc_profile"):
            options["icc_profile"] = image.info["icc_profile"]
    elif image_format == "WEBP":
        options["lossless"] = bool(image.info.get("lossless"))
        options["quality"] = 90
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def has_location(data: bytes) -> bool:
    """Whether the image may still say where it was taken: a GPS block in any of its EXIF blocks (a JPEG
    may carry several), an XMP packet, or a PNG text chunk."""
    image = _open(data)
    blocks = [payload for marker, payload in getattr(image, "applist", ())
              if marker == "APP1" and payload.startswith(b"Exif\0\0")]
    if not blocks and image.info.get("exif"):
        blocks = [image.info["exif"]]
    for block in blocks:
        exif = Image.Exif()
        exif.load(block)
        if exif.get_ifd(ExifTags.IFD.GPSInfo):
            return True
    return bool(image.info.get("xmp")) or bool(getattr(image, "text", None))
