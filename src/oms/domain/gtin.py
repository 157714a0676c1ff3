"""GTIN barcodes (GTIN-8, UPC-A / GTIN-12, EAN-13, GTIN-14): check digit and normal form.

A barcode is kept as the digits that were scanned or typed, but the same trade item can be
written at several lengths (a UPC-A is an EAN-13 with a leading zero, and every GTIN is a
GTIN-14 once zero-padded on the left). ``equivalents`` lists those spellings so uniqueness
and look-ups treat them as one item.
"""

from __future__ import annotations

LENGTHS = (8, 12, 13, 14)


class InvalidGtin(ValueError):
    """Not a GTIN. A ``ValueError``, so schema validation reports it as a bad field."""


def check_digit(body: str) -> int:
    """The check digit for ``body`` (the digits before it): weights 3, 1, 3 ... from the right."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalise(raw: str) -> str:
    """The digits of a valid GTIN, spaces removed; raises ``InvalidGtin`` saying why not."""
    digits = "".join(raw.split())
    if not all("0" <= c <= "9" for c in digits):  # str.isdigit also accepts "²", "٣" ...
        raise InvalidGtin(f"barcode {raw!r} must contain only digits")
    if len(digits) not in LENGTHS:
        raise InvalidGtin(f"barcode {raw!r} must have 8, 12, 13 or 14 digits, not {len(digits)}")
    if digits.count("0") == len(digits):
        raise InvalidGtin(f"barcode {raw!r} is all zeros")
    expected = check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise InvalidGtin(f"barcode {raw!r} has a wrong check digit (expected {expected})")
    return digits


def is_valid(raw: str) -> bool:
    """Whether ``normalise`` accepts ``raw``: 8, 12, 13 or 14 digits with a right check digit."""
    try:
        normalise(raw)
    except InvalidGtin:
        return False
    return True


def to_gtin14(gtin: str) -> str:
    """The 14-digit form of a normalised GTIN: one spelling per trade item."""
    return gtin.zfill(14)


def equivalents(gtin: str) -> tuple[str, ...]:
    """Every length at which a normalised GTIN can be written, the 14-digit form first."""
    full = to_gtin14(gtin)
    forms = [full]
    for length in LENGTHS[-2::-1]:  # 13, 12, 8
        padding = full[: 14 - length]
        if padding.count("0") == len(padding):
            forms.append(full[14 - length :])
    return tuple(forms)
