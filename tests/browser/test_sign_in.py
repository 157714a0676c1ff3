"""Signing in to the associate app in a real browser: typed into the form, with the keyboard
alone, and a form sent without its token refused while the session stays signed in."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.checks import check_screen
from tests.browser.flows import sign_in_with_form
from tests.support.web import PASSWORD, staff_account
from tests.support.world import World


async def test_signing_in_through_the_form_lands_on_home(world: World, page: Page) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    await page.goto("/app")
    await expect(page).to_have_url(re.compile(r"/app/login"))
    await check_screen(page, "sign-in")
    await sign_in_with_form(page, username)
    await expect(page).to_have_url(re.compile(r"/app$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(store.name)
    await check_screen(page, "home")


async def test_the_sign_in_can_be_done_with_the_keyboard_alone(world: World, page: Page) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    await page.goto("/app/login")
    await expect(page.locator("#username")).to_be_focused()  # ready for typing at once
    await page.keyboard.type(username)
    await page.keyboard.press("Tab")
    await expect(page.locator("#password")).to_be_focused()
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/app$"))
    # The first Tab on a signed-in page offers to skip the menu.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/app#main$"))


async def test_a_form_sent_without_its_token_is_refused_and_the_session_stays(
    world: World, page: Page
) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    await sign_in_with_form(page, username)
    status = await page.evaluate(
        """async () => (await fetch('/app/logout', {
            method: 'POST', body: new URLSearchParams({}),
        })).status"""
    )
    assert status == 403
    # The sign-out form with its hidden token taken out, sent with its own button.
    await page.locator('form[action="/app/logout"] input[name="_csrf"]').evaluate("e => e.remove()")
    response_wait = page.expect_response(re.compile(r"/app/logout$"))
    async with response_wait as refused_info:
        await page.get_by_role("button", name="Sign out").click()
    refused = await refused_info.value
    assert refused.status == 403
    await expect(page.get_by_text("form_token_invalid", exact=False).first).to_be_attached()
    home = await page.goto("/app")
    assert home is not None
    assert home.status == 200
    await expect(page).to_have_url(re.compile(r"/app$"))  # still signed in
    # With its token the same form does sign out.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/app/login"))
    await page.goto("/app")
    await expect(page).to_have_url(re.compile(r"/app/login"))
