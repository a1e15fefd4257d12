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


# --- a location hidden where a first look does not go (issue 11, item 8) ---------------------------

def _exif_segment(*, gps: bool) -> bytes:
    """One APP1 EXIF segment, with or without a GPS block."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 1
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 18.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (116.0, 26.0, 42.0)
    payload = b"Exif\0\0" + exif.tobytes()
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def _segments(data: bytes) -> list[bytes]:
    """The markers of a JPEG's segments before its image data."""
    markers, at = [], 2
    while data[at] == 0xFF and data[at + 1] != 0xDA:
        markers.append(data[at:at + 2] + data[at + 4:at + 8])
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return markers


def two_exif_blocks(*, first_gps: bool) -> bytes:
    """A JPEG whose second EXIF block (a second APP1) holds GPS: a reader looking at the first sees none."""
    image = Image.new("RGB", (64, 48), "teal")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    data = out.getvalue()
    extra = _exif_segment(gps=first_gps) + _exif_segment(gps=True)
    at = 2 + 2 + int.from_bytes(data[4:6], "big")  # after SOI and the JFIF APP0
    return data[:at] + extra + data[at:]


@pytest.mark.parametrize("first_gps", [False, True])
def test_a_second_exif_block_with_gps_is_removed(first_gps):
    photo = two_exif_blocks(first_gps=first_gps)
    assert has_location(photo)
    assert sum(1 for marker in _segments(photo) if marker.startswith(b"\xff\xe1Exif")) == 2
    checked = check_image(photo, keep_location=False, **LIMITS)
    assert not has_location(checked.content)
    assert sum(1 for marker in _segments(checked.content) if marker.startswith(b"\xff\xe1")) <= 1
    again = Image.open(io.BytesIO(checked.content))
    assert again.getexif()[ExifTags.Base.Orientation] == 1  # how to turn the picture is kept
    assert not again.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert check_image(photo, keep_location=True, **LIMITS).content == photo  # unless the reporter shares it


def test_exif_keeps_nothing_but_the_orientation():
    image = Image.new("RGB", (32, 32), "teal")
    exif = image.getexif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.ImageDescription] = "朝阳区永安里 3 号楼"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    kept = Image.open(io.BytesIO(check_image(out.getvalue(), keep_location=False, **LIMITS).content)).getexif()
    assert dict(kept) == {ExifTags.Base.Orientation: 6}


def test_a_jpeg_comment_is_removed():
    photo = jpeg()
    comment = "朝阳区永安里 3 号楼 2 单元".encode()
    photo = photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photo[2:]
    assert comment not in check_image(photo, keep_location=False, **LIMITS).content


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_png_and_webp_metadata_is_removed(image_format):
    from PIL import PngImagePlugin

    image = Image.new("RGB", (32, 32), "teal")
    exif = Image.Exif()
    exif.load(_exif_segment(gps=True)[4:])
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>39,54N</exif:GPSLatitude></x:xmpmeta>'
    options = {"exif": exif.tobytes()}
    if image_format == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Location", "39.905N 116.445E")
        text.add_itxt("XML:com.adobe.xmp", xmp.decode())
        options["pnginfo"] = text
    else:
        options["xmp"] = xmp
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    photo = out.getvalue()
    assert has_location(photo)
    content = check_image(photo, keep_location=False, **LIMITS).content
    assert not has_location(content)
    assert b"39,54N" not in content and b"116.445E" not in content


@pytest.mark.django_db
def test_a_photo_uploaded_with_gps_in_its_second_exif_block_is_stored_without_it(world, client, new_case,
                                                                                   settings, tmp_path):
    from gongzhi.cases.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    case = new_case()
    client.force_login(world.users.resident)
    upload = io.BytesIO(two_exif_blocks(first_gps=False))
    upload.name = "现场.jpg"
    response = client.post(f"/api/v1/cases/{case.pk}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    assert not has_location(Attachment.objects.get().file.read())
