"""Browser tests: Debian's Chromium driven by Playwright against the app running as a real
server process on loopback, one server and one browser for the whole session.

Chromium is the system's (``apt-get install chromium``), never a downloaded one; axe-core
comes from this folder's npm lock (``npm ci --prefix tests/browser``). ``make test``
installs both (scripts/browser-deps.sh); without them these tests fail and say what to run.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.config import Settings
from tests.browser.checks import AXE_SCRIPT, TABLET_LANDSCAPE, forget_page, watch_page_errors
from tests.browser.flows import NewPage
from tests.browser.server import AppServer

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium reaches out at start-up, and a closed
# network refuses those connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium: apt-get install chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_SCRIPT.exists():
        how = (
            "npm ci --prefix tests/browser"
            if shutil.which("npm")
            else "install npm, then make test"
        )
        pytest.fail(f"axe-core is missing ({AXE_SCRIPT}): {how}")
    return AXE_SCRIPT


@pytest.fixture(scope="session")
async def app_server(
    settings: Settings, engine: AsyncEngine, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AppServer]:
    """The app in its own process on the run's database (``engine`` has migrated it)."""
    async with AppServer(settings, tmp_path_factory.mktemp("browser-app")) as server:
        yield server


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
async def chromium(
    playwright: Playwright, chromium_path: Path, axe_script: Path
) -> AsyncIterator[Browser]:
    browser = await playwright.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    await browser.close()


@pytest.fixture
async def new_page(chromium: Browser, app_server: AppServer) -> AsyncIterator[NewPage]:
    """Opens a page in a fresh browser context (its own cookies: one person each), at the
    tablet's landscape size unless told otherwise; all are closed after the test."""
    contexts: list[BrowserContext] = []

    async def open_page(**options: object) -> Page:
        settings: dict[str, object] = {
            "base_url": app_server.url,
            "viewport": TABLET_LANDSCAPE,
            "locale": "en-GB",
        }
        settings.update(options)
        context = await chromium.new_context(**settings)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = await context.new_page()
        watch_page_errors(page)
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            forget_page(page)
        await context.close()


@pytest.fixture
async def page(new_page: NewPage) -> Page:
    return await new_page()
