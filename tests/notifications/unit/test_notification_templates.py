"""Message rendering and SMTP configuration: pure, no server."""

from __future__ import annotations

import pytest

from oms.notifications.services.senders import (
    OutgoingMessage,
    SmtpConfig,
    SmtpSender,
    parse_smtp_url,
)
from oms.notifications.services.templates import SUBJECT_MAX, format_opening_hours, render

READY = {
    "order_number": 100123,
    "customer_name": "Ann",
    "store_name": "Leeds",
    "store_address": "1 Briggate, Leeds",
    "opening_hours": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
    "pickup_code": "ABC123",
}


def test_ready_for_pickup_names_order_store_code_and_hours() -> None:
    subject, body = render("ready_for_pickup", READY)
    assert subject == "Your order 100123 is ready to collect from Leeds"
    assert body.startswith("Hello Ann,\n")
    assert "Your pickup code: ABC123\n" in body
    assert "Address: 1 Briggate, Leeds\n" in body
    assert "  Mon 09:00-12:00, 13:00-17:00\n" in body
    assert "Follow your order" not in body  # no tracking_url given


def test_optional_parts_are_left_out_when_not_given() -> None:
    minimal = {k: READY[k] for k in ("order_number", "customer_name", "store_name", "pickup_code")}
    _, body = render("ready_for_pickup", minimal)
    assert "Address:" not in body
    assert "Opening hours:" not in body


def test_order_cancelled() -> None:
    subject, body = render(
        "order_cancelled",
        {"order_number": 7, "customer_name": "Bo", "reason": "not_collected", "tracking_url": "u"},
    )
    assert subject == "Your order 7 has been cancelled"
    assert "Reason: not collected\n" in body
    assert "Order details: u\n" in body


def test_unknown_kind_and_missing_data_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        render("welcome", {})
    with pytest.raises(ValueError, match="store_name, pickup_code"):
        render("ready_for_pickup", {"order_number": 1, "customer_name": "A"})
    with pytest.raises(ValueError, match="customer_name"):
        render("order_cancelled", {"order_number": 1, "customer_name": ""})


def test_line_breaks_in_data_cannot_add_mail_headers() -> None:
    subject, _ = render("ready_for_pickup", {**READY, "store_name": "X\r\nBcc: evil@example.com"})
    assert "\n" not in subject
    assert "\r" not in subject
    message = SmtpSender(SmtpConfig("h", 25, "plain", None, None), "a@b.c").build(
        OutgoingMessage(1, "ready_for_pickup", "ann@example.com", subject, "body")
    )
    assert message["Bcc"] is None


def test_a_long_subject_is_cut_to_the_column() -> None:
    subject, _ = render("ready_for_pickup", {**READY, "store_name": "S" * 400})
    assert len(subject) == SUBJECT_MAX
    assert subject.endswith("...")


def test_opening_hours_text_is_kept_and_closed_days_said() -> None:
    assert format_opening_hours("Mon-Fri 9-5") == ["Mon-Fri 9-5"]
    assert format_opening_hours(None) == []
    assert format_opening_hours({})[-1] == "Sun closed"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpConfig("mail.example.com", 25, "plain", None, None)),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example.com",
            SmtpConfig("mail.example.com", 587, "starttls", "u@x", "p:w"),
        ),
        (
            "smtps://u:p@mail.example.com:2465",
            SmtpConfig("mail.example.com", 2465, "tls", "u", "p"),
        ),
    ],
)
def test_smtp_url(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_bad_smtp_url(url: str) -> None:
    with pytest.raises(ValueError, match="OMS_SMTP_URL"):
        parse_smtp_url(url)
