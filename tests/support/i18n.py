"""What Babel writes for a moment on customer pages and messages: the medium date and the
short time, joined the way the language joins them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format


def babel_moment(moment: datetime, tz: str, lang: str) -> str:
    zone = ZoneInfo(tz)
    return (
        str(get_datetime_format("medium", locale=lang))
        .replace("'", "")
        .replace("{1}", format_date(moment.astimezone(zone).date(), "medium", locale=lang))
        .replace("{0}", format_time(moment, "short", tzinfo=zone, locale=lang))
    )
