"""Stock look-up in a real browser: a scanner types the barcode into the focused field and
presses Enter; the shelf here and the stores nearby show, and the field is ready for the next
scan."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from oms.db.models import Barcode
from tests.browser.checks import check_screen
from tests.browser.flows import sign_in_with_form
from tests.support.catalogue import new_gtin13
from tests.support.web import staff_account
from tests.support.world import World, unique


async def test_a_scanned_barcode_shows_here_and_nearby(world: World, page: Page) -> None:
    here = await world.location(name=unique("Briggate"))
    near = await world.location(name=unique("Headrow"), lat=53.82, lon=-1.58)
    sku = await world.sku(name=unique("Blue kettle"))
    gtin = new_gtin13()
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin=gtin, sku_id=sku.id))
    await world.stock(sku, here, 4)
    await world.stock(sku, near, 9)
    await sign_in_with_form(page, await staff_account(world, "associate", (here,)))

    await page.get_by_role("link", name="Stock look-up").click()
    field = page.get_by_label("SKU code, barcode or name")
    await expect(field).to_be_focused()
    await check_screen(page, "stock-lookup")
    await page.keyboard.type(gtin)  # what a scanner does: the digits, then Enter
    await page.keyboard.press("Enter")

    here_row = page.locator("#stock-here")
    await expect(here_row).to_contain_text(here.name)
    await expect(here_row.locator("td.num")).to_have_text(["4", "0", "4"])
    await expect(page.get_by_role("heading", name=re.compile(sku.name))).to_be_visible()
    nearby = page.locator("#stock-nearby tbody tr")
    await expect(nearby).to_have_count(1)
    await expect(nearby).to_contain_text(near.name)
    await expect(nearby.locator("td.num").last).to_have_text("9")
    await expect(page.locator("#stock-network td.num").last).to_have_text("13")
    await expect(page).to_have_url(re.compile(rf"/app/stock\?q={gtin}$"))
    # The field is empty and focused again: the next scan needs no tap.
    await expect(field).to_be_focused()
    await expect(field).to_have_value("")
    await check_screen(page, "stock-lookup-results")
