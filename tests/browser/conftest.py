"""Browser tests: Debian's chromium driven by Python playwright against the real stack
(every service in-process, real RabbitMQ and store, the gateway serving the built pages)."""
import os

import pytest

from tests.support.browser import PHONE, People
from tests.support.paths import ROOT

pytestmark = pytest.mark.integration

DIST_INDEX = os.path.join(ROOT, "services", "gateway", "web", "dist", "index.html")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def playwright_driver():
    """One playwright driver for the session. Its graceful stop waits on a greenlet switch that
    never returns under eventlet's monkey-patching, so at the end the driver process is killed
    instead (browsers are closed by then)."""
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    yield manager.start()
    process = manager._client._transport._proc
    if process.returncode is None:
        process.kill()


@pytest.fixture(autouse=True)
def bounded():
    """A browser test that stops making progress fails instead of holding `make test`."""
    import eventlet

    with eventlet.Timeout(300, AssertionError("the browser test did not finish within 300 s")):
        yield


@pytest.fixture
def browser(stack, playwright_driver):
    """One chromium per test, closed before the stack stops (its open connections would hold the gateway)."""
    if not os.path.isfile(DIST_INDEX):
        pytest.skip("the pages are not built (services/gateway/web/dist): run `make web` (make test does it)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (deploy/scripts/infra.sh installs it)")
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def base_url(web_config_port):
    return f"http://127.0.0.1:{web_config_port}/"


@pytest.fixture
def people(stack, base_url):
    return People(stack, base_url)


@pytest.fixture
def open_page(browser, stack, base_url):
    """``page = open_page(PHONE)``: a fresh browser context (own cookies) on the stack's gateway; ``options`` go to
    the context (``bypass_csp=True`` to inject a test's script). Anything the Content-Security-Policy blocks fails the test."""
    contexts, blocked = [], []

    def make(viewport=PHONE, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base_url, **options)
        context.set_default_timeout(30000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
        return page
    yield make
    for context in contexts:
        for page in context.pages:
            page.goto("about:blank")  # drop the page's keep-alive connections before the stack stops
        context.close()
    assert blocked == [], "blocked by the Content-Security-Policy:\n" + "\n".join(blocked)
