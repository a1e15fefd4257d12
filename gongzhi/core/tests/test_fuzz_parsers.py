"""Bounded property-based runs (Hypothesis) over the parsers of outside input: the spreadsheet/CSV reader, cells
as real exports write them, phone and ID numbers, the masking of free text. A parser may refuse what it is given
(its own error), never crash with anything else. ``HYPOTHESIS_PROFILE=fuzz`` runs them much longer
(``make fuzz``-style: ``HYPOTHESIS_PROFILE=fuzz pytest gongzhi/core/tests/test_fuzz_parsers.py``)."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core import crypto, tabular

settings.register_profile("bounded", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bounded"))

CELLS = st.one_of(st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=True),
                  st.booleans())


@given(st.binary(max_size=2000), st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
def test_the_reader_refuses_or_reads_any_bytes(data, filename):
    try:
        for _title, _headers, numbered, _count in tabular.read(data, filename):
            for _number, _values in numbered:
                pass
    except tabular.FormatError:
        pass


@given(st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=8))
def test_csv_text_is_read_back_whatever_it_holds(rows):
    text = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
    for encoding in ("utf-8", "gb18030"):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        try:
            list(tabular.csv_lines(data))
        except tabular.FormatError:
            pass


@given(CELLS)
def test_cells_are_read_or_refused_with_a_value_error(value):
    for reader in (tabular.cell_text, tabular.cell_date, tabular.cell_datetime):
        try:
            reader(value)
        except ValueError:
            pass


@given(st.text(max_size=60))
def test_phone_and_id_numbers_normalise_and_mask_any_text(text):
    phone = crypto.normalize_phone(text)
    assert phone == "" or phone.isdigit() or phone.startswith("+")
    crypto.normalize_id(text)
    masked = crypto.mask_free_text(text)
    for number in crypto.personal_numbers(text):
        digits = "".join(ch for ch in number.text if ch.isdigit())
        assert len(digits) < 7 or digits not in masked.replace(" ", "").replace("-", "")


def test_an_infinite_or_missing_number_is_no_date_and_time():
    """Regression: a cell holding inf crashed cell_datetime with OverflowError (found by the run above)."""
    import pytest

    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(ValueError, match="is not a date and time"):
            tabular.cell_datetime(value)
