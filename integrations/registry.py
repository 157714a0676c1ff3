"""Which adapter serves which channel kind. Empty until the first adapter lands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# channel adapter kind (e.g. "shopify") -> factory building the adapter from its settings
ADAPTERS: dict[str, Callable[..., Any]] = {}


def adapter_for(kind: str) -> Callable[..., Any]:
    try:
        return ADAPTERS[kind]
    except KeyError:
        raise LookupError(f"no channel adapter registered for {kind!r}") from None
