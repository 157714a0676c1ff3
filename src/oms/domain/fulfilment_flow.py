"""The fulfilment state machine, short-pick reasons and pickup codes: pure, no I/O.

A fulfilment moves ``pending -> picking -> packed`` and then either ``shipped`` (methods
``ship`` and ``transfer``) or ``ready_for_pickup -> picked_up`` (method ``pickup``). It can
be ``rejected`` (short picked, with a reason) while work is still being done, and
``cancelled`` until the goods have left (a pickup on the shelf may still be cancelled, e.g.
when nobody collects it).
"""

from __future__ import annotations

import enum
import hmac
import secrets
from collections.abc import Mapping
from typing import Literal, get_args

from oms.domain.errors import InvalidInput, InvalidState

# The one definition of the fulfilment vocabulary. The table's CHECK constraints
# (``db/models/fulfilment.py``), the API's ``FulfilmentOut`` (``orders/schemas.py``) and the
# state lists SQL statements bind (``= ANY(:states)``) all come from here;
# ``tests/domain/unit/test_fulfilment_vocabulary.py`` fails when one of them drifts.
State = Literal[
    "pending",
    "picking",
    "packed",
    "shipped",
    "ready_for_pickup",
    "picked_up",
    "rejected",
    "cancelled",
]
Method = Literal["ship", "pickup", "transfer"]
# In flow order (the order the CHECK constraints list them in).
STATES: tuple[State, ...] = get_args(State)
METHODS: tuple[Method, ...] = get_args(Method)

# Where work is still to be done on the shelf: stock can still turn out to be short.
WORK_STATES: frozenset[State] = frozenset({"pending", "picking", "packed"})
# Not final yet: the fulfilment still holds stock and still counts as coming.
LIVE_STATES: frozenset[State] = frozenset({"pending", "picking", "packed", "ready_for_pickup"})
# The customer has the goods.
DELIVERED_STATES: frozenset[State] = frozenset({"shipped", "picked_up"})
# Units that no longer count towards the order (given back or routed again).
DEAD_STATES: frozenset[State] = frozenset({"rejected", "cancelled"})
FINAL_STATES: frozenset[State] = DELIVERED_STATES | DEAD_STATES

_COMMON: dict[str, tuple[str, ...]] = {
    "pending": ("picking", "rejected", "cancelled"),
    "picking": ("packed", "rejected", "cancelled"),
    "ready_for_pickup": ("picked_up", "cancelled"),
}
# What follows ``packed`` depends on how the goods leave the store.
_AFTER_PACKED: dict[str, tuple[str, ...]] = {
    "ship": ("shipped", "rejected", "cancelled"),
    "transfer": ("shipped", "rejected", "cancelled"),
    "pickup": ("ready_for_pickup", "rejected", "cancelled"),
}


class PickupCodeMismatch(InvalidInput):
    """The code the customer showed is not the fulfilment's code (nothing was changed)."""

    code = "pickup_code_mismatch"
    title = "The pickup code does not match"


def allowed_next(state: str, method: str) -> tuple[str, ...]:
    """The states a fulfilment in ``state`` with ``method`` may move to, in flow order."""
    if state == "packed":
        return _AFTER_PACKED.get(method, ())
    if state == "ready_for_pickup" and method != "pickup":
        return ()
    return _COMMON.get(state, ())


def check_transition(
    current: str, target: str, method: str, *, awaiting_transfer: bool = False
) -> None:
    """Raise ``InvalidState`` unless ``current -> target`` is allowed for ``method``.

    ``awaiting_transfer``: a pickup whose stock is still on its way from another location
    has nothing to pick yet, so it may not start picking (it may still be cancelled).
    """
    allowed = allowed_next(current, method)
    if target not in allowed:
        options = ", ".join(allowed) if allowed else "none (it is final)"
        raise InvalidState(
            f"a {method} fulfilment cannot go from {current} to {target}; allowed next: {options}",
            state=current,
            target=target,
            allowed=list(allowed),
        )
    if awaiting_transfer and target == "picking":
        raise InvalidState(
            "this pickup is waiting for its transfer to arrive; it cannot be picked yet",
            state=current,
            target=target,
            allowed=[s for s in allowed if s != "picking"],
        )


