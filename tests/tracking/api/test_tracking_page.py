"""The tracking page: the same address as the JSON, for browsers; in the order's language,
the browser's, or the one picked; dates and money as Babel writes them for that language;
nothing about the customer; the same friendly page for every unknown token."""

from __future__ import annotations

import html
import secrets
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from sqlalchemy import text

from oms.i18n import translations
from tests.support.customer_orders import Shop
from tests.support.i18n import babel_moment
from tests.support.tracking import fresh_email, fresh_window, visitor_of
from tests.support.world import World, unique

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
LONDON = ZoneInfo("Europe/London")
PRICE = 123456  # minor units: big enough for a grouping separator
MISSES_PER_MINUTE = 30  # the app under test runs with the default limits


async def place(
    shop: Shop, *, language: str | None = None, pickup: bool = True, **customer: str
) -> dict[str, Any]:
    """A one-line order at ``PRICE`` (pickup at the shop's store, or shipped to Leeds)."""
    delivery: dict[str, Any] = (
        {"method": "pickup", "location": shop.store.code}
        if pickup
        else {
            "method": "ship",
            "address": {
                "line1": "2 Secret Lane",
                "city": "Leeds",
                "postcode": "LS2 7EW",
                "country": "GB",
            },
        }
    )
    body: dict[str, Any] = {
        "channel": shop.channel.code,
        "external_id": unique("E"),
        "customer": {"name": "Ann Example", "email": fresh_email(), **customer},
        "lines": [{"sku": shop.sku.code, "quantity": 1, "unit_price": PRICE, "currency": "GBP"}],
        "deliveries": [delivery],
    }
    if language is not None:
        body["language"] = language
    response = await shop.world.client.post("/orders", json=body, headers=shop.admin)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def page(world: World, token: str, *, query: str = "", **headers: str) -> httpx.Response:
    async with visitor_of(world.client) as browser:
        return await browser.get(f"/track/{token}{query}", headers={"Accept": BROWSER, **headers})


def shown(response: httpx.Response) -> str:
    """The page's text as a reader sees it (entities decoded)."""
    return html.unescape(response.text)


def opening_time(hhmm: str, lang: str) -> str:
    return format_time(time.fromisoformat(hhmm), format="short", locale=lang)


def money(lang: str) -> str:
    return format_currency(Decimal(PRICE) / 100, "GBP", locale=lang)


def placed_on(order: dict[str, Any], lang: str) -> str:
    created = datetime.fromisoformat(order["created_at"]).astimezone(LONDON)
    return format_date(created.date(), format="long", locale=lang)


async def step(shop: Shop, order: dict[str, Any], *steps: str, **body: str) -> None:
    fulfilment_id = order["fulfilments"][0]["id"]
    for name in steps:
        response = await shop.world.client.post(
            f"/fulfilments/{fulfilment_id}/{name}", json=body or None, headers=shop.admin
        )
        assert response.status_code == 200, response.text


async def test_browsers_get_the_page_and_api_clients_the_json(world: World) -> None:
    shop = await Shop.open(world)
    token = (await place(shop))["tracking_token"]

    async with visitor_of(world.client) as client:
        for accept, media_type in (
            (BROWSER, "text/html"),
            ("text/html", "text/html"),
            ("application/json", "application/json"),
            ("*/*", "application/json"),
            (None, "application/json"),
            ("application/json, text/html;q=0.5", "application/json"),
        ):
            headers = {} if accept is None else {"Accept": accept}
            response = await client.get(f"/track/{token}", headers=headers)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith(media_type), (
                accept,
                response.text[:300],
            )
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["vary"] == "Accept, Accept-Language"
            if media_type == "application/json":
                assert response.json()["status_text"] == "In progress"  # the JSON stays English
        # ``lang`` is a parameter of the route (the JSON ignores it); others stay refused.
        assert (await client.get(f"/track/{token}?lang=ro")).json()["status_text"] == (
            "In progress"
        )
        assert (await client.get(f"/track/{token}?surprise=1")).status_code == 400


async def test_the_english_page_shows_the_order_and_the_store_but_not_the_customer(
    world: World,
) -> None:
    shop = await Shop.open(world, name="Briggate <b>store</b>")
    order = await place(shop, name="Zebedee Quillfeather", phone="07700 900456")
    email = order["customer"]["email"]

    response = await page(world, order["tracking_token"])
    assert response.status_code == 200, response.text
    said = shown(response)
    assert '<html lang="en">' in response.text
    assert f"Order {order['number']}" in said
    assert "In progress" in said
    assert placed_on(order, "en") in said
    assert money("en") in said
    # The store is public: its name (as text, never markup), address, hours and map.
    assert "Briggate &lt;b&gt;store&lt;/b&gt;" in response.text
    assert "<b>store</b>" not in response.text
    for line in ("1 High Street", "Leeds", "LS1 1AA", "United Kingdom"):
        assert line in said
    assert "https://www.openstreetmap.org/?mlat=53.799700&amp;mlon=-1.549200" in response.text
    assert f"Mon</th><td>{opening_time('09:00', 'en')}" in said
    placed_at = datetime.fromisoformat(order["created_at"])
    assert babel_moment(placed_at, "Europe/London", "en") in said
    assert "Order placed" in said
    for private in (
        "Zebedee",
        "Quillfeather",
        email,
        "900456",
        order["id"],
        order["customer"]["id"],
        shop.channel.code,
    ):
        assert private not in said, private


