"""GTIN check digits and normal form, against published example barcodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.domain import gtin

# Published examples of each length, all with a correct check digit.
VALID = {
    8: ["96385074", "73513537"],
    12: ["036000291452", "012345678905"],
    13: ["4006381333931", "5901234123457"],
    14: ["10012345678902", "00012345678905"],
}


@pytest.mark.parametrize(
    "code", [code for codes in VALID.values() for code in codes], ids=lambda c: f"{len(c)}-{c}"
)
def test_valid_codes_of_every_length_pass(code: str) -> None:
    assert gtin.is_valid(code)
    assert gtin.normalise(code) == code


@pytest.mark.parametrize(
    "code", [code for codes in VALID.values() for code in codes], ids=lambda c: f"{len(c)}-{c}"
)
def test_every_other_last_digit_fails(code: str) -> None:
    for digit in "0123456789":
        if digit != code[-1]:
            wrong = code[:-1] + digit
            assert not gtin.is_valid(wrong)
            with pytest.raises(gtin.InvalidGtin, match="check digit"):
                gtin.normalise(wrong)


@pytest.mark.parametrize(
    ("body", "expected"),
    [("9638507", 4), ("03600029145", 2), ("400638133393", 1), ("1001234567890", 2)],
)
def test_check_digit(body: str, expected: int) -> None:
    assert gtin.check_digit(body) == expected


def test_spaces_are_removed() -> None:
    assert gtin.normalise(" 4 006381 333931 ") == "4006381333931"
    assert gtin.normalise("0360\t0029 1452") == "036000291452"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "8, 12, 13 or 14"),
        ("1234567", "8, 12, 13 or 14"),  # seven digits
        ("40063813339", "8, 12, 13 or 14"),  # eleven digits
        ("400638133393100", "8, 12, 13 or 14"),  # fifteen digits
        ("400638133393A", "only digits"),
        ("4006-381333931", "only digits"),
        ("٤٠٠٦٣٨١٣٣٣٩٣١", "only digits"),  # Arabic-Indic digits are not barcode digits
        ("00000000", "all zeros"),
    ],
)
def test_malformed_codes_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(gtin.InvalidGtin, match=reason):
        gtin.normalise(raw)
    assert not gtin.is_valid(raw)


def test_invalid_gtin_is_a_value_error() -> None:
    # Schema validation relies on it to report a bad barcode as a bad field.
    assert issubclass(gtin.InvalidGtin, ValueError)


def test_equivalent_spellings_of_one_item() -> None:
    assert gtin.to_gtin14("036000291452") == "00036000291452"
    assert gtin.equivalents("036000291452") == (
        "00036000291452",
        "0036000291452",
        "036000291452",
    )
    assert gtin.equivalents("96385074") == (
        "00000096385074",
        "0000096385074",
        "000096385074",
        "96385074",
    )
    assert gtin.equivalents("4006381333931") == ("04006381333931", "4006381333931")
    assert gtin.equivalents("10012345678902") == ("10012345678902",)


@given(st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_appending_the_check_digit_makes_a_valid_code(body: str) -> None:
    code = body + str(gtin.check_digit(body))
    if len(code) in gtin.LENGTHS and code.strip("0"):
        assert gtin.normalise(code) == code
        # Every spelling of it is valid too, and names the same item.
        for form in gtin.equivalents(code):
            assert gtin.is_valid(form)
            assert gtin.to_gtin14(form) == gtin.to_gtin14(code)
    else:
        assert not gtin.is_valid(code)
