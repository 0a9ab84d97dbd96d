"""Resident identity numbers (居民身份证号码, GB 11643-1999): 18 characters, a real birth
date, a check character (R-4.3; issue #5 "invalid ID numbers")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongkai.core.validators import normalize_resident_id, resident_id_check_char

# First 17 characters: region, birth date, sequence.
FIRST17 = [
    "11010519491231002",  # check character X
    "12011619850315003",
    "44030420001229123",
    "65010219700101001",
    "31011520040229456",  # 29 February of a leap year
]


def _valid(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_check_characters_follow_gb_11643():
    """The published example 11010519491231002X ends in X."""
    assert resident_id_check_char("11010519491231002") == "X"
    assert {resident_id_check_char(f) for f in FIRST17} <= set("0123456789X")


@pytest.mark.parametrize("first17", FIRST17)
def test_valid_numbers_are_accepted(first17):
    """GB 11643: 17 digits with a real birth date and the right check character."""
    number = _valid(first17)
    assert normalize_resident_id(number) == number


def test_a_lower_case_x_and_spaces_are_accepted_and_normalised():
    """A lower-case x and spaces, as people type them, give the same stored number."""
    assert normalize_resident_id("11010519491231002x") == "11010519491231002X"
    assert normalize_resident_id(" 110105 19491231 002x ") == "11010519491231002X"


def test_full_width_digits_typed_with_a_chinese_input_method_are_normalised():
    """A number typed in full width (１１０１…Ｘ, common with Chinese input methods) is the
    same number: stored in ASCII, so the same applicant is recognised again (blind index)."""
    for number in ("11010519491231002x", _valid(FIRST17[1])):
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
        assert normalize_resident_id(full_width) == number.upper()


def test_digits_of_other_scripts_are_refused():
    """Only the digits 0-9 (Python's \\d also matches e.g. Arabic-Indic digits)."""
    arabic_indic = "".join(chr(0x660 + int(c)) if c.isdigit() else c for c in "11010519491231002X")
    with pytest.raises(ValidationError):
        normalize_resident_id(arabic_indic)


@pytest.mark.parametrize("first17", FIRST17)
def test_a_wrong_check_character_is_refused(first17):
    """Every check character but the right one is refused (a mistyped digit is caught)."""
    right = resident_id_check_char(first17)
    for wrong in "0123456789X":
        if wrong == right:
            continue
        with pytest.raises(ValidationError) as excinfo:
            normalize_resident_id(first17 + wrong)
        assert excinfo.value.code == "resident_id"


def test_old_fifteen_digit_numbers_are_refused():
    """The 15-digit first-generation numbers are no longer valid documents."""
    with pytest.raises(ValidationError):
        normalize_resident_id("110105491231002")


@pytest.mark.parametrize(
    "first17",
    [
        "11010519490230002",  # 30 February
        "11010520230229002",  # 29 February of a common year
        "11010519491301002",  # month 13
        "11010519490000002",  # month 0, day 0
        "11010518991231002",  # before 1900
    ],
)
def test_impossible_birth_dates_are_refused_even_with_a_right_check_character(first17):
    """The birth date inside the number must exist and be from 1900 on, whatever the check
    character."""
    with pytest.raises(ValidationError):
        normalize_resident_id(_valid(first17))


@pytest.mark.parametrize(
    "value", ["", "X", "1101051949123100", "1101051949123100XX", "11010519491231002Y", "１１０１"]
)
def test_other_shapes_are_refused(value):
    """Too short, too long, a wrong last letter or other characters: refused."""
    with pytest.raises(ValidationError):
        normalize_resident_id(value)


def test_the_message_is_translatable_and_names_the_check_digit():
    """The message tells the applicant what a valid number looks like."""
    with pytest.raises(ValidationError) as excinfo:
        normalize_resident_id("110105194912310021")
    assert "check digit" in str(excinfo.value.messages[0]) or "校验" in str(
        excinfo.value.messages[0]
    )
