"""Browser fixtures: the app served on a free loopback port, and Debian's Chromium driven by
Playwright, with every console message (CSP violations included) kept for the test to check."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    """The app served over HTTP from a thread."""

    app: Flask
    url: str


@dataclass
class Console:
    """What the pages said on the console."""

    messages: list[str] = field(default_factory=list)

    def add(self, message: ConsoleMessage) -> None:
        """Keep one console message."""
        self.messages.append(f"{message.type}: {message.text}")

    def csp_violations(self) -> list[str]:
        """Return the messages that report a Content-Security-Policy violation."""
        return [m for m in self.messages if "Content Security Policy" in m or "Refused to" in m]


@pytest.fixture
def live_server(make_app: Callable[..., Flask]) -> Iterator[LiveServer]:
    """Serve a test app (rules, real Redis, its own SQLite) on a free loopback port."""
    app = make_app(public_rate_limit="1000 per minute")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console() -> Console:
    """The console messages of this test's pages."""
    return Console()


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, console: Console
) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (JavaScript on or off, any viewport)."""
    contexts: list[BrowserContext] = []

    def open_(
        path: str = "/", *, javascript: bool = True, width: int = 1024, height: int = 800
    ) -> Page:
        context = browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            locale="nl-NL",
        )
        contexts.append(context)
        page = context.new_page()
        page.on("console", console.add)
        page.goto(live_server.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
