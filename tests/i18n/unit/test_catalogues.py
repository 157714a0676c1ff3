"""Every catalogue translates every text the code and the templates use, completely and
reviewed (no empty or fuzzy entry), with the same placeholders as the English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from oms.i18n import SUPPORTED, translations
from oms.i18n.catalogues import catalogue_path

ROOT = Path(__file__).parents[3]
TRANSLATED = [lang for lang in SUPPORTED if lang != "en"]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def source_msgids() -> set[str | tuple[str, str]]:
    """What the English source uses: Babel's extraction over babel.cfg, as pybabel does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        # Babel's own reader of the file pybabel reads (it has no type hints).
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))  # type: ignore[no-untyped-call]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "N_": None,
    }
    found: set[str | tuple[str, str]] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalogue(lang: str) -> Catalog:
    with catalogue_path(lang).open("rb") as po:
        return read_po(po, locale=lang)


def test_the_source_has_texts_to_translate() -> None:
    used = source_msgids()
    # From Python (N_ and gettext) and from the tracking page's templates.
    for msgid in ("In progress", "Order placed", "Your pickup code: %(code)s", "Show on map"):
        assert msgid in used, msgid


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_msgid_the_source_uses_is_translated(lang: str) -> None:
    entries = {
        (m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m for m in catalogue(lang) if m.id
    }
    missing = sorted(str(msgid) for msgid in source_msgids() if msgid not in entries)
    assert not missing, f"{lang} lacks: {missing}"
    for msgid, message in entries.items():
        assert not message.fuzzy, f"{lang}: {msgid!r} is fuzzy"
        given = message.string
        strings = [str(s or "") for s in given] if isinstance(given, tuple | list) else [given]
        assert all(s and s.strip() for s in strings), f"{lang}: {msgid!r} is not translated"
        english = msgid if isinstance(msgid, str) else msgid[1]
        for said in strings:
            assert said is not None
            assert set(_PLACEHOLDER.findall(said)) == set(_PLACEHOLDER.findall(english)), (
                f"{lang}: {msgid!r} has other placeholders: {said!r}"
            )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_are_the_languages(lang: str) -> None:
    loaded = catalogue(lang)
    plural = next(m for m in loaded if m.id and not isinstance(m.id, str))
    assert isinstance(plural.string, tuple)
    assert len(plural.string) == loaded.num_plurals


def test_translations_are_loaded_from_the_catalogues() -> None:
    assert translations("ro").gettext("Order placed") == "Comandă plasată"
    assert translations("ru").gettext("Order placed") == "Заказ оформлен"
    assert translations("ka").gettext("Order placed") == "შეკვეთა გაფორმდა"
    # Russian has three plural forms: 1 секунду, 3 секунды, 5 секунд.
    seconds = (
        "There were too many requests from your connection. Please try again in %(num)d second.",
        "There were too many requests from your connection. Please try again in %(num)d seconds.",
    )
    assert [translations("ru").ngettext(*seconds, n).split()[-1] for n in (1, 3, 5)] == [
        "секунду.",
        "секунды.",
        "секунд.",
    ]
    # English is the source; a language without a catalogue reads it too.
    assert translations("en").gettext("Order placed") == "Order placed"
    assert translations("de").gettext("Order placed") == "Order placed"
    assert translations("ro") is translations("ro")  # compiled once per process
