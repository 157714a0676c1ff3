"""The language tag read leniently from partners is exactly what the orders API accepts."""

from __future__ import annotations

import msgspec
import pytest

from oms.domain.language import language_tag
from oms.orders.schemas import LanguageTag

TAGS = ["en", "ro", "ka", "fr-CA", "pt-BR", "zh-Hant-TW", "sr-Latn-RS", "gsw", "es-419"]
NOT_TAGS = ["", "e", "engl", "en_GB", "en-", "-en", "en--GB", "en-G", "en GB", "ქა", "x" * 36]


def _schema_accepts(value: str) -> bool:
    try:
        msgspec.convert(value, LanguageTag)
    except msgspec.ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", TAGS + NOT_TAGS)
def test_the_lenient_reading_and_the_api_schema_agree(value: str) -> None:
    assert (language_tag(value) == value) is _schema_accepts(value)
    assert (language_tag(value) is None) is not _schema_accepts(value)


def test_surrounding_spaces_are_trimmed() -> None:
    assert language_tag("  ro-MD\n") == "ro-MD"


@pytest.mark.parametrize("value", [None, 42, 4.2, True, ["en"], {"tag": "en"}])
def test_anything_but_text_is_no_tag(value: object) -> None:
    assert language_tag(value) is None
