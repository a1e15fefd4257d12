"""check_image: one decode per upload, a second encode only when there is something to remove."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from gongzhi.cases.images import check_image, has_location

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000}


def jpeg(*, gps=False, xmp=False, iptc=False, size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, "teal")
    exif = image.getexif()
    exif[ExifTags.Base.Orientation] = 1
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 18.0)
    options = {"exif": exif, "quality": 80}
    if xmp:
        options["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>39,54N</exif:GPSLatitude></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, format="JPEG", **options)
    data = out.getvalue()
    if iptc:  # an APP13 (Photoshop/IPTC) segment, e.g. a city name, right after SOI
        payload = "Photoshop 3.0\0 8BIM 朝阳区永安里".encode()
        data = data[:2] + b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload + data[2:]
    return data


def test_a_jpeg_without_anything_to_remove_is_stored_as_sent():
    photo = jpeg()
    checked = check_image(photo, keep_location=False, **LIMITS)
    assert checked.content == photo
    assert (checked.width, checked.height, checked.content_type) == (64, 48, "image/jpeg")


@pytest.mark.parametrize("extra", [{"gps": True}, {"xmp": True}, {"iptc": True}])
def test_a_jpeg_with_a_location_xmp_or_iptc_is_encoded_again_without_them(extra):
    photo = jpeg(**extra)
    checked = check_image(photo, keep_location=False, **LIMITS)
    assert checked.content != photo
    assert not has_location(checked.content)
    again = Image.open(io.BytesIO(checked.content))
    assert not [marker for marker, _ in again.applist if marker == "APP13"]
    assert again.getexif()[ExifTags.Base.Orientation] == 1


def test_a_shared_location_is_kept():
    photo = jpeg(gps=True)
    assert check_image(photo, keep_location=True, **LIMITS).content == photo


@pytest.mark.parametrize("keep_location", [False, True])
def test_a_truncated_photo_is_refused_whether_or_not_its_location_is_shared(keep_location):
    photo = jpeg(size=(400, 300))
    with pytest.raises(ValidationError) as refused:
        check_image(photo[: len(photo) * 2 // 3], keep_location=keep_location, **LIMITS)
    assert "file" in refused.value.message_dict
