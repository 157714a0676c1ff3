"""Customer contact details reduced to the keys one person is matched by: pure, no I/O."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D")


def email_key(email: str | None) -> str | None:
    """Case and surrounding spaces never tell two mailboxes apart in practice."""
    if email is None:
        return None
    key = email.strip().lower()
    return key or None


def phone_key(phone: str | None, default_country_code: str = "44") -> str | None:
    """Digits in international form: "+44 7700 900123", "0044 7700 900123" and
    "07700 900123" (national, in the default country) are the same phone."""
    if phone is None:
        return None
    raw = phone.strip()
    digits = _NOT_DIGITS.sub("", raw)
    if not digits:
        return None
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+" + default_country_code + digits[1:]
    return "+" + digits
