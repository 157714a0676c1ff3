"""A store's opening hours in a reader's language: one line per weekday."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oms.i18n.catalogues import N_, translations
from oms.i18n.formatting import format_time_of_day, weekday_names

_UNTIL = "\u2013"  # an en dash between opening and closing times
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def opening_hours(hours: Any, lang: str) -> list[tuple[str, str]]:
    """``{"mon": [["09:00", "17:30"]], ...}`` as (weekday, hours) per day, Monday first, in
    ``lang``; a day without periods reads "closed". Text instead of a mapping is one line
    with an empty weekday; nothing gives no lines."""
    if not isinstance(hours, Mapping):
        return [("", " ".join(str(hours).split()))] if hours else []
    closed = translations(lang).gettext(N_("closed"))
    lines = []
    for key, name in zip(_WEEKDAYS, weekday_names(lang), strict=True):
        periods = hours.get(key) or []
        said = ", ".join(
            format_time_of_day(opens, lang) + _UNTIL + format_time_of_day(closes, lang)
            for opens, closes in periods
        )
        lines.append((name, said or closed))
    return lines
