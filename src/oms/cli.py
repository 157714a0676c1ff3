"""The ``oms`` command: run, serve, worker, scheduler, migrate, demo, audit, tokens, staff
accounts, import, channels."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from oms.config import Settings
from oms.db import migrate
from oms.db.engine import make_engine, make_sessionmaker, resolve_database_url
from oms.domain.access import STAFF_ROLES, TOKEN_ROLES, Principal, Role
from oms.domain.errors import DomainError
from oms.logs import configure_logging

if TYPE_CHECKING:
    from oms.demo.partners import DemoPartners

T = TypeVar("T")
_EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _with_database(
    settings: Settings, action: Callable[[Settings, str], Coroutine[Any, Any, T]]
) -> tuple[Settings, T]:
    """Resolve the database (starting the embedded one if needed) and run ``action``.

    Returns settings pinned to the resolved URL, so later steps in this process (the HTTP
    server) reuse the same server instead of starting it again.
    """
    url = resolve_database_url(settings)
    pinned = msgspec.structs.replace(settings, database_url=url)
    return pinned, asyncio.run(action(pinned, url))


async def _migrate(settings: Settings, url: str, revision: str = "head") -> None:
    engine = make_engine(url, settings)
    try:
        await migrate.upgrade(engine, revision)
    finally:
        await engine.dispose()


async def _prepare_demo(settings: Settings, url: str, partners: DemoPartners | None = None) -> str:
    """Migrate, seed the demo retailer unless present, re-issue demo tokens, connect the
    demo channels to ``partners`` when given; the banner."""
    from oms.demo.orders_data import demo_tracking_token
    from oms.demo.partners import connect_demo_channels, partners_banner
    from oms.demo.seed import format_demo_banner, issue_demo_tokens, seed_demo
    from oms.demo.staff_data import issue_demo_logins, logins_banner

    await _migrate(settings, url)
    engine = make_engine(url, settings)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await seed_demo(session)
            tokens = await issue_demo_tokens(session)
            logins = await issue_demo_logins(session)
            tracking = await demo_tracking_token(session)
            if partners is not None:
                await connect_demo_channels(session, partners)
    finally:
        await engine.dispose()
    base = _local_url(settings)
    banner = format_demo_banner(tokens, base, tracking_token=tracking)
    banner += logins_banner(logins, base)
    if partners is not None:
        admin = next((t.secret for t in tokens if t.role == Role.ADMIN), None)
        banner += "\n" + partners_banner(partners, base, admin)
    return banner


def _local_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}"


def cmd_run(settings: Settings, _: argparse.Namespace) -> int:
    """Start the demo's fake partners, migrate, seed the demo, print its tokens, then serve
    in this process until stopped: 0."""
    from oms.demo.partners import send_demo_orders_when_ready, start_demo_partners

    partners = start_demo_partners()
    try:
        settings, banner = _with_database(settings, lambda s, url: _prepare_demo(s, url, partners))
        print(banner, flush=True)
        send_demo_orders_when_ready(partners, _local_url(settings))
        return _serve(settings, workers=1)
    finally:
        partners.stop()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the API (migrating a private embedded database first) until stopped: 0."""
    if settings.embedded_database:
        # Nobody else will migrate a private embedded database: do it on start.
        settings, _ = _with_database(settings, _migrate)
    return _serve(settings, workers=args.workers)


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn ``Config`` options ``oms serve`` and ``oms run`` start the API with."""
    from oms.http.client_address import server_proxy_options

    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": "httptools",
        "log_config": None,
        "access_log": False,
        # X-Forwarded-For only from OMS_TRUSTED_PROXIES; by default nobody's.
        **server_proxy_options(settings),
    }


def _serve(settings: Settings, workers: int) -> int:
    import uvicorn

    from oms.app import create_app

    common = server_options(settings)
    if workers > 1:
        # Worker processes build their own app from the environment.
        if settings.database_url:
            os.environ["OMS_DATABASE_URL"] = settings.database_url
        uvicorn.run("oms.app:app_factory", factory=True, workers=workers, **common)
    else:
        server = _graceful_server_class()(uvicorn.Config(create_app(settings), **common))
        server.run()
    return 0


def _graceful_server_class() -> type:
    import uvicorn

    class GracefulServer(uvicorn.Server):
        """Exits normally after a graceful shutdown instead of re-raising the signal.

        Re-raising would kill the process before ``atexit`` runs, and ``atexit`` is what
        stops the embedded PostgreSQL cleanly.
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in _EXIT_SIGNALS}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return GracefulServer


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Upgrade to ``--to`` or downgrade to ``--downgrade``, print the revision reached: 0."""

    async def action(s: Settings, url: str) -> None:
        engine = make_engine(url, s)
        try:
            if args.downgrade:
                await migrate.downgrade(engine, args.downgrade)
            else:
                await migrate.upgrade(engine, args.to)
            print(f"database at revision {await migrate.current_revision(engine)}")
        finally:
            await engine.dispose()

    _with_database(settings, action)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate, seed the demo once, re-issue and print its tokens: 0."""
    _, banner = _with_database(settings, _prepare_demo)
    print(banner)
    return 0


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """Print the ledger replay report as JSON: 0 when every level matches, else 1."""
    from oms.inventory.services.audit import run_audit

    async def action(s: Settings, url: str) -> bytes:
        engine = make_engine(url, s)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                report = await run_audit(session, limit=args.limit)
        finally:
            await engine.dispose()
        return msgspec.json.encode(report)

    _, encoded = _with_database(settings, action)
    report = msgspec.json.decode(encoded)
    print(msgspec.json.format(encoded, indent=2).decode())
    return 0 if report["ok"] else 1


