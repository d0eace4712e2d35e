"""The content security policy in a real browser: a tour of the main pages reports no violation, and
the scripts the pages rely on (Bootstrap, htmx, Simpul's own) still work under it. Also the sign-in
lock-out and the password change an administrator's reset asks for, as a person meets them."""

import re

import pytest
from playwright.sync_api import expect

from infra.core.choices import Role
from infra.inventory import models

from ..factories import DeviceFactory, FiberLinkFactory, MigrationFactory, MigrationWaveFactory, UserFactory
from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects what the browser blocks, whether or not it also says so on the console.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP complaint collected: console messages and violation events."""
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(LISTEN)

    def violations() -> list[str]:
        events = page.evaluate("window.__cspViolations || []")
        return complaints + [f"{page.url}: {e}" for e in events]

    page.csp_violations = violations
    return page


def test_a_tour_of_the_main_pages_breaks_no_content_security_rule(watched, login):
    page = watched
    admin = UserFactory(username="admin-b", role=Role.ADMINISTRATOR, first_name="Sari")
    device = DeviceFactory(name="srv-bapenda-01")
    wave = MigrationWaveFactory()
    migration = MigrationFactory(device=device, wave=wave)
    models.YearTarget.objects.create(year=2026, servers_moved=40)
    FiberLinkFactory(site_a=device.site)
    login(admin)
    seen = []

    def visit(url: str) -> None:
        response = page.goto(url)
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, (url, policy)
        page.wait_for_load_state("networkidle")
        seen.extend(page.csp_violations())

    visit("/")
    # Bootstrap's dropdowns and collapse run under the policy.
    page.locator("a.dropdown-toggle", has_text="Perangkat").first.click()
    expect(page.locator(".dropdown-menu.show")).to_be_visible()
    seen.extend(page.csp_violations())

    visit("/devices/?status=active&q=srv")
    page.get_by_role("button", name="Kolom").click()
    expect(page.get_by_test_id("column-chooser")).to_be_visible()
    page.locator("[data-move=down]").first.click()  # simpul.js
    seen.extend(page.csp_violations())

    visit(f"/devices/{device.pk}/")
    visit(f"/devices/{device.pk}/history/")
    visit(f"/devices/{device.pk}/edit/")
    visit(f"/migrations/{migration.pk}/")
    visit("/migrations/board/")
    visit("/migrations/progress/")
    expect(page.get_by_test_id("chart")).to_be_visible()
    visit("/import/")
    visit("/sign-ins/")
    visit("/sign-ins/failed/")
    visit("/password/")
    visit("/search/?q=srv")
    visit("/admin/")
    visit("/admin/core/user/")
    visit(f"/admin/core/user/{admin.pk}/change/")
    visit(f"/admin/inventory/device/{device.pk}/change/")
    visit("/no-such-page/")
    assert seen == []

    # The watch itself works: an inline style slipped into the page is reported.
    visit("/")
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')""")
    page.wait_for_timeout(300)
    assert any("style-src" in complaint for complaint in page.csp_violations())


def test_the_picker_search_works_under_the_policy(watched, login):
    """htmx swaps the options of a search picker in: no inline style, no eval."""
    page = watched
    engineer = UserFactory(username="insinyur-c", role=Role.ENGINEER)
    device = DeviceFactory()
    models.Interface.objects.bulk_create(models.Interface(device=device, name=f"eth{i:03d}") for i in range(250))
    login(engineer)
    page.goto("/ip-addresses/add/")
    search = page.locator("input[data-picker-search]").first
    search.fill("eth249")
    expect(page.locator("#id_interface option", has_text="eth249")).to_have_count(1)
    assert page.csp_violations() == []


def test_locked_out_after_ten_wrong_passwords_in_indonesian(page):
    user = UserFactory(username="operator-d", role=Role.AUDITOR)
    for _ in range(10):
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "salah-terus-123")
        page.get_by_test_id("login").click()
    expect(page.get_by_test_id("locked-out")).to_contain_text("Terlalu banyak")
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("locked-out")).to_be_visible()


def test_a_reset_password_must_be_replaced_at_the_next_sign_in(page, login):
    user = UserFactory(username="auditor-d", role=Role.AUDITOR, first_name="Dewi")
    user.must_change_password = True
    user.save()
    login_page = page
    login_page.goto("/login/")
    login_page.fill("#id_username", user.username)
    login_page.fill("#id_password", PASSWORD)
    login_page.get_by_test_id("login").click()
    expect(page).to_have_url(re.compile(r"/password/$"))
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.goto("/devices/")
    expect(page).to_have_url(re.compile(r"/password/$"))
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "kata-sandi-dewi-2026")
    page.fill("#id_new_password2", "kata-sandi-dewi-2026")
    page.get_by_test_id("password-change").locator("button").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("Dewi")
    page.goto("/devices/")
    expect(page).to_have_url(re.compile(r"/devices/$"))
