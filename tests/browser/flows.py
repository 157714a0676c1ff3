"""Steps several browser tests take: signing in through the form as a person would."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Page

from tests.support.web import PASSWORD

SIGNED_IN = re.compile(r"/app(/store)?$")

# The `new_page` fixture: a page in a fresh browser context (one person each).
NewPage = Callable[..., Awaitable[Page]]


async def sign_in_with_form(page: Page, username: str, password: str = PASSWORD) -> None:
    """Types the user name and password into the sign-in form and sends it."""
    await page.goto("/app/login")
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(SIGNED_IN)


async def form_token(page: Page) -> str:
    """The signed-in page's form token (the sign-out form carries it on every page)."""
    token = await page.locator('form[action="/app/logout"] input[name="_csrf"]').input_value()
    assert token
    return token


async def go_by_menu(page: Page, name: str) -> None:
    """Follows a link of the main menu at the top of every signed-in page."""
    menu = page.get_by_role("navigation", name="Main")
    await menu.get_by_role("link", name=name, exact=True).click()
