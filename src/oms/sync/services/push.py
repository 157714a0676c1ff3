"""One sync pass of one channel: publish what changed, in the partner's batch size.

The pass claims due listings (``leases``), computes what each would publish now
(``quantities``), skips values the partner already shows, pushes the rest, and records
every outcome per listing. It never holds a database transaction across a partner call.

How partner answers are treated:
- throttled (429, Shopify ``THROTTLED``): the channel pauses for Retry-After (or a
  backoff), the listings are given back untouched; nothing counts as a failure;
- unavailable (5xx, time-out) or refused credentials: every listing in hand is retried
  later with backoff (stored per listing), and the channel shows the error;
- one item rejected: that listing records the error and retries with backoff; the
  others in the call are unaffected;
- stale (compare-and-swap: the partner sold units we have not heard of yet): never
  overwrite. Take in the partner's recent orders first, read what it shows now, recompute,
  and push again against that value; so a sale the channel made is never re-sold.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.domain.channel_sync import (
    ChannelAdapter,
    Partner,
    PartnerConfigError,
    PartnerThrottled,
    PartnerUnavailable,
    PushResult,
    QuantityUpdate,
    retry_delay,
)
from oms.sync.services import leases, partner_state
from oms.sync.services.leases import Claimed
from oms.sync.services.quantities import quantities_now

log = logging.getLogger(__name__)

# (sessionmaker, channel code, adapter, since) -> orders taken in. The stale path calls it.
IngestRecent = Callable[
    [async_sessionmaker[AsyncSession], str, ChannelAdapter, datetime], Awaitable[int]
]
# How far back the stale path asks the partner for orders: a sale whose webhook has not
# reached us is recent (partners retry undelivered webhooks for hours; the sweep covers
# anything older).
STALE_ORDERS_LOOKBACK = timedelta(hours=1)
# A throttle without Retry-After waits this long; a partner that is down is retried
# per listing with ``retry_delay``.
DEFAULT_PAUSE_SECONDS = 2.0
# SKUs asked for item ids per call (and kept before the next call).
RESOLVE_CHUNK = 50


@dataclass(frozen=True, slots=True)
class SyncTiming:
    pass_seconds: float
    lease_seconds: float
    window_seconds: float
    timeout_seconds: float = 10.0


@dataclass
class PassReport:
    """What one pass did (for logs and tests)."""

    pushed: int = 0  # quantities the partner accepted
    unchanged: int = 0  # already right at the partner: no call needed
    failed: int = 0  # rejected items and listings hit by a failed call
    stale: int = 0  # compare-and-swap refusals repaired (or retried)
    calls: int = 0
    throttled: bool = False
    errors: list[str] = field(default_factory=list)


class _Pass:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        channel: partner_state.SyncedChannel,
        adapter: ChannelAdapter,
        ingest_recent: IngestRecent,
        timing: SyncTiming,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.channel = channel
        self.adapter = adapter
        self.ingest_recent = ingest_recent
        self.timing = timing
        self.token = uuid.uuid4()
        self.report = PassReport()
        self.unsettled: dict[int, Claimed] = {}

    async def run(self) -> PassReport:
        deadline = time.monotonic() + self.timing.pass_seconds
        try:
            while time.monotonic() < deadline:
                async with self.sessionmaker() as session, session.begin():
                    claimed = await leases.claim(
                        session,
                        self.channel.id,
                        self.token,
                        limit=self.adapter.batch_size,
                        lease_seconds=self.timing.lease_seconds,
                        window_seconds=self.timing.window_seconds,
                    )
                if not claimed:
                    break
                self.unsettled = {c.id: c for c in claimed}
                await self._publish(claimed)
        except PartnerThrottled as exc:
            await self._throttled(exc)
        except (PartnerUnavailable, PartnerConfigError) as exc:
            await self._partner_failed(exc)
        except Exception as exc:  # an adapter bug: keep the listings pending, retry later
            log.exception("sync pass failed", extra={"channel": self.channel.code})
            await self._partner_failed(exc)
        finally:
            await self._release_unsettled()
        return self.report

    async def _publish(self, claimed: Sequence[Claimed]) -> None:
        claimed = await self._resolve_items(claimed)
        async with self.sessionmaker() as session:
            wanted = await quantities_now(await session.connection(), [c.id for c in claimed])
        changed = [c for c in claimed if c.force_push or wanted[c.id] != c.published_qty]
        await self._settle_synced([(c, wanted[c.id], False) for c in claimed if c not in changed])
        updates = [self._update(c, wanted[c.id], c.published_qty) for c in changed]
        stale = await self._push(changed, updates)
        if stale:
            await self._repair_stale(stale)

    async def _resolve_items(self, claimed: Sequence[Claimed]) -> list[Claimed]:
        """Ask the partner once for item ids we lack; listings it does not know fail.

        Asked and kept a chunk at a time: a partner that throttles half-way keeps what it
        already answered, so the next pass goes on from there instead of starting over.
        """
        missing = [c for c in claimed if c.partner_item_id is None]
        resolved: dict[int, str] = {}
        for start in range(0, len(missing), RESOLVE_CHUNK):
            chunk = missing[start : start + RESOLVE_CHUNK]
            found = await self.adapter.resolve_items(
                [c.partner_sku for c in chunk], [c.partner_location_id for c in chunk]
            )
            known = {c.id: found[c.partner_sku] for c in chunk if c.partner_sku in found}
            async with self.sessionmaker() as session, session.begin():
                await leases.store_item_ids(session, self.token, known)
            resolved.update(known)
            await self._settle_failed(
                [
                    (c, f"the partner has no item with SKU {c.partner_sku!r}")
                    for c in chunk
                    if c.id not in known
                ]
            )
        unknown = {c.id for c in missing if c.id not in resolved}
        return [
            _with_item(c, resolved[c.id]) if c.id in resolved else c
            for c in claimed
            if c.id not in unknown
        ]

    def _update(self, listing: Claimed, quantity: int, previous: int | None) -> QuantityUpdate:
        return QuantityUpdate(
            listing_id=listing.id,
            sku=listing.partner_sku,
            partner_item_id=listing.partner_item_id,
            partner_location_id=listing.partner_location_id,
            quantity=quantity,
            previous=previous,
            version=listing.seq,
        )

    async def _push(
        self, listings: Sequence[Claimed], updates: Sequence[QuantityUpdate]
    ) -> list[tuple[Claimed, QuantityUpdate]]:
        """Push in batches; record ok and rejected; return the stale ones."""
        by_id = {c.id: c for c in listings}
        stale: list[tuple[Claimed, QuantityUpdate]] = []
        size = self.adapter.batch_size
        for start in range(0, len(updates), size):
            batch = updates[start : start + size]
            self.report.calls += 1
            results = await self.adapter.push(batch)
            await self._settle_results(by_id, batch, results, stale)
        return stale

    async def _settle_results(
        self,
        by_id: dict[int, Claimed],
        batch: Sequence[QuantityUpdate],
        results: Sequence[PushResult],
        stale: list[tuple[Claimed, QuantityUpdate]],
    ) -> None:
        sent = {u.listing_id: u for u in batch}
        ok = [
            (by_id[r.listing_id], sent[r.listing_id].quantity, True)
            for r in results
            if r.status == "ok"
        ]
        rejected = [
            (by_id[r.listing_id], r.error or "rejected by the partner")
            for r in results
            if r.status == "rejected"
        ]
        stale.extend(
            (by_id[r.listing_id], sent[r.listing_id]) for r in results if r.status == "stale"
        )
        async with self.sessionmaker() as session, session.begin():
            await partner_state.record_call(
                session,
                self.channel.id,
                quantities=len(batch),
                failed=len(rejected),
                outcome="stale" if len(ok) + len(rejected) < len(batch) else "ok",
            )
        self.report.pushed += len(ok)
        await self._settle_synced(ok)
        await self._settle_failed(rejected)

    async def _repair_stale(self, stale: Sequence[tuple[Claimed, QuantityUpdate]]) -> None:
        """The partner sold units we have not heard of: take its orders in, then push the
        fresh quantity against what it shows now (never our older figure)."""
        self.report.stale += len(stale)
        since = datetime.now(UTC) - STALE_ORDERS_LOOKBACK
        await self.ingest_recent(self.sessionmaker, self.channel.code, self.adapter, since)
        listings = [c for c, _ in stale]
        shown = await self.adapter.current_quantities([u for _, u in stale])
        async with self.sessionmaker() as session:
            wanted = await quantities_now(await session.connection(), [c.id for c in listings])
        unreadable = [
            (c, "the partner's quantity changed and could not be read")
            for c in listings
            if c.id not in shown
        ]
        await self._settle_failed(unreadable)
        readable = [c for c in listings if c.id in shown]
        already = [(c, shown[c.id], False) for c in readable if shown[c.id] == wanted[c.id]]
        await self._settle_synced(already)
        again = [c for c in readable if shown[c.id] != wanted[c.id]]
        updates = [self._update(c, wanted[c.id], shown[c.id]) for c in again]
        still_stale = await self._push(again, updates)
        # Sold again during the repair: try once more soon, from the top.
        await self._settle_failed(
            [(c, "the partner's quantity kept changing during the push") for c, _ in still_stale]
        )

    async def _settle_synced(self, synced: Sequence[tuple[Claimed, int, bool]]) -> None:
        if not synced:
            return
        async with self.sessionmaker() as session, session.begin():
            await leases.record_synced(session, self.token, synced)
        self.report.unchanged += sum(1 for _, _, pushed in synced if not pushed)
        for c, _, _ in synced:
            self.unsettled.pop(c.id, None)

    async def _settle_failed(self, failed: Sequence[tuple[Claimed, str]]) -> None:
        if not failed:
            return
        rows = [(c, error, retry_delay(c.attempts, random.random())) for c, error in failed]
        async with self.sessionmaker() as session, session.begin():
            await leases.record_failed(session, self.token, rows)
        self.report.failed += len(failed)
        for c, _ in failed:
            self.unsettled.pop(c.id, None)

    async def _throttled(self, exc: PartnerThrottled) -> None:
        self.report.throttled = True
        wait = exc.retry_after if exc.retry_after is not None else DEFAULT_PAUSE_SECONDS
        async with self.sessionmaker() as session, session.begin():
            await partner_state.pause(session, self.channel.id, wait)
            await partner_state.record_call(
                session, self.channel.id, quantities=0, failed=0, outcome="throttled"
            )

    async def _partner_failed(self, exc: Exception) -> None:
        refused = isinstance(exc, PartnerConfigError)
        error = f"{type(exc).__name__}: {exc}" if not refused else f"refused: {exc}"
        self.report.errors.append(error)
        async with self.sessionmaker() as session, session.begin():
            await partner_state.record_channel_error(session, self.channel.id, error)
            await partner_state.record_call(
                session,
                self.channel.id,
                quantities=0,
                failed=len(self.unsettled),
                outcome="refused" if refused else "unavailable",
            )
        await self._settle_failed([(c, error) for c in self.unsettled.values()])

    async def _release_unsettled(self) -> None:
        if self.unsettled:
            async with self.sessionmaker() as session, session.begin():
                await leases.release(session, self.token, list(self.unsettled))
            self.unsettled.clear()


def _with_item(listing: Claimed, item_id: str) -> Claimed:
    return dataclasses.replace(listing, partner_item_id=item_id)


async def sync_channel(
    sessionmaker: async_sessionmaker[AsyncSession],
    code: str,
    *,
    partners: Callable[[str], Partner],
    ingest_recent: IngestRecent,
    timing: SyncTiming,
) -> PassReport:
    """Publish the channel's due listings (one bounded pass); a no-op when the channel has
    no sync settings, is disabled or paused by its partner."""
    async with sessionmaker() as session:
        channel = await partner_state.synced_channel(session, code)
    if channel is None or not channel.enabled or channel.paused:
        return PassReport()
    try:
        adapter: ChannelAdapter = partners(channel.adapter).connect(
            channel.connection(timing.timeout_seconds)
        )
    except PartnerConfigError as exc:
        async with sessionmaker() as session, session.begin():
            await partner_state.record_channel_error(session, channel.id, f"refused: {exc}")
            # Nothing will work until someone fixes the settings: do not spin on it.
            await partner_state.pause(session, channel.id, 60.0)
        return PassReport(errors=[str(exc)])
    try:
        return await _Pass(sessionmaker, channel, adapter, ingest_recent, timing).run()
    finally:
        await adapter.aclose()
