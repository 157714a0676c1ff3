"""Languages for what customers read: gettext catalogues, language negotiation, and dates
and money formatted for a locale. Pure: Babel and the standard library only.

English is the source language (the msgids); ``locales/<lang>/LC_MESSAGES/messages.po``
holds each translation, read and compiled in memory on first use (no .mo files, no build
step). See ``README.md`` here for extracting and updating the catalogues.
"""

from __future__ import annotations

from oms.i18n.catalogues import N_, SUPPORTED, translations
from oms.i18n.formatting import format_date, format_datetime, format_money
from oms.i18n.negotiation import negotiate

__all__ = [
    "N_",
    "SUPPORTED",
    "format_date",
    "format_datetime",
    "format_money",
    "negotiate",
    "translations",
]
