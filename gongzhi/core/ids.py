"""Chinese identifiers: resident ID numbers, credit codes, division codes.

Three national standards are checked here, and nowhere else:

- GB 11643-1999 citizen identity numbers (公民身份号码): 6-digit address code,
  8-digit birth date, 3-digit sequence (odd for men, even for women) and a
  check character computed with ISO 7064 MOD 11-2 (``X`` stands for 10).
- GB 32100-2015 unified social credit codes (统一社会信用代码): 18 characters
  over a 31-character alphabet (no I, O, S, V, Z), the last one a MOD 31 check.
- Statistical division codes (统计用区划代码): 12 digits, 2 province + 2 city +
  2 county + 3 township + 3 village; Gongzhi extends a community's code by 3
  digits for its grids (15 digits).

Checking the check character catches almost every typing error (one wrong
digit, two swapped digits), which is why imports and forms insist on it.
Validators raise :class:`django.core.exceptions.ValidationError` with a
translated message that never repeats the number itself: error messages end up
in logs and reports, and an ID number must not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# --- GB 11643: citizen identity numbers --------------------------------------

# Weight of position i (1-based, left to right) is 2**(18 - i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"  # index: weighted sum mod 11

# Province-level codes (GB/T 2260) that can start an identity number; 81/82/83
# start the residence permits of Hong Kong, Macao and Taiwan residents, which
# follow the same rules.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})

# The standard itself uses a sample born in 1880.
EARLIEST_BIRTH_DATE = dt.date(1850, 1, 1)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the first 17 characters of an ID number are digits")
    return _ID_CHECK_CHARS[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def normalize_id_number(value: str) -> str:
    """Upper-case and without spaces: the form in which ID numbers are compared."""
    return "".join(str(value or "").split()).upper()


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid identity number tells: where it was issued, birth date, gender."""

    number: str
    region_code: str
    birth_date: dt.date
    gender: str  # "M" or "F"


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate a GB 11643 identity number and derive birth date and gender.

    Raises ValidationError (code ``id_number``) naming what is wrong, never
    the number itself.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters (this one has %(n)d).") % {"n": len(number)},
                              code="id_number")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."), code="id_number")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(_("The ID number does not start with a known province code."), code="id_number")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The ID number does not contain a valid birth date."), code="id_number") from None
    today = today or dt.date.today()
    if birth < EARLIEST_BIRTH_DATE or birth > today:
        raise ValidationError(_("The birth date in the ID number is not plausible."), code="id_number")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("The ID number's check character is wrong; please check for a typing error."),
                              code="id_number")
    return IdNumberInfo(
        number=number,
        region_code=number[:6],
        birth_date=birth,
        gender="M" if int(number[16]) % 2 else "F",
    )


def is_valid_id_number(value: str) -> bool:
    try:
        parse_id_number(value)
    except ValidationError:
        return False
    return True


def make_id_number(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Compose a valid identity number (demo data and tests).

    ``sequence`` is the 3-digit order code; odd for men, even for women.
    """
    if len(region_code) != 6 or not region_code.isdigit() or not 0 <= sequence <= 999:
        raise ValueError("region_code is 6 digits and sequence 0..999")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


# --- GB 32100: unified social credit codes ------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
# Weight of position i (0-based) is 3**i mod 31.
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# First character: the registering authority (登记管理部门代码).
CREDIT_AUTHORITIES = frozenset("123456789ANY")


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    if len(first17) != 17 or any(ch not in _CREDIT_VALUE for ch in first17):
        raise ValueError("the first 17 characters of a credit code come from its alphabet")
    total = sum(_CREDIT_VALUE[ch] * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return "".join(str(value or "").split()).upper()


def validate_credit_code(value: str) -> str:
    """Validate a unified social credit code; return it normalised."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters (this one has %(n)d).") % {"n": len(code)},
            code="credit_code")
    bad = sorted({ch for ch in code if ch not in _CREDIT_VALUE})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s (I, O, S, V and Z are never used).")
            % {"chars": ", ".join(bad)}, code="credit_code")
    if code[0] not in CREDIT_AUTHORITIES:
        raise ValidationError(_("The first character of the credit code is not a registering authority."),
                              code="credit_code")
    if not code[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 of the credit code are a division code (digits)."),
                              code="credit_code")
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(_("The credit code's check character is wrong; please check for a typing error."),
                              code="credit_code")
    return code


def is_valid_credit_code(value: str) -> bool:
    try:
        validate_credit_code(value)
    except ValidationError:
        return False
    return True


# --- Statistical division codes -----------------------------------------------

DIVISION_LEVELS = ("province", "city", "county", "township", "village", "grid")
# End position (exclusive) of each level's own digits in a 12/15-digit code.
_DIVISION_BOUNDS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12, "grid": 15}


@dataclass(frozen=True)
class DivisionCode:
    """A statistical division code split into its parts.

    ``level`` is the deepest level with non-zero digits (``110105000000`` is a
    county, ``110105001001`` a village/community, a 15-digit code a grid) and
    ``prefix`` the significant digits that every descendant's code starts with.
    """

    code: str
    level: str

    @property
    def prefix(self) -> str:
        return self.code[: _DIVISION_BOUNDS[self.level]]

    def part(self, level: str) -> str:
        """The digits this code has at ``level`` (``"001"`` for township 001)."""
        index = DIVISION_LEVELS.index(level)
        start = _DIVISION_BOUNDS[DIVISION_LEVELS[index - 1]] if index else 0
        return self.code[start:_DIVISION_BOUNDS[level]]

    def parent_code(self) -> str | None:
        """The 12-digit code of the level above, or None for a province."""
        index = DIVISION_LEVELS.index(self.level)
        if index == 0:
            return None
        upper = _DIVISION_BOUNDS[DIVISION_LEVELS[index - 1]]
        return self.code[:upper].ljust(12, "0")


def parse_division_code(value: str) -> DivisionCode:
    """Validate the format of a 12-digit division code (or a 15-digit grid code)."""
    code = str(value or "").strip()
    if len(code) not in (12, 15) or not code.isdigit():
        raise ValidationError(_("A division code has 12 digits (15 for a grid)."), code="division_code")
    if code[:2] not in PROVINCE_CODES:
        raise ValidationError(_("The division code does not start with a known province code."),
                              code="division_code")
    if len(code) == 15:
        if code[12:] == "000" or code[9:12] == "000":
            raise ValidationError(_("A grid code extends a community's code with 3 non-zero digits."),
                                  code="division_code")
        return DivisionCode(code, "grid")
    level = "province"
    for candidate in DIVISION_LEVELS[1:5]:
        index = DIVISION_LEVELS.index(candidate)
        start = _DIVISION_BOUNDS[DIVISION_LEVELS[index - 1]]
        if int(code[start:_DIVISION_BOUNDS[candidate]]):
            level = candidate
    return DivisionCode(code, level)
