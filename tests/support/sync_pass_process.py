"""Run one channel sync pass in a process of its own (a worker a test can kill -9).

python -m tests.support.sync_pass_process DATABASE_URL CHANNEL LEASE_SECONDS
"""

from __future__ import annotations

import asyncio
import sys

from integrations.registry import partner_for
from oms.config import Settings
from oms.db.engine import make_engine, make_sessionmaker
from oms.sync.services.push import SyncTiming, sync_channel
from oms.sync.services.sweep import ingest_recent_orders


async def main(url: str, channel: str, lease_seconds: float) -> None:
    engine = make_engine(url, Settings(database_url=url))
    try:
        await sync_channel(
            make_sessionmaker(engine),
            channel,
            partners=partner_for,
            ingest_recent=ingest_recent_orders,
            timing=SyncTiming(
                pass_seconds=30.0,
                lease_seconds=lease_seconds,
                window_seconds=0.0,
                timeout_seconds=30.0,
            ),
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
