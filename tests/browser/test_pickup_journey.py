"""A pickup order from end to end in real browsers: taken at one store for collection at
another, picked there by scanning, put on the shelf, followed by the customer on a phone, and
handed over with the pickup code; an associate of a third store neither sees nor touches it.
Each screen on the way is checked with axe and at both tablet sizes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import select

from oms.db.models import (
    Barcode,
    Channel,
    ChannelPrice,
    InventoryLevel,
    Location,
    Order,
    Sku,
)
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_page_errors,
    assert_no_sideways_scroll,
    check_screen,
    screenshot,
)
from tests.browser.flows import NewPage, form_token, go_by_menu, sign_in_with_form
from tests.support.catalogue import new_gtin13
from tests.support.fulfilment import fulfilment, get_order
from tests.support.web import staff_account
from tests.support.world import World, unique


@dataclass
class Stores:
    """A (where the order is taken), B (where it is collected), C (elsewhere)."""

    a: Location
    b: Location
    c: Location
    sku: Sku
    gtin: str
    channel: Channel
    email: str


async def _stores(world: World) -> Stores:
    a = await world.location(name=unique("Briggate"))
    b = await world.location(name=unique("Headrow"), lat=53.82, lon=-1.58)
    c = await world.location(name=unique("Kirkgate"), lat=53.79, lon=-1.53)
    sku = await world.sku(name=unique("Camping stove"))
    gtin = new_gtin13()
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin=gtin, sku_id=sku.id))
    await world.stock(sku, a, 1)
    await world.stock(sku, b, 6)
    await world.stock(sku, c, 2)
    # The stores' till, which takes orders from staff, lists the SKU at £19.99.
    channel = await world.channel(kind="pos", locations=(a, b, c))
    async with world.sessionmaker() as session, session.begin():
        session.add(
            ChannelPrice(channel_id=channel.id, sku_id=sku.id, amount=1999, updated_by="test")
        )
    return Stores(a, b, c, sku, gtin, channel, f"{unique('ana')}@example.com")


async def _signed_in(world: World, new_page: NewPage, store: Location) -> Page:
    page = await new_page()
    await sign_in_with_form(page, await staff_account(world, "associate", (store,)))
    return page


async def _look_up_at_a(page: Page, stores: Stores) -> None:
    await page.goto("/app/stock")
    await page.get_by_label("SKU code, barcode or name").type(stores.gtin)
    await page.keyboard.press("Enter")
    await expect(page.locator("#stock-here td.num")).to_have_text(["1", "0", "1"])
    nearby = page.locator("#stock-nearby tbody tr", has_text=stores.b.name)
    await expect(nearby.locator("td.num").last).to_have_text("6")


async def _take_order_at_a(page: Page, world: World, stores: Stores) -> dict[str, Any]:
    """From the look-up's nearby row for B, the order form: a second unit scanned in, the
    customer typed, placed; the order as the API returns it."""
    nearby = page.locator("#stock-nearby tbody tr", has_text=stores.b.name)
    await nearby.get_by_role("link", name="Order for pickup there").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Take an order")
    line = page.locator(f'#basket-lines tr[data-sku="{stores.sku.code}"]')
    await expect(line.locator("td.num").first).to_have_text("1")
    await expect(page.get_by_label("Collect at another store")).to_be_checked()
    await expect(page.get_by_label("Collect at", exact=True)).to_have_value(stores.b.code)
    await page.get_by_label("Scan or type a SKU, barcode or name").type(stores.gtin)
    await page.keyboard.press("Enter")
    await expect(line.locator("td.num").first).to_have_text("2")
    await expect(page.locator("#basket-total")).to_have_text("£39.98")
    await page.get_by_label("Customer's name").fill("Ana Popescu")
    await page.get_by_label("Customer's email").fill(stores.email)
    # Left unset: the customer's readers below each get their browser's language.
    await expect(page.get_by_label("Customer's language")).to_have_value("")
    await check_screen(page, "order-form")
    await page.get_by_role("button", name="Place order").click()
    placed = page.get_by_role("status").filter(has_text="placed")
    await expect(placed).to_contain_text(re.compile(r"Order \d+ placed"))
    await check_screen(page, "order-placed")
    number = int(re.findall(r"Order (\d+) placed", await placed.inner_text())[0])
    async with world.sessionmaker() as session:
        order_id = await session.scalar(select(Order.id).where(Order.number == number))
    assert order_id is not None
    order = await get_order(world.client, world, str(order_id))
    tracking = await page.locator("#tracking-link").get_attribute("href")
    assert tracking is not None
    assert tracking.endswith(f"/track/{order['tracking_token']}")
    return order


async def _third_store_is_kept_out(
    page: Page, order: dict[str, Any], fulfilment_id: str, code: str | None
) -> None:
    """Store C's associate: not in their queue, not openable, and their own forms (with
    their own valid token) refused for it."""
    await page.goto("/app/work")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Fulfilment queue")
    await expect(page.locator(f'[data-order="{order["number"]}"]')).to_have_count(0)
    opened = await page.goto(f"/app/work/{fulfilment_id}")
    assert opened is not None
    assert opened.status in (403, 404), opened.status
    await page.goto("/app")
    token = await form_token(page)
    attempts: dict[str, dict[str, str]] = {
        f"/app/work/{fulfilment_id}/start-picking": {},
        f"/app/work/{fulfilment_id}/ready-for-pickup": {},
        f"/app/handover/{fulfilment_id}": {"code": code or "ABCDEF"},
    }
    for path, fields in attempts.items():
        form: dict[str, str | float | bool] = {
            "_csrf": token,
            "idempotency_key": uuid.uuid4().hex,
            **fields,
        }
        refused = await page.request.post(path, form=form)
        assert refused.status in (403, 404), (path, refused.status, await refused.text())


async def _pick_at_b(page: Page, order: dict[str, Any], stores: Stores) -> None:
    await expect(page.locator("#tile-to-pick .count")).to_have_text("1")  # home, today
    await go_by_menu(page, "Fulfilment")
    card = page.locator(f'a[data-order="{order["number"]}"]')
    await expect(card).to_be_visible()
    await check_screen(page, "fulfilment-queue")
    await card.click()
    await expect(page.locator("#work-state")).to_have_attribute("data-state", "pending")
    await page.get_by_role("button", name="Start picking").click()
    await expect(page.locator("#work-state")).to_have_attribute("data-state", "picking")
    scan = page.get_by_label("Scan an item (barcode or SKU)")
    await expect(scan).to_be_focused()
    await check_screen(page, "pick-list")
    for picked in ("1", "2"):  # two units: the scanner twice, each time the code and Enter
        await page.keyboard.type(stores.gtin)
        await page.keyboard.press("Enter")
        await expect(page.locator("#pick-lines td.picked")).to_contain_text(picked)
        await expect(scan).to_be_focused()
    await page.get_by_role("button", name="Finish picking").click()
    await expect(page.locator("#work-state")).to_have_attribute("data-state", "packed")
    await page.get_by_role("button", name="Ready for pickup").click()
    await expect(page.locator("#work-state")).to_have_attribute("data-state", "ready_for_pickup")


@dataclass
class Phones:
    """The customer's phone in English, and a Romanian reader's (browser set to Romanian)."""

    english: Page
    romanian: Page


async def _open_tracking(new_page: NewPage, token: str) -> Phones:
    phones = []
    for locale in ("en-GB", "ro-RO"):  # sent as Accept-Language
        phone = await new_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
        shown = await phone.goto(f"/track/{token}")
        assert shown is not None
        assert shown.status == 200
        assert (await shown.header_value("content-type") or "").startswith("text/html")
        phones.append(phone)
    return Phones(*phones)


async def _tracking_shows_the_code(phones: Phones) -> str:
    """Both readers see the order ready to collect with the same pickup code, each in their
    own language; the English reader can switch to Romanian."""
    english, romanian = phones.english, phones.romanian
    await expect(english.locator("html")).to_have_attribute("lang", "en")
    await expect(english.locator(".part .status")).to_have_text("Ready to collect")
    await expect(english.get_by_text("Your pickup code")).to_be_visible()
    code = (await english.locator(".code-value").inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{4,12}", code), code
    await expect(romanian.locator("html")).to_have_attribute("lang", "ro")
    await expect(romanian.locator(".part .status")).to_have_text("Gata de ridicare")
    await expect(romanian.get_by_text("Codul de ridicare")).to_be_visible()
    await expect(romanian.locator(".code-value")).to_have_text(code)
    for phone, name in ((english, "tracking-ready-en"), (romanian, "tracking-ready-ro")):
        await assert_accessible(phone, name)
        await assert_no_sideways_scroll(phone, name)
        assert_no_page_errors(phone, name)
        await screenshot(phone, name)
    await english.get_by_role("link", name="Română").click()
    await expect(english.locator("html")).to_have_attribute("lang", "ro")
    await expect(english.locator(".part .status")).to_have_text("Gata de ridicare")
    await english.get_by_role("link", name="English").click()
    await expect(english.locator(".part .status")).to_have_text("Ready to collect")
    return code


async def _tracking_shows_collected(phones: Phones) -> None:
    await phones.english.reload()
    await expect(phones.english.locator(".part .status")).to_have_text("Collected")
    await expect(phones.english.locator(".code-value")).to_have_count(0)
    await phones.romanian.reload()
    await expect(phones.romanian.locator(".part .status")).to_have_text("Ridicată")
    await screenshot(phones.english, "tracking-collected-en")


async def _hand_over_at_b(page: Page, order: dict[str, Any], code: str) -> None:
    await page.get_by_role("link", name="OMS", exact=True).click()
    await expect(page.locator("#tile-pickups .count")).to_have_text("1")
    await expect(page.locator("#tile-to-pick .count")).to_have_text("0")
    await check_screen(page, "home-today")
    await go_by_menu(page, "Hand-over")
    search = page.get_by_label("Pickup code, order number, email or phone")
    await expect(search).to_be_focused()
    await check_screen(page, "hand-over")
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(str(order["number"]))
    await expect(page.locator("#handover-state")).to_have_attribute(
        "data-state", "ready_for_pickup"
    )
    await expect(page.get_by_label("Customer's pickup code")).to_have_value(code)
    await check_screen(page, "hand-over-order")
    await page.get_by_role("button", name="Hand over", exact=True).click()
    await expect(page.locator("#handover-state")).to_have_attribute("data-state", "picked_up")


async def test_a_pickup_taken_at_one_store_is_collected_at_another(
    world: World, new_page: NewPage
) -> None:
    stores = await _stores(world)
    at_a = await _signed_in(world, new_page, stores.a)
    await _look_up_at_a(at_a, stores)
    order = await _take_order_at_a(at_a, world, stores)
    fulfilment_id = fulfilment(order, "pickup")["id"]

    at_c = await _signed_in(world, new_page, stores.c)
    await _third_store_is_kept_out(at_c, order, fulfilment_id, None)

    at_b = await _signed_in(world, new_page, stores.b)
    await _pick_at_b(at_b, order, stores)
    phones = await _open_tracking(new_page, order["tracking_token"])
    code = await _tracking_shows_the_code(phones)
    await _third_store_is_kept_out(at_c, order, fulfilment_id, code)
    await _hand_over_at_b(at_b, order, code)
    await _tracking_shows_collected(phones)

    # What the screens did, read back: the order as typed, collected at B, B's shelf down 2.
    stored = await get_order(world.client, world, order["id"])
    assert stored["customer"]["name"] == "Ana Popescu"
    assert stored["customer"]["email"] == stores.email
    collected = fulfilment(stored, "pickup")
    assert collected["state"] == "picked_up"
    assert collected["location"] == stores.b.code
    async with world.sessionmaker() as session:
        levels = await session.execute(
            select(InventoryLevel.location_id, InventoryLevel.on_hand).where(
                InventoryLevel.sku_id == stores.sku.id
            )
        )
        on_hand = dict(levels.all())
    assert on_hand == {stores.a.id: 1, stores.b.id: 4, stores.c.id: 2}
