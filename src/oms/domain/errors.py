"""Domain errors: what went wrong, in business terms, with a stable code.

Services raise these; the HTTP layer maps each class to a status and renders RFC 9457
problem+json. Nothing here knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    title = "The request could not be completed"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class AlreadyExists(DomainError):
    code = "already_exists"
    title = "Already exists"


class InvalidInput(DomainError):
    code = "invalid_input"
    title = "Invalid input"


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    title = "Not enough stock available"


class InvalidState(DomainError):
    code = "invalid_state"
    title = "Not allowed in the current state"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    title = "Idempotency-Key reused with a different request"


class Contended(DomainError):
    """Other requests kept taking the same stock while this one re-planned: try again."""

    code = "busy"
    title = "Too many concurrent changes to the same stock"
    retry_after = 1  # seconds


class RateLimited(DomainError):
    """Too many requests from one caller (or for one key) in the current window."""

    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = max(1, retry_after)  # seconds


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed for this token"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Missing or invalid API token"


class PickupCodeLocked(DomainError):
    """Too many wrong pickup codes: no code is accepted until a store manager unlocks it."""

    code = "pickup_code_locked"
    title = "The pickup code is locked"
