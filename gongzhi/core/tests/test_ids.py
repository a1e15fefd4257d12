"""GB 11643 identity numbers, GB 32100 credit codes, division codes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.core import ids


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever catalogues are compiled."""
    with translation.override("en"):
        yield


# Sample numbers printed in GB 11643-1999 itself.
STANDARD_ID_SAMPLES = ["11010519491231002X", "440524188001010014"]
# Credit codes published by well-known companies (public business registrations).
PUBLIC_CREDIT_CODES = ["91350100M000100Y43", "91330100799655058B", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("number", STANDARD_ID_SAMPLES)
def test_standard_id_samples_are_valid(number):
    assert ids.is_valid_id_number(number)


def test_id_number_derives_birth_date_and_gender():
    info = ids.parse_id_number("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"  # 17th digit 2 is even
    assert info.region_code == "110105"
    assert ids.parse_id_number("440524188001010014").gender == "M"


def test_id_number_is_normalised_before_checking():
    assert ids.parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(("number", "fragment"), [
    ("11010519491231002", "18 characters"),
    ("1101051949123100XX", "17 digits"),
    ("110105194912310021", "check character"),
    ("99010519491231002X", "province"),
    ("110105194902300024", "birth date"),  # 30 February
    ("110105299901010027", "plausible"),  # born in the future
])
def test_invalid_id_numbers_say_what_is_wrong(number, fragment):
    with pytest.raises(ValidationError) as excinfo:
        ids.parse_id_number(number, today=dt.date(2026, 1, 1))
    message = excinfo.value.messages[0]
    assert fragment in message
    assert number not in message  # never echo personal data into messages


def test_make_id_number_round_trips():
    number = ids.make_id_number("110105", dt.date(1990, 5, 17), 123)
    info = ids.parse_id_number(number)
    assert (info.birth_date, info.gender) == (dt.date(1990, 5, 17), "M")


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    sequence=st.integers(0, 999),
    position=st.integers(0, 16),
    shift=st.integers(1, 9),
)
def test_any_single_digit_error_is_caught(birth, sequence, position, shift):
    number = ids.make_id_number("320102", birth, sequence)
    assert ids.is_valid_id_number(number)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    assert ids.id_check_char(wrong[:17]) != number[17]


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    sequence=st.integers(0, 999),
    position=st.integers(0, 15),
)
def test_any_adjacent_swap_is_caught(birth, sequence, position):
    number = ids.make_id_number("320102", birth, sequence)
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2:]
    assert (a == b) == (ids.id_check_char(swapped[:17]) == number[17])


@pytest.mark.parametrize("code", PUBLIC_CREDIT_CODES)
def test_public_credit_codes_are_valid(code):
    assert ids.validate_credit_code(code.lower()) == code


def test_generated_credit_code_is_valid():
    first17 = "5111010512345678" + "9"
    assert ids.is_valid_credit_code(first17 + ids.credit_check_char(first17))


@pytest.mark.parametrize(("code", "fragment"), [
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y44", "check character"),
    ("91350100M0001O0Y43", "cannot contain O"),
    ("Z1350100M000100Y43", "cannot contain Z"),
    ("C1350100M000100Y43", "registering authority"),
    ("913501A0M000100Y43", "division code"),
])
def test_invalid_credit_codes_say_what_is_wrong(code, fragment):
    with pytest.raises(ValidationError) as excinfo:
        ids.validate_credit_code(code)
    assert fragment in excinfo.value.messages[0]


def test_credit_code_check_catches_single_substitutions():
    code = PUBLIC_CREDIT_CODES[1]
    for position in range(17):
        for ch in ids.CREDIT_CODE_ALPHABET:
            if ch != code[position]:
                changed = code[:position] + ch + code[position + 1:17]
                assert ids.credit_check_char(changed) != code[17]


@pytest.mark.parametrize(("code", "level", "prefix", "parent"), [
    ("110000000000", "province", "11", None),
    ("110100000000", "city", "1101", "110000000000"),
    ("110105000000", "county", "110105", "110100000000"),
    ("110105001000", "township", "110105001", "110105000000"),
    ("110105001001", "village", "110105001001", "110105001000"),
    ("110105001001002", "grid", "110105001001002", "110105001001"),
])
def test_division_code_levels(code, level, prefix, parent):
    parsed = ids.parse_division_code(code)
    assert (parsed.level, parsed.prefix, parsed.parent_code()) == (level, prefix, parent)


def test_division_code_parts():
    parsed = ids.parse_division_code("110105001001")
    assert [parsed.part(level) for level in ids.DIVISION_LEVELS[:5]] == ["11", "01", "05", "001", "001"]


@pytest.mark.parametrize("code", ["11010500100", "1101050010011", "99010500100A", "990105001001", "110105001001000"])
def test_invalid_division_codes(code):
    with pytest.raises(ValidationError):
        ids.parse_division_code(code)
