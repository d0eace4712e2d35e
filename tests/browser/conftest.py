"""Browser tests: Debian's Chromium, headless, driven by Playwright's Python API."""

import os
import shutil

import pytest

from infra.core.choices import Role

from ..factories import UserFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "rahasia-uji-123"

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# between page steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make test`, which installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page):
    def _login(user):
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.get_by_test_id("login").click()
        page.wait_for_url("**/")
        return page

    return _login


@pytest.fixture
def engineer_user(transactional_db):
    return UserFactory(username="insinyur-b", role=Role.ENGINEER, first_name="Rina")
