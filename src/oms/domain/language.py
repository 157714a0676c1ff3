"""The customer's language tag an order carries (BCP 47, e.g. "ro" or "pt-BR"): pure, no I/O.

One definition of a well-formed tag, for the orders API's strict schema
(``oms.orders.schemas.LanguageTag``) and for partners' payloads, which are read leniently.
"""

from __future__ import annotations

import re

from oms.domain.patterns import whole

TAG_PATTERN = whole(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
TAG_MAX_LENGTH = 35  # sales_order.language
_TAG = re.compile(TAG_PATTERN)


def language_tag(value: object) -> str | None:
    """``value`` as a tag the orders API accepts, else None (absent, not text, malformed,
    too long). A partner's language only chooses which words the customer reads, so a poor
    one is dropped instead of refusing the whole order."""
    if not isinstance(value, str):
        return None
    tag = value.strip()
    if len(tag) > TAG_MAX_LENGTH or _TAG.fullmatch(tag) is None:
        return None
    return tag
