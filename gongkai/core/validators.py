"""Validators with messages in Chinese (the primary language) and English."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UNIT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")


def validate_unit_code(value: str) -> None:
    """A unit code: 2–16 capital letters or digits starting with a letter (for index numbers)."""
    if not UNIT_CODE_RE.match(value or ""):
        raise ValidationError(
            _(
                "The unit code must be 2 to 16 capital letters or digits and start "
                "with a letter, e.g. JJJ or SQ01."
            ),
            code="unit_code",
        )


# GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from
# this alphabet (no I, O, Z, S, V), the last one a check character.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        _CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码) with a correct check character."""
    if (
        len(value) != 18
        or any(c not in _CREDIT_ALPHABET for c in value)
        or credit_code_check_char(value[:17]) != value[17]
    ):
        raise ValidationError(
            _(
                "Enter a valid 18-character unified social credit code; the last "
                "character is a check character."
            ),
            code="credit_code",
        )


def normalize_phone(value: str) -> str:
    """Return a Chinese phone or fax number in a standard form, or raise ValidationError.

    Accepts landlines with area code (022-66668888, (022)66668888), mobiles
    (13812345678, +86 138 1234 5678) and service numbers (400/800, 12345).
    """
    raw = (value or "").strip()
    if re.fullmatch(r"12\d{3}", raw):  # government hotlines such as 12345
        return raw
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number with area code, e.g. 022-66668888 or 13812345678."),
            code="phone",
        )
    if number.country_code == 86:
        # The form Chinese government sites print: 022-66668888, 13812345678, 4008001234.
        significant = phonenumbers.national_significant_number(number)
        area = phonenumbers.length_of_geographical_area_code(number)
        if area:
            return f"0{significant[:area]}-{significant[area:]}"
        return significant
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone(value: str) -> None:
    normalize_phone(value)


# GB 11643-1999 citizen identity number (居民身份证号码): 17 digits and a check character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_resident_id(value: str) -> str:
    """A resident identity number in upper case without spaces, or raise ValidationError.

    Checks the length, the birth date it carries and the check character (GB 11643).
    """
    import datetime
    import unicodedata

    # Full-width digits typed with a Chinese input method count as the same number.
    raw = unicodedata.normalize("NFKC", "".join((value or "").split())).upper()
    valid = bool(_ID_RE.match(raw))
    if valid:
        try:
            born = datetime.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
            valid = datetime.date(1900, 1, 1) <= born
        except ValueError:
            valid = False
    if not valid or resident_id_check_char(raw[:17]) != raw[17]:
        raise ValidationError(
            _(
                "Enter a valid 18-character resident identity number; the last character "
                "is a check digit (0-9 or X)."
            ),
            code="resident_id",
        )
    return raw
