"""The gettext catalogues, loaded with Babel from the .po files and cached per process."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED = ("en", "ro", "ru", "ka")
SOURCE = "en"
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:  # the name extraction looks for
    """Marks ``message`` for extraction and returns it untranslated: for texts defined
    once (module constants) and translated where they are shown."""
    return message


def catalogue_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> Translations:
    """``lang``'s translations (``gettext``, ``ngettext``, ...). English, and any language
    we have no catalogue for, gets the source texts unchanged."""
    if lang == SOURCE or lang not in SUPPORTED:
        return Translations()
    with catalogue_path(lang).open("rb") as po:
        catalogue = read_po(po, locale=lang, domain=DOMAIN)
    # Compiled in memory: fuzzy entries are left out, so an unreviewed guess never shows.
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)
