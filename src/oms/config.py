"""Settings: one frozen struct, read once from ``OMS_*`` environment variables.

Nothing reads the environment at import time; ``Settings.from_env()`` is called by the
CLI (or a test) and the result is passed into ``create_app(settings)``.

How a setting reaches a service: as an explicit argument, one way only. The controller
takes it from ``state.settings`` (a ``state: State`` handler parameter), a job from its
``JobDatabase.settings``, and passes the value a service needs as a keyword argument
(``attempts=settings.pickup_code_attempts``, ``public_url=settings.public_url``), or the
``Settings`` struct itself when a service reads several of them (tracking's rate limits).
Services never read the environment, the app state or ``session.info``; a test calls them
with the values it wants.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

PREFIX = "OMS_"


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # No database URL means: start the embedded PostgreSQL in ``data_dir``.
    database_url: str | None = None
    # No broker URL means: run jobs in-process (single-machine / embedded mode).
    broker_url: str | None = None
    data_dir: str = "./.oms"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_requests: bool = True
    db_pool_size: int = 20
    db_max_overflow: int = 20
    # Revoked tokens stop working within this many seconds (per-process cache).
    token_cache_seconds: float = 5.0
    max_json_body_bytes: int = 1_048_576
    max_import_body_bytes: int = 1_073_741_824
    hold_sweep_seconds: float = 15.0
    # How often waiting (backordered) orders are offered stock that has arrived.
    backorder_sweep_seconds: float = 30.0
    outbox_poll_seconds: float = 1.0
    # Channel sync. Stock changes are gathered for one tick, then pushed: the tick is the
    # coalescing window, and one listing is pushed at most once per window.
    sync_tick_seconds: Annotated[float, msgspec.Meta(gt=0)] = 0.5
    sync_window_seconds: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    # One sync pass of a channel stops starting new partner calls after this long (fairness).
    sync_pass_seconds: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    # A pass owns its listings this long; a killed worker's listings are taken again after.
    sync_lease_seconds: Annotated[float, msgspec.Meta(gt=0)] = 120.0
    # Listings not pushed for this long are published again, in case the partner drifted.
    sync_reconcile_hours: Annotated[float, msgspec.Meta(gt=0)] = 24.0
    # How often each channel's partner is asked for orders changed since (missed webhooks).
    channel_sweep_seconds: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    # A partner event still waiting this long after it came in lost its job (a process
    # killed between relaying and running it, retries spent while the database was down):
    # the repair sweep applies it. Applying is idempotent, so a slow job only loses a race.
    channel_event_redrive_seconds: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    # Applied and ignored partner events (their raw bodies hold customers' details) are
    # deleted this long after they came in; failed ones stay until an admin retries or
    # dismisses them.
    # At least 3 days: senders retry a delivery for up to that long, and while its id is
    # kept a retry is a duplicate (after, the order's version guard still ignores it).
    channel_event_keep_days: Annotated[float, msgspec.Meta(ge=3)] = 30.0
    idempotency_ttl_hours: int = 24
    # A bearer token for Prometheus that opens GET /metrics and nothing else. Unset: the
    # metrics need an admin API token like any admin route.
    metrics_token: Annotated[str, msgspec.Meta(min_length=16)] | None = None
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs).
    # Empty: nobody's, so every client is the socket's peer (see oms.http.client_address).
    trusted_proxies: str = ""
    # Customer messages: without an SMTP URL they are only logged (development).
    smtp_url: str | None = None
    # Where customers reach this service (e.g. https://orders.example.com): messages then
    # carry a link to the order's tracking page. Unset: no link.
    # The lookahead ends the value (``$`` would take a final newline; see oms.domain.patterns,
    # which settings sit below).
    public_url: Annotated[str, msgspec.Meta(pattern=r"^https?://\S+(?![\s\S])")] | None = None
    smtp_from: str = "OMS <no-reply@localhost>"
    # Public tracking, per client address (an IPv6 client's /64): number-and-email look-ups
    # per minute, wrong look-ups per hour, wrong look-ups at one order number per hour, and
    # unknown-token requests per minute. Nothing is limited per order alone: a stranger
    # must never be able to lock the customer out (see oms.tracking.services.tracking).
    track_lookups_per_minute: int = 10
    track_lookup_misses_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 20
    track_misses_per_order_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 5
    track_misses_per_minute: int = 30
    # Wrong pickup codes a fulfilment takes before its code is locked (a store manager
    # unlocks it, or hands over with a reason).
    pickup_code_attempts: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    # How long a store token that found a customer by exact email or phone may read them
    # and their orders (long enough to serve them, short enough not to keep a list).
    customer_access_minutes: Annotated[int, msgspec.Meta(ge=1, le=1440)] = 60
    # The associate app: a tablet left alone locks (the session ends) after this many
    # seconds without a request; a sign-in lasts at most a shift.
    # Work on the shop floor (to pick, picking, packed) older than this shows as late.
    app_late_after_minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)] = 120
    app_idle_lock_seconds: Annotated[int, msgspec.Meta(ge=30, le=86_400)] = 900
    app_session_hours: Annotated[float, msgspec.Meta(gt=0, le=24)] = 12.0
    # Failed sign-ins allowed per client address per 5 minutes, and per account per 15
    # minutes (a correct password is not counted).
    app_sign_in_failures_per_client: Annotated[int, msgspec.Meta(ge=1)] = 20
    app_sign_in_failures_per_account: Annotated[int, msgspec.Meta(ge=1)] = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``OMS_<FIELD>`` variables; unknown OMS_ variables are an error."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        known = set(cls.__struct_fields__)
        for name, value in env.items():
            if not name.startswith(PREFIX) or name.startswith(("OMS_TEST_", "OMS_BENCH_")):
                continue
            field = name[len(PREFIX) :].lower()
            if field not in known:
                raise ValueError(f"unknown setting {name}; known: {sorted(known)}")
            # An empty variable means "not set" (compose files often pass VAR= through).
            if value.strip():
                raw[field] = value
        raw.update(overrides)
        # strict=False lets "8000" become 8000 and "false" become False.
        return msgspec.convert(raw, cls, strict=False)

    def __post_init__(self) -> None:
        for proxy in self.trusted_proxy_list:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"OMS_TRUSTED_PROXIES: {proxy!r} is not an IP or CIDR") from None

    @property
    def trusted_proxy_list(self) -> tuple[str, ...]:
        """``trusted_proxies`` split at commas, blanks dropped; each is an IP or CIDR (checked)."""
        return tuple(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def data_path(self) -> Path:
        """``data_dir`` as an absolute path, ``~`` expanded."""
        return Path(self.data_dir).expanduser().resolve()

    @property
    def embedded_database(self) -> bool:
        """No database URL: the service starts its own PostgreSQL in ``data_path``."""
        return self.database_url is None

    @property
    def in_process_jobs(self) -> bool:
        """No broker URL: background jobs run inside the service process."""
        return self.broker_url is None
