"""The "Situs web OPD" report: its rows (every OPD, applications with a URL), availability that agrees
with the monthly report, filters, sorting, pages, downloads, a fixed query count, the engineers'
"switch on" and the panels on an OPD's and an application's page.

WebsiteStatus rows are written here as services.websites would write them (another part's job)."""

import csv
import datetime
import io
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from infra.core.choices import Role
from infra.core.models import ObjectChange
from infra.probes import reports, websites
from infra.probes.models import Check, CheckEvent, CheckStatus, WebsiteStatus

from ..factories import ApplicationFactory, OrganizationFactory, UserFactory

NOW = timezone.now()


def website_check(owner, url: str, *, enabled: bool = True, **fields) -> Check:
    """The website check of an OPD or application: the automatic one when the services made it on
    save, else one made here as they would."""
    link = {"application": owner} if hasattr(owner, "url") else {"organization": owner}
    check = Check.objects.filter(kind="http", **link).first()
    if check is None:
        check = Check(kind="http", url=url, interval=300, timeout=10, down_after=2, up_after=1, **link)
    check.url, check.enabled = url, enabled
    check.address = urlsplit(url).hostname  # full_clean checks the field before Check.clean() sets it
    for name, value in fields.items():
        setattr(check, name, value)
    check.full_clean()
    check.save()
    return check


def website_status(check: Check, *, state: str = "up", since=None, **found) -> WebsiteStatus:
    CheckStatus.objects.update_or_create(
        probe_check=check, defaults={"state": state, "since": since or NOW - datetime.timedelta(hours=2)}
    )
    WebsiteStatus.objects.update_or_create(probe_check=check, defaults={"checked_at": NOW, **found})
    return WebsiteStatus.objects.get(probe_check=check)


@pytest.fixture
def city(db):
    """Four OPDs: one fresh and up, one stale with an expiring certificate and down, one with its
    check off, one without a website; and two applications, one with a URL."""
    fresh = OrganizationFactory(short_name="Diskominfo", name="Dinas Komunikasi", website="https://127.0.0.1:8443/")
    stale = OrganizationFactory(short_name="Dinkes", name="Dinas Kesehatan", website="http://127.0.0.2/")
    off = OrganizationFactory(short_name="Bappeda", name="Badan Perencanaan", website="http://127.0.0.3/")
    bare = OrganizationFactory(short_name="Satpol", name="Satuan Polisi", website="")
    checks = {
        "fresh": website_check(fresh, fresh.website),
        "stale": website_check(stale, stale.website),
        "off": website_check(off, off.website, enabled=False),
    }
    website_status(
        checks["fresh"],
        status_code=200,
        last_update=NOW - datetime.timedelta(days=3),
        update_source="feed",
        update_detail="https://127.0.0.1:8443/feed/",
        tls_expires=NOW + datetime.timedelta(days=200),
        tls_version="TLSv1.3",
        tls_issuer="CN=Demo CA",
        hsts=True,
        warnings=[],
    )
    website_status(
        checks["stale"],
        state="down",
        status_code=503,
        last_update=NOW - datetime.timedelta(days=120),
        update_source="sitemap",
        tls_expires=NOW + datetime.timedelta(days=10),
        warnings=["stale", "cert_expiring", "mixed_content"],
        mixed_content=["http://127.0.0.2/logo.png"],
    )
    app = ApplicationFactory(name="E-Planning", organization=fresh, url="http://127.0.0.4/eplanning/")
    ApplicationFactory(name="Arsip", organization=stale, url="")
    checks["app"] = website_check(app, app.url)
    website_status(checks["app"], status_code=200, warnings=["plain_http"], plain_http_only=True)
    return {"fresh": fresh, "stale": stale, "off": off, "bare": bare, "app": app, "checks": checks}


def by_name(found):
    return {row.name: row for row in found}


def test_every_opd_has_a_row_and_each_shows_what_its_check_found(city):
    found = by_name(websites.rows("organizations"))
    assert set(found) >= {"Diskominfo", "Dinkes", "Bappeda", "Satpol"}
    assert found["Satpol"].state == "no_website" and found["Satpol"].check_id is None
    assert found["Bappeda"].state == "off" and found["Bappeda"].enabled is False
    assert found["Diskominfo"].state == "up"
    assert found["Diskominfo"].update_source == "feed" and found["Diskominfo"].days_since == 3
    assert 199 <= found["Diskominfo"].days_left <= 200
    assert found["Dinkes"].state == "down" and found["Dinkes"].stale
    assert [value for value, _label, _color in found["Dinkes"].warning_badges] == [
        "cert_expiring",
        "mixed_content",
        "stale",
    ]
    apps = by_name(websites.rows("applications"))
    assert set(apps) == {"E-Planning"}  # an application without a URL is not a website
    assert apps["E-Planning"].organization == "Diskominfo" and apps["E-Planning"].warnings == ["plain_http"]


