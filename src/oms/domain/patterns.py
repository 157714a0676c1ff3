"""Patterns for a whole value, as the API's schemas check them.

msgspec checks a ``Meta(pattern=...)`` with Python's ``re.search``, where ``$`` also
matches just before a final newline: ``^[A-Z]{3}$`` takes "GBP\\n", and a code or an
external id with a newline on its end would be stored as another one. A lookahead for
"no character at all" ends the text in Python and in the ECMA dialect that readers of the
OpenAPI document run the same patterns with.
"""

from __future__ import annotations

END = r"(?![\s\S])"


def whole(body: str) -> str:
    """A pattern matching ``body`` as the entire value, nothing before or after it."""
    return rf"^(?:{body}){END}"
