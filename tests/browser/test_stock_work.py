"""Stock work in a real browser: receiving by scanning (the code, then Enter) adds to the
shelf here, and a code nobody knows is refused in its field, selected to be scanned over."""

from __future__ import annotations

from playwright.async_api import Page, expect
from sqlalchemy import select

from oms.db.models import Barcode, InventoryLevel
from tests.browser.checks import check_screen
from tests.browser.flows import go_by_menu, sign_in_with_form
from tests.support.catalogue import new_gtin13
from tests.support.web import staff_account
from tests.support.world import World, unique


async def test_receiving_by_scan_adds_units_here(world: World, page: Page) -> None:
    store = await world.location(name=unique("Briggate"))
    sku = await world.sku(name=unique("Tent pegs"))
    gtin = new_gtin13()
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin=gtin, sku_id=sku.id))
    await world.stock(sku, store, 3)
    await sign_in_with_form(page, await staff_account(world, "associate", (store,)))

    await go_by_menu(page, "Stock work")
    await check_screen(page, "stock-work")
    await page.get_by_role("link", name="Receive").click()
    scan = page.get_by_label("SKU or barcode", exact=True)
    await expect(scan).to_be_focused()
    await check_screen(page, "stock-work-receive")
    for on_hand in ("4", "5"):
        await page.keyboard.type(gtin)
        await page.keyboard.press("Enter")
        result = page.get_by_role("table", name="Stock after this change")
        await expect(result.locator("td.num").nth(1)).to_have_text(on_hand)
        await expect(scan).to_be_focused()
        await expect(scan).to_have_value("")

    await page.keyboard.type("2000000000008")  # a valid barcode no SKU carries
    await page.keyboard.press("Enter")
    await expect(page.locator("#feedback")).to_contain_text("not_found")
    await expect(scan).to_be_focused()
    await check_screen(page, "stock-work-refused")
    # The refused code stays selected, so the next scan replaces it rather than adding to it.
    await page.keyboard.type(gtin)
    await page.keyboard.press("Enter")
    await expect(result.locator("td.num").nth(1)).to_have_text("6")

    async with world.sessionmaker() as session:
        level = await session.scalar(
            select(InventoryLevel).where(
                InventoryLevel.sku_id == sku.id, InventoryLevel.location_id == store.id
            )
        )
    assert level is not None
    assert level.on_hand == 6