def test_availability_agrees_with_the_monthly_report(city):
    """The same check over the same month: the same figure in both reports."""
    check = city["checks"]["stale"]
    start, end = websites.this_month()
    CheckEvent.objects.create(probe_check=check, at=start - datetime.timedelta(days=2), kind="state", new_state="up")
    middle = start + (end - start) / 2
    CheckEvent.objects.create(probe_check=check, at=middle, kind="state", old_state="up", new_state="down")
    row = by_name(websites.rows("organizations"))["Dinkes"]
    month = timezone.localdate(timezone=reports.city_zone()).replace(day=1)
    monthly = {r.pk: r for r in reports.monthly(None, month).checks}
    assert row.percent is not None and 0 < row.percent < 100
    # the monthly report ran a moment later (its "now" is later): allow for that moment only
    assert row.percent == pytest.approx(monthly[check.pk].figures.percent, abs=0.01)


def test_filters_search_and_sorting(city):
    every = websites.rows("organizations")

    def names(**params):
        return [r.name for r in websites.select(every, websites.parse(params))]

    assert names(stale="1") == ["Dinkes"]
    assert names(no_website="1") == ["Satpol"]
    assert names(state="off") == ["Bappeda"]
    assert names(warning="cert_expiring") == ["Dinkes"]
    assert names(organization=str(city["fresh"].pk)) == ["Diskominfo"]
    assert names(q="kesehatan") == ["Dinkes"]
    assert names(q="127.0.0.3") == ["Bappeda"]
    assert names(state="nonsense") == names()  # unknown values are left out, never an error
    assert names()[0] == "Dinkes"  # by default what needs attention comes first
    ours = ["Bappeda", "Diskominfo", "Dinkes", "Satpol"]
    assert [n for n in names(ordering="name") if n in ours] == sorted(ours)
    assert names(ordering="last_update")[:2] == ["Dinkes", "Diskominfo"]
    assert names(ordering="-last_update")[:2] == ["Diskominfo", "Dinkes"]
    # rows without a value stay last in either direction
    assert names(ordering="-tls_expires")[-1] not in ("Dinkes", "Diskominfo")
    assert names(ordering="days_left")[:2] == ["Dinkes", "Diskominfo"]


