"""Customer notifications end to end: queued with the order change, relayed from the outbox,
sent by the actor through the log sender or a real SMTP server, at most once.

A database of its own (see tests/support/outbox.py): the app started by other tests relays the
shared database's outbox with its own sender and would take these tests' jobs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import dramatiq
import msgspec
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.db.engine import make_sessionmaker
from oms.domain.errors import NotFound
from oms.notifications import jobs
from oms.notifications.jobs import SendFailed
from oms.notifications.services.senders import OutgoingMessage, PermanentSendError
from oms.outbox.messages import SendNotification
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.outbox import OutboxRelay
from tests.support.notifications import PICKUP_DATA, make_order, notifications, queue
from tests.support.outbox import isolated_database
from tests.support.smtp import MailSink, smtp_server


@pytest.fixture(scope="module")
async def notify_db(
    server_url: str, settings: Settings
) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    async with isolated_database(server_url, settings) as (url, engine):
        yield url, make_sessionmaker(engine)


@pytest.fixture
def sm(
    notify_db: tuple[str, async_sessionmaker[AsyncSession]],
) -> async_sessionmaker[AsyncSession]:
    return notify_db[1]


async def outbox_for(sm: async_sessionmaker[AsyncSession], ids: list[int]) -> list[dict[str, Any]]:
    async with sm() as session:
        rows = await session.execute(
            text(
                "SELECT actor_name, queue_name, payload FROM outbox"
                " WHERE actor_name = :actor AND (payload->>'notification_id')::bigint = ANY(:ids)"
            ),
            {"actor": SendNotification.actor_name, "ids": ids},
        )
        return [dict(row) for row in rows.mappings()]


class Pipeline:
    """The outbox relay and a dramatiq worker on an in-memory broker, for one database."""

    def __init__(self, settings: Settings, url: str, sm: async_sessionmaker[AsyncSession]):
        self.broker = StubBroker()
        self.actors = register_actors(self.broker, JobDatabase(settings, url=url))
        self.relay = OutboxRelay(sm, self.broker, poll_seconds=60)
        self.worker = dramatiq.Worker(self.broker, worker_threads=2, worker_timeout=100)

    async def run_jobs(self) -> None:
        """Relay every committed job and wait until the worker has run them (and retries)."""
        while await self.relay.relay_once():
            pass
        await asyncio.to_thread(self.broker.join, SendNotification.queue_name, timeout=30_000)
        await asyncio.to_thread(self.worker.join)

    async def close(self) -> None:
        await self.relay.aclose()
        await asyncio.to_thread(self.worker.stop)


@pytest.fixture
async def pipeline_for(
    notify_db: tuple[str, async_sessionmaker[AsyncSession]],
) -> AsyncIterator[Any]:
    started: list[Pipeline] = []

    def start(settings: Settings) -> Pipeline:
        pipeline = Pipeline(settings, *notify_db)
        pipeline.worker.start()
        started.append(pipeline)
        return pipeline

    yield start
    for pipeline in started:
        await pipeline.close()


async def test_queue_renders_and_stores_a_pending_message_and_one_outbox_job(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sm, email="Ann@Example.com")
    await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)

    [row] = await notifications(sm, order_id)
    assert (row["kind"], row["recipient"], row["status"], row["attempts"]) == (
        "ready_for_pickup",
        "Ann@Example.com",
        "pending",
        0,
    )
    assert row["subject"] == "Your order 100777 is ready to collect from Leeds Briggate"
    assert "Your pickup code: 483920" in row["body"]
    assert "Address: 1 Briggate, Leeds, LS1 6HD, GB" in row["body"]
    assert "  Mon 09:00-17:30" in row["body"]
    assert "  Sun closed" in row["body"]
    assert "https://shop.example/track/abc" in row["body"]
    assert row["data"]["pickup_code"] == "483920"
    # The job carries only the id: the message itself stays in the database.
    assert await outbox_for(sm, [row["id"]]) == [
        {
            "actor_name": SendNotification.actor_name,
            "queue_name": SendNotification.queue_name,
            "payload": {"notification_id": row["id"]},
        }
    ]


async def test_an_order_without_email_gets_no_message_and_its_timeline_says_why(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sm, email=None, phone="07700 900123")
    await queue(sm, order_id, "order_cancelled", {"order_number": 1, "customer_name": "Ann"})

    assert await notifications(sm, order_id) == []
    async with sm() as session:
        events = (
            await session.execute(
                text("SELECT kind, actor, detail FROM order_event WHERE order_id = :id"),
                {"id": order_id},
            )
        ).all()
    assert [tuple(e) for e in events] == [
        (
            "notification.skipped",
            "system:notifications",
            {"kind": "order_cancelled", "reason": "no_email"},
        )
    ]


async def test_unknown_kind_missing_data_and_unknown_order_are_refused(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sm, email="bob@example.com")
    with pytest.raises(ValueError, match="unknown notification kind 'birthday'"):
        await queue(sm, order_id, "birthday", {})
    with pytest.raises(ValueError, match="pickup_code"):
        await queue(sm, order_id, "ready_for_pickup", {**PICKUP_DATA, "pickup_code": None})
    with pytest.raises(NotFound):
        await queue(sm, uuid.uuid4(), "ready_for_pickup", PICKUP_DATA)
    assert await notifications(sm, order_id) == []


async def test_log_sender_delivers_through_outbox_and_worker_exactly_once(
    sm: async_sessionmaker[AsyncSession],
    settings: Settings,
    pipeline_for: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="oms.notifications.services.senders")
    assert settings.smtp_url is None  # the default: messages are only logged
    pipeline = pipeline_for(settings)
    order_id = await make_order(sm, email="carol@example.com")
    await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)
    await pipeline.run_jobs()

    [row] = await notifications(sm, order_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
    assert row["sent_at"] is not None
    logged = [r for r in caplog.records if getattr(r, "notification_id", None) == row["id"]]
    assert len(logged) == 1
    assert logged[0].recipient == "carol@example.com"  # type: ignore[attr-defined]
    # The message without its secrets: logs travel further than the customer's mail.
    body = logged[0].body  # type: ignore[attr-defined]
    assert "Your pickup code: [redacted]" in body
    assert "https://shop.example/track/[redacted]" in body
    assert "483920" not in body
    assert "Leeds Briggate" in body

    # Delivered again (at least once): nothing is sent twice.
    pipeline.actors[SendNotification.actor_name].send(notification_id=row["id"])
    await pipeline.run_jobs()
    again = [r for r in caplog.records if getattr(r, "notification_id", None) == row["id"]]
    assert len(again) == 1
    assert (await notifications(sm, order_id))[0]["attempts"] == 1
    assert pipeline.broker.dead_letters == []


async def test_smtp_sender_delivers_to_a_real_server_with_login(
    sm: async_sessionmaker[AsyncSession], settings: Settings, pipeline_for: Any
) -> None:
    sink = MailSink(username="mailer", password="p@ss:word")
    with smtp_server(sink) as port:
        smtp = msgspec.structs.replace(
            settings,
            smtp_url=f"smtp://mailer:p%40ss%3Aword@127.0.0.1:{port}",
            smtp_from="Shop <orders@shop.example>",
        )
        pipeline = pipeline_for(smtp)
        order_id = await make_order(sm, email="dan@example.com")
        await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)
        await pipeline.run_jobs()

        [mail] = sink.messages()
        [row] = await notifications(sm, order_id)
        assert sink.logins == ["mailer"]
        assert mail.recipients == ["dan@example.com"]
        assert mail.mail_from == "orders@shop.example"
        assert mail.message["To"] == "dan@example.com"
        assert mail.message["From"] == "Shop <orders@shop.example>"
        assert mail.message["Subject"] == row["subject"]
        assert mail.message["Message-ID"] == f"<notification-{row['id']}@shop.example>"
        body = mail.message.get_content()  # type: ignore[attr-defined]
        assert "Your pickup code: 483920" in body
        assert (row["status"], row["attempts"]) == ("sent", 1)

        pipeline.actors[SendNotification.actor_name].send(notification_id=row["id"])
        await pipeline.run_jobs()
        assert len(sink.messages()) == 1


async def test_smtp_deferral_is_retried_with_backoff_and_recorded(
    sm: async_sessionmaker[AsyncSession], settings: Settings, pipeline_for: Any
) -> None:
    sink = MailSink(defer_next=1)
    with smtp_server(sink) as port:
        pipeline = pipeline_for(
            msgspec.structs.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
        )
        order_id = await make_order(sm, email="erin@example.com")
        data = {"order_number": 100888, "customer_name": "Erin", "reason": "out_of_stock"}
        await queue(sm, order_id, "order_cancelled", data)
        await pipeline.run_jobs()  # waits for the delayed retry too

        [mail] = sink.messages()
        assert mail.message["Subject"] == "Your order 100888 has been cancelled"
        assert "Reason: out of stock" in mail.message.get_content()  # type: ignore[attr-defined]
        [row] = await notifications(sm, order_id)
        # The first attempt's error is cleared by the success that followed.
        assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)


async def test_a_refused_recipient_fails_at_once_without_retries(
    sm: async_sessionmaker[AsyncSession], settings: Settings, pipeline_for: Any
) -> None:
    sink = MailSink(refuse={"nobody@example.com"})
    with smtp_server(sink) as port:
        pipeline = pipeline_for(
            msgspec.structs.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
        )
        order_id = await make_order(sm, email="nobody@example.com")
        await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)
        await pipeline.run_jobs()

        assert sink.messages() == []
        [row] = await notifications(sm, order_id)
        assert (row["status"], row["attempts"]) == ("failed", 1)
        assert "PermanentSendError" in row["last_error"]
        assert "550" in row["last_error"]
        assert pipeline.broker.dead_letters == []


class SlowSender:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[OutgoingMessage] = []
        self.fail = fail

    async def send(self, message: OutgoingMessage) -> None:
        await asyncio.sleep(0.2)
        if self.fail:
            raise ConnectionRefusedError("mail server away")
        self.sent.append(message)


async def test_concurrent_deliveries_of_one_job_send_once(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sm, email="fay@example.com")
    await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)
    [row] = await notifications(sm, order_id)
    sender = SlowSender()

    async def factory() -> async_sessionmaker[AsyncSession]:
        return sm

    await asyncio.gather(*(jobs.send_notification(factory, sender, row["id"]) for _ in range(5)))
    await jobs.send_notification(factory, sender, row["id"])
    assert [m.notification_id for m in sender.sent] == [row["id"]]
    assert (await notifications(sm, order_id))[0]["attempts"] == 1


async def test_failures_are_counted_and_given_up_after_max_attempts(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sm, email="gus@example.com")
    await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)
    [row] = await notifications(sm, order_id)
    sender = SlowSender(fail=True)

    async def factory() -> async_sessionmaker[AsyncSession]:
        return sm

    for attempt in range(1, jobs.MAX_ATTEMPTS):
        with pytest.raises(SendFailed):
            await jobs.send_notification(factory, sender, row["id"])
        state = (await notifications(sm, order_id))[0]
        assert (state["status"], state["attempts"]) == ("pending", attempt)
        assert state["last_error"] == "ConnectionRefusedError: mail server away"
    await jobs.send_notification(factory, sender, row["id"])  # the last one: no raise
    state = (await notifications(sm, order_id))[0]
    assert (state["status"], state["attempts"]) == ("failed", jobs.MAX_ATTEMPTS)
    # Given up for good: a late redelivery does not try again.
    await jobs.send_notification(factory, sender, row["id"])
    assert (await notifications(sm, order_id))[0]["attempts"] == jobs.MAX_ATTEMPTS


async def test_permanent_error_from_any_sender_is_not_retried(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sm, email="hal@example.com")
    await queue(sm, order_id, "ready_for_pickup", PICKUP_DATA)
    [row] = await notifications(sm, order_id)

    class Refusing:
        async def send(self, message: OutgoingMessage) -> None:
            raise PermanentSendError("mailbox unavailable")

    async def factory() -> async_sessionmaker[AsyncSession]:
        return sm

    await jobs.send_notification(factory, Refusing(), row["id"])
    state = (await notifications(sm, order_id))[0]
    assert (state["status"], state["attempts"]) == ("failed", 1)