def check_short_pick(current: str, method: str) -> None:
    """Short picks happen while the goods are still being gathered."""
    if current not in WORK_STATES:
        raise InvalidState(
            f"a {method} fulfilment that is {current} cannot be short picked;"
            f" only {', '.join(sorted(WORK_STATES))} ones can",
            state=current,
        )


# ---- short-pick reasons ------------------------------------------------------------------


class StockEffect(enum.StrEnum):
    """What a short pick does to the level of the short SKU at the store."""

    COUNT_ZERO = "count_zero"  # nothing left on the shelf: record a count
    DAMAGE = "damage"  # the short units exist but are unfit: write them off
    FLAG_COUNT = "flag_count"  # unclear: no change, ask for a count
    NONE = "none"  # the stock is fine (e.g. the store had no time): no change


DEFAULT_SHORT_PICK_EFFECTS: Mapping[str, StockEffect] = {
    "not_found": StockEffect.COUNT_ZERO,
    "damaged": StockEffect.DAMAGE,
    "wrong_item": StockEffect.FLAG_COUNT,
    "other": StockEffect.FLAG_COUNT,
    "no_capacity": StockEffect.NONE,
}


def short_pick_effect(
    reason: str, effects: Mapping[str, StockEffect] = DEFAULT_SHORT_PICK_EFFECTS
) -> StockEffect:
    """The stock effect of a reason code; unknown codes are refused, naming the known ones."""
    effect = effects.get(reason)
    if effect is None:
        raise InvalidInput(
            f"unknown short-pick reason {reason!r}; use one of {', '.join(sorted(effects))}",
            reason=reason,
            known=sorted(effects),
        )
    return effect


def parse_effects(raw: Mapping[str, str]) -> dict[str, StockEffect]:
    """Build a reason -> effect mapping from configuration text (``{"lost": "count_zero"}``)."""
    try:
        return {reason: StockEffect(effect) for reason, effect in raw.items()}
    except ValueError as exc:
        known = ", ".join(e.value for e in StockEffect)
        raise ValueError(f"short-pick effects must be one of {known}: {exc}") from None


# ---- pickup codes ------------------------------------------------------------------------

# No 0/O, 1/I/L or 5/S, 2/Z, 8/B: read aloud or off a phone screen they get confused.
PICKUP_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
PICKUP_CODE_LENGTH = 6


def new_pickup_code() -> str:
    """A fresh code from the secrets module: ``PICKUP_CODE_LENGTH`` characters of the alphabet."""
    return "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))


def normalise_pickup_code(given: str) -> str:
    """What a person types: any case, with spaces or dashes between groups."""
    return "".join(ch for ch in given.upper() if ch not in " -")


def pickup_code_matches(given: str, expected: str | None) -> bool:
    """Constant-time comparison, so response timing does not reveal a correct prefix."""
    if not expected:
        return False
    return hmac.compare_digest(
        normalise_pickup_code(given).encode("utf-8"), expected.encode("utf-8")
    )


# ---- wrong pickup codes ------------------------------------------------------------------

# Six characters from 25 make 244 million codes: a handful of tries at the counter cannot
# find one, a patient stranger with a script could. So a code takes a few wrong tries
# (``OMS_PICKUP_CODE_ATTEMPTS``) and is then locked; a manager, who can check the
# customer's ID, unlocks it or hands over with a reason.


def pickup_code_locks(failures: int, attempts: int) -> bool:
    """Whether ``failures`` wrong codes lock a code that allows ``attempts``."""
    return failures >= attempts


def pickup_code_attempts_left(failures: int, attempts: int) -> int:
    """Wrong codes still allowed before the code locks; never negative."""
    return max(0, attempts - failures)
