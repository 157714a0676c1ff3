"""The screen checks themselves catch what they are for: a page with a serious accessibility
fault, a page wider than the tablet, a script the content security policy refused, and a
server error."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.browser.checks import (
    assert_accessible,
    assert_no_page_errors,
    assert_no_sideways_scroll,
)


async def test_axe_finds_a_serious_fault(page: Page) -> None:
    await page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main>'
        '<input id="q" name="q"><button></button></main></html>'
    )
    with pytest.raises(AssertionError) as refused:
        await assert_accessible(page, "a bad page")
    assert "button-name" in str(refused.value)
    assert "label" in str(refused.value)


async def test_a_page_wider_than_the_screen_is_caught(page: Page) -> None:
    await page.set_content('<!doctype html><div style="width: 1400px">wide</div>')
    with pytest.raises(AssertionError, match="scrolls sideways"):
        await assert_no_sideways_scroll(page, "a wide page")


async def test_a_script_refused_by_the_content_security_policy_is_caught(page: Page) -> None:
    await page.set_content(
        '<!doctype html><meta http-equiv="Content-Security-Policy" content="script-src \'self\'">'
        "<script>document.title = 'ran'</script>"
    )
    with pytest.raises(AssertionError, match="Content Security Policy"):
        assert_no_page_errors(page, "a page with an inline script")


async def test_a_server_error_is_caught(page: Page) -> None:
    await page.route("**/crash", lambda route: route.fulfill(status=500, body="boom"))
    await page.goto("/crash")
    with pytest.raises(AssertionError, match="server: 500 for GET"):
        assert_no_page_errors(page, "a crashed page")