def cmd_create_token(settings: Settings, args: argparse.Namespace) -> int:
    """Create a token and print its secret, shown this once: 0."""
    from oms.auth.services.resolver import create_token

    async def action(s: Settings, url: str) -> str:
        engine = make_engine(url, s)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                _, secret, _ = await create_token(
                    session,
                    name=args.name,
                    role=Role(args.role),
                    location_codes=args.location or [],
                    channel_code=args.channel,
                )
        finally:
            await engine.dispose()
        return secret

    _, secret = _with_database(settings, action)
    print(secret)
    return 0


def _new_password(args: argparse.Namespace) -> tuple[str, bool]:
    """The new account's password and whether it was generated: generated on request, read
    from standard input when that is not a terminal (scripts), else asked twice."""
    import getpass
    import secrets

    if args.generate_password:
        return secrets.token_urlsafe(12), True
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n"), False
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise DomainError("the two passwords differ")
    return first, False


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    """Create a staff account for the app; print the generated password if asked: 0."""
    from oms.auth.services.staff import create_user

    password, generated = _new_password(args)

    async def action(s: Settings, url: str) -> str:
        engine = make_engine(url, s)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                account = await create_user(
                    session,
                    username=args.username,
                    display_name=args.name or args.username,
                    role=Role(args.role),
                    password=password,
                    location_codes=args.location or [],
                )
        finally:
            await engine.dispose()
        return account.username

    _, username = _with_database(settings, action)
    print(f"created {args.role} {username}" + (f"; password: {password}" if generated else ""))
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import the file's absolute counts; print the summary (per-row errors included): 0."""
    from oms.inventory.services.bulk_import import import_stream

    path = Path(args.file)
    fmt = args.format or ("jsonl" if path.suffix in {".jsonl", ".ndjson"} else "csv")

    async def chunks() -> AsyncIterator[bytes]:
        fh = await asyncio.to_thread(path.open, "rb")
        try:
            while block := await asyncio.to_thread(fh.read, 1 << 20):
                yield block
        finally:
            fh.close()

    async def action(s: Settings, url: str) -> bytes:
        engine = make_engine(url, s)
        try:
            summary = await import_stream(make_sessionmaker(engine), chunks(), fmt, "cli:import")
        finally:
            await engine.dispose()
        return msgspec.json.encode(summary)

    _, encoded = _with_database(settings, action)
    print(msgspec.json.format(encoded, indent=2).decode())
    return 0


# The operator at the console acts as an admin, as `oms create-token` already does.
_CONSOLE = Principal(token_id=0, name="cli", role=Role.ADMIN)


