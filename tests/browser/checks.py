"""What every screen is checked for in a real browser: axe-core's accessibility rules, no
sideways scrolling at the tablet sizes, no script or server error on the way, and a
screenshot to look at afterwards."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from playwright.async_api import ConsoleMessage, Error, Page, Response, ViewportSize

BROWSER_TESTS = Path(__file__).parent
AXE_SCRIPT = BROWSER_TESTS / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = BROWSER_TESTS.parent / "artifacts"

TABLET_LANDSCAPE = ViewportSize(width=1280, height=800)
TABLET_PORTRAIT = ViewportSize(width=800, height=1280)
PHONE = ViewportSize(width=390, height=844)
TABLET_SIZES = (TABLET_LANDSCAPE, TABLET_PORTRAIT)

# Minor and moderate findings are advice; these stop someone using the screen.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


# What went wrong on each page: its scripts' uncaught errors and console errors (such as a
# script or an inline handler the content security policy refused), and any answer of the
# server's that is a 5xx (bad input is refused with a 4xx, never a crash).
_PAGE_ERRORS: dict[Page, list[str]] = {}
_REFUSALS_LOGGED = ("Failed to load resource", "Response Status Error Code")


def watch_page_errors(page: Page) -> None:
    errors = _PAGE_ERRORS.setdefault(page, [])

    def on_console(message: ConsoleMessage) -> None:
        # A refused form answers 4xx on purpose; the browser and HTMX log each such answer
        # (a 5xx is caught from the response itself).
        if message.type == "error" and not message.text.startswith(_REFUSALS_LOGGED):
            errors.append(f"console: {message.text}")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error.message}")

    def on_response(response: Response) -> None:
        if response.status >= 500:
            errors.append(f"server: {response.status} for {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)


def forget_page(page: Page) -> None:
    _PAGE_ERRORS.pop(page, None)


def assert_no_page_errors(page: Page, screen: str) -> None:
    errors = _PAGE_ERRORS.get(page, [])
    assert not errors, f"errors up to {screen} ({page.url}):\n" + "\n".join(errors)


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['failureSummary']}")
            lines.append(f"       {node['html'][:200]}")
    return "\n".join(lines)


async def assert_accessible(page: Page, screen: str) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's devtools channel: a <script> tag would be refused by
        # the app's content security policy (scripts only from its own files), which stays on.
        await page.evaluate(_axe_source())
    result: dict[str, Any] = await page.evaluate("async () => await axe.run(document)")
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"accessibility violations on {screen} ({page.url}):\n" + _describe(
        blocking
    )


async def assert_no_sideways_scroll(page: Page, screen: str) -> None:
    widths: dict[str, int] = await page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], (
        f"{screen} scrolls sideways at {page.viewport_size}: {widths['scroll']} px of content"
        f" in {widths['inner']} px"
    )


async def screenshot(page: Page, screen: str) -> Path:
    """A full-page PNG in tests/artifacts, named by screen and viewport size."""
    size = page.viewport_size
    assert size is not None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{screen}-{size['width']}x{size['height']}.png"
    await page.screenshot(path=path, full_page=True)
    return path


async def check_screen(page: Page, screen: str) -> None:
    """The screen now shown, at both tablet sizes: accessible, no sideways scrolling, and a
    screenshot of each; no script or server error so far; the page is left at the landscape size."""
    assert_no_page_errors(page, screen)
    await assert_accessible(page, screen)
    for size in TABLET_SIZES:
        await page.set_viewport_size(size)
        await assert_no_sideways_scroll(page, screen)
        await screenshot(page, screen)
    await page.set_viewport_size(TABLET_LANDSCAPE)
