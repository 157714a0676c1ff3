"""Customer messages in the order's language: the same catalogues as the tracking page,
money as Babel writes it for that language."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

from oms.i18n import translations
from oms.notifications.services.templates import render

READY = {
    "order_number": 100123,
    "customer_name": "Ana Popescu",
    "store_name": "Chișinău Centru",
    "store_address": {"line1": "Str. Pușkin 22", "city": "Chișinău", "country": "MD"},
    "opening_hours": {"mon": [["09:00", "18:00"]]},
    "pickup_code": "ABC123",
    "order_total": 123456,
    "currency": "MDL",
    "tracking_url": "https://shop.example/track/abc",
}


def test_a_romanian_ready_for_pickup_message() -> None:
    subject, body = render("ready_for_pickup", READY, "ro")
    assert subject == "Comanda dumneavoastră 100123 poate fi ridicată de la Chișinău Centru"
    assert body.startswith("Bună ziua, Ana Popescu,\n")
    assert "Codul dumneavoastră de ridicare: ABC123\n" in body
    assert "Adresă: Str. Pușkin 22, Chișinău, MD\n" in body
    assert "Program:\n  lun. 09:00-18:00\n  mar. închis\n" in body
    total = format_currency(Decimal("1234.56"), "MDL", locale="ro")
    assert f"Totalul comenzii: {total}\n" in body
    assert total != format_currency(Decimal("1234.56"), "MDL", locale="en")
    assert "Urmăriți comanda: https://shop.example/track/abc\n" in body
    assert "Your" not in body


def test_a_georgian_order_cancelled_message() -> None:
    subject, body = render(
        "order_cancelled",
        {
            "order_number": 7,
            "customer_name": "ნინო",
            "reason": "uncollected",
            "order_total": 4500,
            "currency": "GEL",
        },
        "ka",
    )
    assert subject == "თქვენი შეკვეთა 7 გაუქმდა"
    assert body.startswith("გამარჯობა, ნინო!\n")
    assert "მიზეზი: დროულად არ იქნა გატანილი\n" in body
    total = format_currency(Decimal("45.00"), "GEL", locale="ka")
    assert f"შეკვეთის ჯამი: {total}\n" in body
    ka = translations("ka").gettext
    assert ka("If you paid for it, the payment is refunded to the way you paid.") in body


def test_a_language_we_do_not_speak_gets_english() -> None:
    subject, body = render("order_cancelled", {"order_number": 7, "customer_name": "Bo"}, "de")
    assert subject == "Your order 7 has been cancelled"
    assert "Order total" not in body  # no total given, none said