def cmd_channels(settings: Settings, args: argparse.Namespace) -> int:
    """``resync CODE``: publish the whole channel again; ``status [CODE]``: print sync status."""
    from oms.sync.services.operations import resync
    from oms.sync.services.status import sync_statuses

    async def action(s: Settings, url: str) -> bytes:
        engine = make_engine(url, s)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                if args.channels_command == "resync":
                    return msgspec.json.encode(await resync(session, _CONSOLE, args.code))
                return msgspec.json.encode(await sync_statuses(session, args.code))
        finally:
            await engine.dispose()

    _, encoded = _with_database(settings, action)
    print(msgspec.json.format(encoded, indent=2).decode())
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run background jobs from OMS_BROKER_URL until stopped: 0, or 2 without a broker."""
    from oms.worker.broker import BrokerNotConfigured
    from oms.worker.processes import run_worker

    try:
        run_worker(settings, threads=args.threads)
    except BrokerNotConfigured as exc:
        print(f"oms worker: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_scheduler(settings: Settings, _: argparse.Namespace) -> int:
    """Run the periodic jobs and the outbox relay until stopped: 0, or 2 without a broker."""
    from oms.worker.broker import BrokerNotConfigured
    from oms.worker.processes import run_scheduler_process

    try:
        run_scheduler_process(settings)
    except BrokerNotConfigured as exc:
        print(f"oms scheduler: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``oms`` argument parser; each subcommand sets ``func`` to its ``cmd_*``."""
    parser = argparse.ArgumentParser(prog="oms", description="Unified order and inventory service.")
    parser.set_defaults(func=cmd_run)  # plain `oms` = `oms run`
    sub = parser.add_subparsers(dest="command")
    sub.add_parser(
        "run", help="all-in-one: embedded defaults, migrate, demo data, serve, jobs in-process"
    ).set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--workers", type=int, default=1, help="HTTP worker processes")
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run background jobs from OMS_BROKER_URL")
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("scheduler", help="enqueue periodic jobs and relay the outbox").set_defaults(
        func=cmd_scheduler
    )
    mig = sub.add_parser("migrate", help="upgrade (or downgrade) the database schema")
    mig.add_argument("--to", default="head", help="target revision (default head)")
    mig.add_argument("--downgrade", metavar="REV", help="downgrade to REV ('base' = empty)")
    mig.set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load demo data (once) and print fresh demo tokens").set_defaults(
        func=cmd_demo
    )
    audit = sub.add_parser("audit", help="replay the ledger and report levels that differ")
    audit.add_argument("--limit", type=int, default=100, help="mismatches to list")
    audit.set_defaults(func=cmd_audit)
    token = sub.add_parser("create-token", help="create an API token and print its secret")
    token.add_argument("--name", required=True)
    token.add_argument(
        "--role", default=Role.ADMIN.value, choices=[role.value for role in TOKEN_ROLES]
    )
    token.add_argument("--location", action="append", help="location code (repeatable)")
    token.add_argument("--channel", help="channel code (integration tokens)")
    token.set_defaults(func=cmd_create_token)
    user = sub.add_parser("create-user", help="create a staff account for the associate app")
    user.add_argument("--username", required=True, help="the name to sign in with")
    user.add_argument("--name", help="the name the app shows (default: the user name)")
    user.add_argument(
        "--role",
        default=Role.ASSOCIATE.value,
        choices=[role.value for role in STAFF_ROLES],
    )
    user.add_argument("--location", action="append", help="store code (repeatable)")
    user.add_argument(
        "--generate-password",
        action="store_true",
        help="make up a password and print it (else: asked, or read from standard input)",
    )
    user.set_defaults(func=cmd_create_user)
    imp = sub.add_parser("import", help="import absolute stock counts from CSV or JSON lines")
    imp.add_argument("file")
    imp.add_argument("--format", choices=["csv", "jsonl"])
    imp.set_defaults(func=cmd_import)
    channels = sub.add_parser("channels", help="channel sync: publish again, or show status")
    channel_sub = channels.add_subparsers(dest="channels_command", required=True)
    resync = channel_sub.add_parser("resync", help="publish every listing of a channel again")
    resync.add_argument("code", help="channel code")
    status = channel_sub.add_parser("status", help="sync status of one channel or of all")
    status.add_argument("code", nargs="?", help="channel code (default: every synced channel)")
    channels.set_defaults(func=cmd_channels)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv``: its exit status, or 2 for bad configuration or a refusal."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except (ValueError, msgspec.ValidationError) as exc:
        print(f"oms: bad configuration: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        result: int = args.func(settings, args)
    except DomainError as exc:
        print(f"oms: {exc.detail}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
