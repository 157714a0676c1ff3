"""Dates, times and money written the way a language's readers expect (Babel's CLDR data)."""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers

Length = Literal["full", "long", "medium", "short"]  # CLDR's pattern lengths
# CLDR's long and full times name the time zone; the short and medium ones never do, which is
# what lets a clock time be formatted (and cached) from the local time alone.
ClockLength = Literal["medium", "short"]


@functools.cache
def _locale(lang: str) -> Locale:
    # Babel parses a locale given by name on every call (a tracking page formats a dozen
    # dates): parse each language once per process and hand Babel the parsed locale.
    return Locale.parse(lang)


# A page shows a dozen moments and a store's hours, mostly on the same few days and at the
# same few clock times, and Babel walks the locale data for every field it writes: the
# pieces are formatted once per language and kept (bounded: days and minutes of a day).
_PIECES_KEPT = 4096


def format_datetime(
    moment: datetime,
    lang: str,
    tz: str,
    *,
    date_format: Length = "medium",
    time_format: ClockLength = "short",
) -> str:
    """``moment`` in time zone ``tz`` (e.g. the store's): the day and the time joined the
    way ``lang`` joins them, e.g. "Dec 5, 2026, 2:05 PM" or "5 dec. 2026, 14:05". Babel's
    own ``format_datetime`` takes one length for both, and its medium time has seconds."""
    local = moment.astimezone(ZoneInfo(tz))
    day = _day(local.date(), lang, date_format)
    clock = _clock(local.time().replace(microsecond=0), lang, time_format)
    return _joiner(lang, date_format).replace("{1}", day).replace("{0}", clock)


@functools.lru_cache(maxsize=_PIECES_KEPT)
def _day(day: date, lang: str, length: Length) -> str:
    return dates.format_date(day, format=length, locale=_locale(lang))


@functools.lru_cache(maxsize=_PIECES_KEPT)
def _clock(clock: time, lang: str, length: ClockLength) -> str:
    return dates.format_time(clock, format=length, locale=_locale(lang))


@functools.cache
def _joiner(lang: str, length: Length) -> str:
    """How ``lang`` joins a day ({1}) and a time ({0}), its quotes taken out."""
    return str(dates.get_datetime_format(length, locale=_locale(lang))).replace("'", "")


def format_date(
    day: date | datetime, lang: str, tz: str | None = None, *, format: Length = "long"
) -> str:
    """A day, e.g. "5 December 2026"; a datetime is first taken to ``tz`` (its own day there)."""
    if isinstance(day, datetime):
        day = day.astimezone(ZoneInfo(tz)).date() if tz else day.date()
    return _day(day, lang, format)


def format_money(amount_minor: int, currency: str, lang: str) -> str:
    """An amount in minor units (pence, cents), e.g. 1999 GBP → "£19.99" in English; the
    currency's own number of decimals (0 for JPY, 3 for KWD) comes from Babel."""
    digits = numbers.get_currency_precision(currency)
    amount = Decimal(amount_minor).scaleb(-digits)
    return numbers.format_currency(amount, currency, locale=_locale(lang))


def format_time_of_day(hhmm: str, lang: str) -> str:
    """An opening or closing time given as "HH:MM", e.g. "09:00" → "9:00 AM" in English."""
    return _clock(time.fromisoformat(hhmm), lang, "short")


@functools.cache
def weekday_names(lang: str) -> tuple[str, ...]:
    """Monday to Sunday, abbreviated in ``lang`` ("Mon", "lun.", "пн", "ორშ")."""
    names = dates.get_day_names("abbreviated", locale=_locale(lang))
    return tuple(str(names[day]) for day in range(7))


def country_name(code: str, lang: str) -> str:
    """An ISO 3166 country code in ``lang`` ("GB" → "Regatul Unit" in Romanian); an unknown
    code is kept as given."""
    return str(_locale(lang).territories.get(code.upper(), code))
