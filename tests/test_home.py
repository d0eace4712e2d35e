"""The home page: the headline figures, for every role, in Indonesian, at a fixed cost in queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra.inventory.choices import BlockerCategory, DeviceKind, FiberLinkStatus, MigrationState
from infra.inventory.models import MigrationBlocker
from infra.inventory.services.migration import start_tracking, transition

from .factories import (
    DeviceFactory,
    FiberLinkFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

S = MigrationState
ROLES = ["admin_user", "engineer", "operator", "auditor"]


def marked(html: str, attribute: str) -> dict[str, Decimal]:
    """Values of the elements carrying ``data-<attribute>="key"``, as numbers."""
    return {
        key: number(text)
        for key, text in re.findall(rf'data-{attribute}="([^"]+)"[^>]*>([^<]*)<', html)
        if text.strip()
    }


def number(text: str) -> Decimal:
    """A figure as the page shows it, in either locale: "1.234,5" (id) or "1,234.5" (en), "40,0%"."""
    text = text.strip().rstrip("%").strip().replace("\xa0", "")
    if "," in text and (text.rfind(",") > text.rfind(".")):
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return Decimal(text)


@pytest.fixture
def city(operator):
    """Three OPDs (one the operator's), four sites, seven devices, four fiber links, five servers tracked."""
    own = operator.organization
    dinkes = OrganizationFactory(short_name="Dinkes")
    bpbd = OrganizationFactory(short_name="BPBD")
    data_center = SiteFactory(name="Pusat Data Balai Kota", organization=None)
    office_a = SiteFactory(name="Kantor Dinkes", organization=dinkes)
    office_b = SiteFactory(name="Kantor BPBD", organization=bpbd)
    office_c = SiteFactory(name="Kantor Operator", organization=own)

    servers = [
        DeviceFactory(organization=dinkes, site=office_a, kind=DeviceKind.SERVER),
        DeviceFactory(organization=dinkes, site=office_a, kind=DeviceKind.VIRTUAL_MACHINE),
        DeviceFactory(organization=bpbd, site=office_b, kind=DeviceKind.SERVER),
        DeviceFactory(organization=own, site=office_c, kind=DeviceKind.SERVER),
        DeviceFactory(organization=own, site=office_c, kind=DeviceKind.SERVER),
    ]
    DeviceFactory(organization=bpbd, site=office_b, kind=DeviceKind.SWITCH)
    DeviceFactory(organization=dinkes, site=data_center, kind=DeviceKind.FIREWALL)

    FiberLinkFactory(site_a=data_center, site_b=office_a, length_km=Decimal("2.500"), status=FiberLinkStatus.ACTIVE)
    FiberLinkFactory(site_a=data_center, site_b=office_b, length_km=Decimal("1.200"), status=FiberLinkStatus.ACTIVE)
    FiberLinkFactory(site_a=data_center, site_b=office_c, length_km=Decimal("4.000"), status=FiberLinkStatus.PLANNED)
    FiberLinkFactory(site_a=office_a, site_b=office_b, length_km=Decimal("0.300"), status=FiberLinkStatus.FAULTY)

    moves = [
        [S.ASSESSED, S.SCHEDULED, S.MIGRATING, S.TESTING, S.CUT_OVER, S.ACCEPTED],
        [S.RETIRED],
        [S.ASSESSED],
        [],
        [],
    ]
    for server, path in zip(servers, moves, strict=True):
        migration = start_tracking(server)
        for state in path:
            transition(migration, state, override_reason="uji")
    return {"organizations": 3, "sites": 4, "devices": 7}


class TestHeadline:
    @pytest.mark.parametrize("role", ROLES)
    def test_figures_for_every_role(self, client, request, city, role):
        client.force_login(request.getfixturevalue(role))
        response = client.get("/")
        assert response.status_code == 200
        html = response.content.decode()

        figures = marked(html, "figure")
        assert figures["organizations"] == city["organizations"]
        assert figures["sites"] == city["sites"]
        assert figures["devices"] == city["devices"]
        assert figures["percent-done"] == Decimal("40.0")  # accepted + retired of five servers

        states = marked(html, "state")
        assert set(states) == set(S.values)
        assert states == {
            **dict.fromkeys(S.values, 0),
            S.ACCEPTED: 1,
            S.RETIRED: 1,
            S.ASSESSED: 1,
            S.INVENTORIED: 2,
        }

        fiber = marked(html, "fiber")
        assert fiber == {
            FiberLinkStatus.PLANNED: Decimal("4.0"),
            FiberLinkStatus.UNDER_CONSTRUCTION: Decimal("0.0"),
            FiberLinkStatus.ACTIVE: Decimal("3.7"),
            FiberLinkStatus.FAULTY: Decimal("0.3"),
            FiberLinkStatus.DECOMMISSIONED: Decimal("0.0"),
        }

    def test_an_empty_city(self, client, engineer):
        client.force_login(engineer)
        html = client.get("/").content.decode()
        figures = marked(html, "figure")
        assert figures == {"organizations": 0, "sites": 0, "devices": 0, "percent-done": 0}
        assert set(marked(html, "state").values()) == {0}
        assert set(marked(html, "fiber").values()) == {0}

    def test_figures_follow_the_data(self, client, engineer, city):
        client.force_login(engineer)
        OrganizationFactory()
        DeviceFactory(organization=OrganizationFactory(), site=SiteFactory())
        figures = marked(client.get("/").content.decode(), "figure")
        assert figures["organizations"] == city["organizations"] + 3  # one more from each site's factory
        assert figures["sites"] == city["sites"] + 1
        assert figures["devices"] == city["devices"] + 1


class TestLanguage:
    def test_indonesian_by_default(self, client, auditor):
        client.force_login(auditor)
        html = client.get("/").content.decode()
        assert re.search(r'<html[^>]*\blang="id"', html)

    def test_the_login_page_is_indonesian_too(self, client):
        assert re.search(r'<html[^>]*\blang="id"', client.get("/login/").content.decode())

    def test_english_on_request(self, client, auditor):
        client.force_login(auditor)
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert response.status_code == 302
        assert re.search(r'<html[^>]*\blang="en"', client.get("/").content.decode())


def grow(count: int, start: int) -> None:
    """Add ``count`` servers with migrations in every state, blockers, waves and fiber links."""
    organizations = [OrganizationFactory() for _ in range(3)]
    sites = [SiteFactory(organization=org) for org in organizations]
    wave = MigrationWaveFactory()
    paths = [
        [],
        [S.ASSESSED],
        [S.ASSESSED, S.SCHEDULED],
        [S.ASSESSED, S.SCHEDULED, S.MIGRATING, S.TESTING, S.CUT_OVER],
        [S.RETIRED],
        [S.RETAINED],
    ]
    for i in range(count):
        org = organizations[i % 3]
        device = DeviceFactory(organization=org, site=sites[i % 3], name=f"srv-{start + i:05d}")
        migration = start_tracking(
            device, wave=wave if i % 2 else None, planned_start=datetime.date(2024, 1, 1) if i % 5 == 0 else None
        )
        for state in paths[i % len(paths)]:
            transition(migration, state, reason="uji", override_reason="uji")
        if i % 7 == 0:
            MigrationBlocker.objects.create(migration=migration, category=BlockerCategory.CAPACITY)
    FiberLinkFactory(site_a=sites[0], site_b=sites[1], status=FiberLinkStatus.ACTIVE)
    FiberLinkFactory(site_a=sites[1], site_b=sites[2], status=FiberLinkStatus.PLANNED)


class TestQueryCount:
    def test_same_number_of_queries_for_10_and_200_servers(self, client, engineer, query_counts):
        client.force_login(engineer)
        grow(10, start=0)
        client.get("/")  # warm-up: per-process caches (content types) are filled once
        with CaptureQueriesContext(connection) as small:
            response = client.get("/")
        assert response.status_code == 200
        assert marked(response.content.decode(), "figure")["devices"] == 10

        grow(190, start=10)
        # warm again: the status panel's answer is cached for ten seconds, which growing the city can
        # outlast on a loaded machine (the pinned count is the warm one)
        client.get("/")
        with CaptureQueriesContext(connection) as large:
            response = client.get("/")
        assert response.status_code == 200
        assert marked(response.content.decode(), "figure")["devices"] == 200
        assert len(large) == len(small), "\n".join(q["sql"] for q in large.captured_queries)
        query_counts.check("web/home-as-engineer", len(small))

    def test_the_count_is_small(self, client, engineer, query_counts):
        client.force_login(engineer)
        grow(12, start=0)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        assert len(queries) <= 20, "\n".join(q["sql"] for q in queries.captured_queries)
        query_counts.check("web/home-as-engineer", len(queries))


def test_progress_percentage_matches_the_selector(client, engineer, city):
    from infra.inventory.selectors import migration_progress

    client.force_login(engineer)
    shown = marked(client.get("/").content.decode(), "figure")["percent-done"]
    assert shown == Decimal(str(migration_progress(as_of=timezone.now()).overall.percent_done))


def test_a_wrong_password_is_refused_in_plain_indonesian(client, auditor):
    response = client.post("/login/", {"username": auditor.username, "password": "salah"}, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nama pengguna atau kata sandi salah. Huruf besar dan kecil dibedakan." in html
    assert "nama pengguna nama pengguna" not in html.lower()
    assert "_auth_user_id" not in client.session
