"""Which supported language a reader gets: the order's, else their browser's, else English."""

from __future__ import annotations

from babel.core import negotiate_locale

from oms.i18n.catalogues import SOURCE, SUPPORTED

# Headers longer than this are cut: nobody prefers dozens of languages, and parsing is
# kept cheap for any header a client sends.
_MAX_HEADER = 1000
_MAX_RANGES = 30


def supported(tag: str | None) -> str | None:
    """The supported language ``tag`` names by its primary subtag ("ro-MD" → "ro"), if any."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED else None


def preferred_languages(accept_language: str | None) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most preferred first (by
    q-value, then the order given); ``q=0`` ("not this one") and malformed ranges left out."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "")[:_MAX_HEADER].split(",")):
        if position >= _MAX_RANGES:
            break
        tag, *params = (piece.strip() for piece in part.split(";"))
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(order_language: str | None, accept_language: str | None) -> str:
    """The order's language when supported, else the best supported one the reader's
    ``Accept-Language`` asks for, else English."""
    chosen = supported(order_language)
    if chosen is not None:
        return chosen
    # Babel matches a full tag first, then its primary subtag ("ro-MD" → "ro").
    best = negotiate_locale(preferred_languages(accept_language), SUPPORTED, sep="-")
    return supported(best) or SOURCE
