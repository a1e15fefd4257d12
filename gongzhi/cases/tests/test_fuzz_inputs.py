"""Bounded Hypothesis runs over the cases' parsers of outside input: the hotline file reader (any bytes, and CSV
files of hotline headers with any cells) and the photo check (any bytes, and real images with corrupted bytes).
They refuse with their own error, never crash. ``HYPOTHESIS_PROFILE=fuzz`` runs them longer (see
``core/tests/test_fuzz_parsers.py``, which registers the profiles)."""

import io

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from gongzhi.cases import images, importing
from gongzhi.core.tabular import FormatError
from gongzhi.core.tests import test_fuzz_parsers  # noqa: F401  (the bounded and fuzz profiles)

HEADERS = ["工单编号", "来电时间", "来电人", "来电号码", "诉求内容", "诉求地址", "诉求类别"]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


@given(st.binary(max_size=3000), st.sampled_from(["hotline.csv", "hotline.xlsx"]))
def test_the_hotline_reader_refuses_or_reads_any_bytes(data, filename):
    try:
        importing.read_rows(data, filename)
    except FormatError:
        pass


@given(st.lists(st.lists(st.text(max_size=30), min_size=len(HEADERS), max_size=len(HEADERS)), max_size=6))
def test_a_hotline_csv_with_any_cells_is_read(rows):
    text = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in [HEADERS, *rows])
    try:
        importing.read_rows(text.encode("utf-8"), "hotline.csv")
    except FormatError:
        pass


@given(st.one_of(st.binary(max_size=2000),
                 st.tuples(st.integers(0, len(PNG) - 1), st.binary(min_size=1, max_size=8)).map(
                     lambda cut: PNG[:cut[0]] + cut[1] + PNG[cut[0] + len(cut[1]):])))
def test_the_photo_check_refuses_or_accepts_any_bytes(data):
    try:
        images.check_image(data, keep_location=False, max_bytes=1_000_000, max_pixels=4_000_000)
    except ValidationError:
        pass
