"""Browser fixtures: one Debian Chromium per session, a fresh context per test, phone and laptop.

Every test that asks for ``page`` or ``new_page`` runs once per viewport in DEVICES: the phone
in the SQLite pass, the laptop in the PostgreSQL pass (``--every-device`` runs both in one pass;
tests/conftest.py:DEVICE_OF_PASS). ``new_page(java_script_enabled=False)`` and the like change
one context only.
Playwright drives /usr/bin/chromium; we never download a browser build.
"""

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
#: How long a test waits for the page to decode a fake camera's first frames: under a full run
#: (four passes on two cores) that took over 10 s on this box, for the door and the Meet page.
CAMERA_DECODE_MS = 30_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEVICES = {
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1280, "height": 800}},
}
#: Short, because every page is served from localhost, yet with room for a CI box running three
#: passes on two cores (a fake camera there can take seconds to deliver its first frames).
#: Actions and expect() assertions both wait this long; expect() has its own default (5 s).
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=sorted(DEVICES))
def device(request) -> str:
    return request.param


@pytest.fixture()
def browser_context_args(device) -> dict:
    return dict(DEVICES[device])


@pytest.fixture()
def new_page(browser, browser_context_args, live_server):
    """Open a page in a context of its own (own cookies and session); ``overrides`` change the context."""
    contexts = []

    def open_page(**overrides):
        context = browser.new_context(base_url=live_server, **{**browser_context_args, **overrides})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_page):
    return new_page()
