"""A request's fingerprint: a digest of what it says, not of how it was written.

The decoded, typed value is encoded canonically (struct fields and object keys sorted, no
whitespace), so two bodies that decode to the same request have the same fingerprint
whatever their key order, spacing or escapes, and a different value gives another one.
"""

from __future__ import annotations

import hashlib

import msgspec


def canonical(value: object) -> bytes:
    """``value`` as canonical JSON."""
    return msgspec.json.encode(value, order="sorted")


def fingerprint(value: object, *, scope: bytes = b"") -> bytes:
    """SHA-256 of ``scope`` (e.g. method and path) and the canonical form of ``value``."""
    return hashlib.sha256(scope + b"\n" + canonical(value)).digest()