async def test_a_shipped_parcel_shows_carrier_and_town_but_not_the_street(world: World) -> None:
    shop = await Shop.open(world, timezone="Asia/Tbilisi")
    order = await place(shop, pickup=False, language="ru")
    await step(shop, order, "start-picking", "pack")
    await step(shop, order, "ship", carrier="DPD", tracking_number="DPD-777-XYZ")

    response = await page(world, order["tracking_token"])
    said = shown(response)
    ru = translations("ru").gettext
    assert '<html lang="ru">' in response.text
    for words in (ru("Shipped"), ru("Carrier"), "DPD", "DPD-777-XYZ", "Leeds"):
        assert words in said, words
    assert "2 Secret Lane" not in said
    assert "LS2 7EW" not in said
    assert "openstreetmap" not in said  # a parcel's destination is the customer's
    # Times are told in the time zone of the store that sent it.
    placed_at = datetime.fromisoformat(order["created_at"])
    assert babel_moment(placed_at, "Asia/Tbilisi", "ru") in said


async def test_the_page_speaks_the_orders_language(world: World) -> None:
    shop = await Shop.open(world)
    order = await place(shop, language="ro-MD")
    ro = translations("ro").gettext

    # The order's language wins over the browser's.
    response = await page(world, order["tracking_token"], **{"Accept-Language": "ru, en"})
    said = shown(response)
    assert '<html lang="ro">' in response.text
    assert ro("In progress") != "In progress"
    for words in (
        ro("Order %(number)s") % {"number": order["number"]},
        ro("In progress"),
        ro("Order placed"),
        ro("Where to collect"),
        money("ro"),
        placed_on(order, "ro"),
    ):
        assert words in said, words
    assert "In progress" not in said


async def test_without_an_order_language_the_browsers_choice_counts(world: World) -> None:
    shop = await Shop.open(world)
    order = await place(shop)

    response = await page(
        world, order["tracking_token"], **{"Accept-Language": "de-DE, ru;q=0.9, en;q=0.8"}
    )
    said = shown(response)
    ru = translations("ru").gettext
    assert '<html lang="ru">' in response.text
    for words in (ru("In progress"), ru("Order placed"), money("ru"), placed_on(order, "ru")):
        assert words in said, words

    # A language we do not speak, and none at all: English.
    for accept_language in ("de, fr;q=0.5", None):
        headers = {} if accept_language is None else {"Accept-Language": accept_language}
        response = await page(world, order["tracking_token"], **headers)
        assert '<html lang="en">' in response.text
        assert money("en") in shown(response)


async def test_lang_in_the_link_overrides_the_order_and_the_browser(world: World) -> None:
    shop = await Shop.open(world)
    order = await place(shop, language="ro")
    ka = translations("ka").gettext

    response = await page(
        world, order["tracking_token"], query="?lang=ka", **{"Accept-Language": "ru"}
    )
    said = shown(response)
    assert '<html lang="ka">' in response.text
    assert response.headers["content-language"] == "ka"
    for words in (ka("In progress"), ka("Opening hours"), money("ka"), placed_on(order, "ka")):
        assert words in said, words
    # The switcher links every language, marking the current one.
    for code in ("en", "ro", "ru", "ka"):
        assert f'href="?lang={code}"' in response.text
    assert 'hreflang="ka" lang="ka" aria-current="true"' in response.text
    # A language we do not speak in the link falls back to the order's.
    response = await page(world, order["tracking_token"], query="?lang=xx")
    assert '<html lang="ro">' in response.text


async def test_the_pickup_code_shows_only_once_ready(world: World) -> None:
    shop = await Shop.open(world)
    order = await place(shop, language="ka")
    token = order["tracking_token"]

    await step(shop, order, "start-picking", "pack")
    packed = await page(world, token)
    assert translations("ka").gettext("Your pickup code") not in shown(packed)

    await step(shop, order, "ready-for-pickup")
    async with world.sessionmaker() as session:
        code, ready_at = (
            await session.execute(
                text("SELECT pickup_code, ready_at FROM fulfilment WHERE order_id = :id"),
                {"id": order["id"]},
            )
        ).one()
    assert code
    assert code not in shown(packed)
    ready = shown(await page(world, token))
    ka = translations("ka").gettext
    assert ka("Your pickup code") in ready
    assert f'<p class="code-value">{code}</p>' in ready
    assert ka("Ready to collect") in ready
    # Ready since, in Georgian, in the store's time zone.
    assert babel_moment(ready_at, "Europe/London", "ka") in ready


async def test_every_unknown_token_gets_the_same_friendly_page(world: World) -> None:
    answers = []
    for token in (secrets.token_urlsafe(24), "not-a-token"):
        response = await page(world, token)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["vary"] == "Accept, Accept-Language"
        assert token not in response.text
        answers.append(response.text)
    assert answers[0] == answers[1]
    assert "We could not find this order" in answers[0]

    romanian = await page(world, "not-a-token", **{"Accept-Language": "ro"})
    assert translations("ro").gettext("We could not find this order") in shown(romanian)


async def test_a_guesser_meets_the_friendly_rate_limited_page(world: World) -> None:
    await fresh_window(60)
    async with visitor_of(world.client) as browser:
        for _ in range(MISSES_PER_MINUTE):
            miss = await browser.get(
                f"/track/{secrets.token_urlsafe(24)}", headers={"Accept": BROWSER}
            )
            assert miss.status_code == 404
        response = await browser.get(
            f"/track/{secrets.token_urlsafe(24)}",
            headers={"Accept": BROWSER, "Accept-Language": "ru"},
        )
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "ru"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    said = shown(response)
    ru = translations("ru")
    assert ru.gettext("Please wait a moment") in said
    assert (
        ru.ngettext(
            "There were too many requests from your connection. Please try again in"
            " %(num)d second.",
            "There were too many requests from your connection. Please try again in"
            " %(num)d seconds.",
            retry_after,
        )
        % {"num": retry_after}
        in said
    )