def test_the_page_shows_rows_filters_and_empty_state(client, city):
    client.force_login(UserFactory(role=Role.AUDITOR))
    page = client.get(reverse("probes:websites"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="down"' in html and "Not updated" in html and "No website" in html
    assert 'data-testid="switch-on"' not in html  # an auditor switches nothing on
    empty = client.get(reverse("probes:websites"), {"q": "tidak-ada-yang-cocok"}).content.decode()
    assert 'data-testid="empty"' in empty
    apps = client.get(reverse("probes:websites-applications")).content.decode()
    assert "E-Planning" in apps and "Arsip" not in apps


def test_the_page_speaks_indonesian(client, city):
    client.force_login(UserFactory(role=Role.AUDITOR))
    html = client.get(reverse("probes:websites"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Situs web OPD" in html and "Tidak ada situs web" in html


def test_downloads_hold_the_filtered_rows_with_headers_in_the_users_language(client, city):
    client.force_login(UserFactory(role=Role.AUDITOR))
    url = reverse("probes:websites")
    text = b"".join(client.get(url, {"export": "csv", "stale": "1"}, HTTP_ACCEPT_LANGUAGE="en").streaming_content)
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0][:4] == ["OPD", "Name", "Website", "State"]
    assert [row[0] for row in table[1:]] == ["Dinkes"]
    assert "Not updated" in table[1][table[0].index("Warnings")]
    response = client.get(url, {"export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="id")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert header[2] == "Situs web" and "Peringatan" in header
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    fresh = values["Diskominfo"]
    assert fresh[header.index("Hari sejak pembaruan")] == 3  # a number, not text
    assert isinstance(fresh[header.index("Pembaruan terakhir")], datetime.datetime)


def _grow(n: int) -> None:
    for i in range(n):
        org = OrganizationFactory(website=f"http://127.0.1.{i + 1}/")
        check = website_check(org, org.website)
        website_status(check, warnings=["no_hsts"], last_update=NOW, update_source="news")
        CheckEvent.objects.create(
            probe_check=check, at=NOW - datetime.timedelta(minutes=5), kind="state", new_state="up"
        )


@pytest.mark.query_counts
def test_the_page_costs_the_same_queries_at_two_sizes(client, city, engineer, query_counts):
    client.force_login(engineer)
    url = reverse("probes:websites")

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    _grow(2)
    small = count(per_page="25")
    _grow(30)
    assert count(per_page="25") == small
    assert count(per_page="100") == small
    query_counts.check("web/probes-websites", small)


def test_engineers_switch_checks_on_and_the_change_is_logged(client, city, engineer):
    off = city["checks"]["off"]
    client.force_login(engineer)
    html = client.get(reverse("probes:websites")).content.decode()
    assert f'name="pk" value="{off.pk}"' in html and 'data-testid="switch-on"' in html
    response = client.post(reverse("probes:websites-switch-on"), {"pk": [off.pk], "return_url": "/probes/websites/"})
    assert response.status_code == 302 and response["Location"] == "/probes/websites/"
    off.refresh_from_db()
    assert off.enabled
    change = ObjectChange.objects.filter(object_id=off.pk, content_type__model="check").latest("id")
    assert change.user == engineer and change.before["enabled"] is False and change.after["enabled"] is True


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.OPD_OPERATOR])
def test_others_do_not_see_the_action_and_get_403(client, city, role):
    off = city["checks"]["off"]
    user = UserFactory(role=role, organization=city["off"] if role == Role.OPD_OPERATOR else None)
    client.force_login(user)
    html = client.get(reverse("probes:websites")).content.decode()
    assert 'data-testid="switch-on"' not in html and 'name="pk"' not in html
    assert client.post(reverse("probes:websites-switch-on"), {"pk": [off.pk]}).status_code == 403
    off.refresh_from_db()
    assert not off.enabled


def test_the_action_switches_website_checks_only(client, city, engineer, world):
    client.force_login(engineer)
    icmp = world["manual"]
    assert client.post(reverse("probes:websites-switch-on"), {"pk": [icmp.pk]}).status_code == 404


def test_opd_and_application_pages_have_the_website_panel(client, city):
    client.force_login(UserFactory(role=Role.AUDITOR))
    html = client.get(city["stale"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="website-panel"' in html and "Certificate expires soon" in html
    assert f'href="/probes/checks/{city["checks"]["stale"].pk}/"' in html
    bare = client.get(city["bare"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No website recorded." in bare
    app = client.get(city["app"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="website-panel"' in app and "Plain HTTP only" in app


def test_the_check_page_shows_the_response_tls_and_freshness(client, city):
    client.force_login(UserFactory(role=Role.AUDITOR))
    check = city["checks"]["stale"]
    WebsiteStatus.objects.filter(probe_check=check).update(
        redirects=[[301, "https://127.0.0.2/"]],
        final_url="https://127.0.0.2/",
        ttfb_ms=12.5,
        total_ms=40.0,
        tls_version="TLSv1.2",
        tls_issuer="CN=Demo CA",
        hsts=False,
        fingerprint="ab" * 32,
        fingerprint_since=NOW - datetime.timedelta(days=30),
    )
    html = client.get(check.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in ("503", "12.5", "https://127.0.0.2/", "301", "TLSv1.2", "CN=Demo CA", "http://127.0.0.2/logo.png"):
        assert text in html, text
    assert 'data-testid="website-response"' in html and 'data-testid="website-freshness"' in html


def test_the_check_form_makes_an_http_check_from_a_url(client, engineer):
    client.force_login(engineer)
    response = client.post(
        reverse("probes:check_add"),
        {
            "kind": "http",
            "url": "https://127.0.0.9:8443/layanan/",
            "expect_text": "Selamat datang",
            "stale_days": "30",
            "interval": "300",
            "timeout": "10",
            "down_after": "2",
            "up_after": "1",
            "flap_low": "5",
            "flap_high": "20",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    check = Check.objects.get(url="https://127.0.0.9:8443/layanan/")
    assert check.address == "127.0.0.9" and check.expect_text == "Selamat datang" and check.stale_days == 30


def test_the_check_form_refuses_an_http_check_without_a_url(client, engineer):
    client.force_login(engineer)
    response = client.post(
        reverse("probes:check_add"),
        {
            "kind": "http",
            "interval": "300",
            "timeout": "10",
            "down_after": "2",
            "up_after": "1",
            "flap_low": "5",
            "flap_high": "20",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "An HTTP(S) check needs a URL." in response.content.decode()
    assert not Check.objects.filter(kind="http").exists()


def test_an_opds_website_comes_in_and_out_of_the_spreadsheet(db, tmp_path):
    """Organization.website is a column of the organizations sheet (situs_web), both ways; a bad URL is
    refused with the row named."""
    from infra.inventory import spreadsheets
    from infra.inventory.models import Organization

    good = tmp_path / "opd.csv"
    good.write_text("nama,singkatan,jenis,situs_web\nDinas Pariwisata,Dispar,dinas,https://127.0.0.5/\n")
    spreadsheets.import_file("organizations", good)
    assert Organization.objects.get(short_name="Dispar").website == "https://127.0.0.5/"
    out = io.StringIO()
    spreadsheets.export("organizations", out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert {r["singkatan"]: r["situs_web"] for r in exported}["Dispar"] == "https://127.0.0.5/"
    bad = tmp_path / "bad.csv"
    bad.write_text("nama,singkatan,jenis,Alamat Website\nDinas Lain,Dislain,dinas,bukan alamat\n")
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("organizations", bad)
    errors = " ".join(str(e) for e in failure.value.errors)
    assert "Alamat Website" in errors or "situs_web" in errors, errors
    assert not Organization.objects.filter(short_name="Dislain").exists()
