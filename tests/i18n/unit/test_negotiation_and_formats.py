"""The reader's language (the order's, else the browser's best, else English) and dates,
times and money as Babel writes them for it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.numbers import format_currency

from oms.i18n import format_date, format_datetime, format_money, negotiate
from oms.i18n.hours import opening_hours
from tests.support.i18n import babel_moment


@pytest.mark.parametrize(
    ("order", "accept", "expected"),
    [
        ("ro", "ru", "ro"),  # the order's language first
        ("ro-MD", None, "ro"),  # matched by its primary subtag
        ("KA-ge", None, "ka"),
        ("de", "ru", "ru"),  # not one we speak: the browser's
        (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, "de-DE, ka;q=0.3, ro;q=0.7", "ro"),  # by q-value, not by order
        (None, "en;q=0.2, ru;q=0.2", "en"),  # equal q: the order given
        (None, "ru;q=0, ro;q=0.1", "ro"),  # q=0 means "not this one"
        (None, "*", "en"),
        (None, "de, fr", "en"),
        (None, "ru;q=abc, ka", "ka"),  # a malformed q counts as 0
        (None, ";;,,", "en"),
        (None, "", "en"),
        (None, None, "en"),
    ],
)
def test_negotiate(order: str | None, accept: str | None, expected: str) -> None:
    assert negotiate(order, accept) == expected


def test_an_endless_header_is_cut_short() -> None:
    assert negotiate(None, "de, " * 10_000 + "ru") == "en"


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [
        (123456, "GBP", Decimal("1234.56")),
        (1999, "JPY", Decimal("1999")),  # no minor units
        (12345, "KWD", Decimal("12.345")),  # three decimals
        (5, "EUR", Decimal("0.05")),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ro", "ru", "ka"])
def test_money_from_minor_units(amount: int, currency: str, value: Decimal, lang: str) -> None:
    assert format_money(amount, currency, lang) == format_currency(value, currency, locale=lang)


def test_romanian_money_groups_and_decimals_its_own_way() -> None:
    assert format_money(123456, "EUR", "ro") == format_currency(
        Decimal("1234.56"), "EUR", locale="ro"
    )
    assert format_money(123456, "EUR", "ro") != format_money(123456, "EUR", "en")


def test_dates_and_times_in_the_given_time_zone() -> None:
    # 22:30 UTC on 5 December is already 6 December in Tbilisi (UTC+4).
    moment = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)
    tbilisi = ZoneInfo("Asia/Tbilisi")
    for lang in ("en", "ro", "ru", "ka"):
        said = format_datetime(moment, lang, "Asia/Tbilisi")
        assert said == babel_moment(moment, "Asia/Tbilisi", lang)
        # The medium day and the short time (no seconds), both in Tbilisi.
        assert babel_date(date(2026, 12, 6), "medium", locale=lang) in said
        assert babel_time(moment, "short", tzinfo=tbilisi, locale=lang) in said
        assert ":00" not in said.replace(
            babel_time(moment, "short", tzinfo=tbilisi, locale=lang), ""
        )
        assert format_date(moment, lang, "Asia/Tbilisi") == babel_date(
            date(2026, 12, 6), "long", locale=lang
        )
    assert format_date(date(2026, 12, 5), "ru") == babel_date(
        date(2026, 12, 5), "long", locale="ru"
    )
    assert "декабря" in format_date(date(2026, 12, 5), "ru")


def test_kept_pieces_never_mix_time_zones_lengths_or_languages() -> None:
    # Days and clock times are formatted once and kept: the same instant asked for in
    # other zones, lengths and languages, in any order, must still come out as Babel says.
    moment = datetime(2026, 3, 29, 0, 45, 30, tzinfo=UTC)  # London's clocks go forward at 1:00
    asked = [
        (lang, tz, length)
        for length in ("short", "medium")
        for tz in ("Europe/London", "Asia/Tbilisi", "America/New_York", "Europe/London")
        for lang in ("en", "ka", "en")
    ]
    for lang, tz, length in asked:
        zone = ZoneInfo(tz)
        said = format_datetime(moment, lang, tz, time_format=length)  # type: ignore[arg-type]
        assert babel_time(moment, length, tzinfo=zone, locale=lang) in said
        assert babel_date(moment.astimezone(zone).date(), "medium", locale=lang) in said
    assert format_datetime(moment, "en", "America/New_York").startswith("Mar 28, 2026")
    assert format_datetime(moment, "en", "Asia/Tbilisi").startswith("Mar 29, 2026")


def test_opening_hours_name_the_days_and_times_in_the_language() -> None:
    hours = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "16:00"]]}
    english = opening_hours(hours, "en")
    assert english[0] == ("Mon", "9:00\u202fAM\u20131:00\u202fPM, 2:00\u202fPM\u20136:00\u202fPM")
    assert english[1] == ("Tue", "closed")
    russian = opening_hours(hours, "ru")
    assert russian[0] == ("пн", "09:00\u201313:00, 14:00\u201318:00")
    assert russian[6] == ("вс", "выходной")
    assert opening_hours("by appointment", "ka") == [("", "by appointment")]
    assert opening_hours(None, "ro") == []
