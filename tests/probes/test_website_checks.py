"""Automatic website checks follow the registry: an HTTP check per application URL and per OPD website,
switched on only for loopback hosts (or when the city says so), moved with the URL, switched off with
their history kept or deleted when the URL is emptied or the object deleted; the reconciliation
catches what no signal told, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.core.models import ObjectChange
from infra.probes.choices import CheckKind
from infra.probes.models import Check, CheckEvent, CheckStatus
from infra.probes.services import checks as check_service
from infra.probes.services import websites
from tests.factories import ApplicationFactory, IPAddressFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
IN_STEP = {"created": 0, "updated": 0, "disabled": 0, "deleted": 0, "statuses": 0}


def http_checks(**filters):
    return Check.objects.filter(kind=CheckKind.HTTP, **filters)


def give_history(check: Check) -> None:
    CheckEvent.objects.create(
        probe_check=check, at="2026-01-01T00:00Z", kind="state", old_state="unknown", new_state="up"
    )


def test_an_application_url_on_loopback_gets_a_check_switched_on_with_the_defaults():
    app = ApplicationFactory(url="http://127.0.20.1:8080/layanan/")
    check = http_checks().get()
    assert (check.application_id, check.organization_id, check.url, check.address) == (
        app.pk,
        None,
        "http://127.0.20.1:8080/layanan/",
        "127.0.20.1",
    )
    assert (check.enabled, check.auto_created, check.interval, check.timeout, check.down_after, check.up_after) == (
        True,
        True,
        300,
        10.0,
        2,
        1,
    )
    assert CheckStatus.objects.filter(probe_check=check).exists()
    # Written through save(): the change log has it.
    assert ObjectChange.objects.filter(content_type__model="check", object_id=str(check.pk)).exists()


def test_a_public_website_gets_a_check_switched_off_until_a_person_switches_it_on():
    org = OrganizationFactory(website="https://diskominfo.example.go.id/")
    check = http_checks().get()
    assert (check.organization_id, check.address, check.enabled) == (org.pk, "diskominfo.example.go.id", False)
    check.enabled = True  # a person's switch
    check.save()
    org.description = "Dinas Komunikasi"
    org.save()
    assert websites.reconcile() == {"created": 0, "updated": 0, "disabled": 0, "deleted": 0}
    check.refresh_from_db()
    assert check.enabled is True  # never switched off again by the registry's follower
    org.website = "https://www.diskominfo.example.go.id/"
    org.save()
    check.refresh_from_db()
    assert (check.url, check.address, check.enabled) == (
        "https://www.diskominfo.example.go.id/",
        "www.diskominfo.example.go.id",
        True,
    )


def test_the_city_may_switch_every_website_check_on(settings):
    settings.SIMPUL_WEBSITE_CHECKS_ON = True
    OrganizationFactory(website="https://bappeda.example.go.id/")
    assert http_checks().get().enabled is True


def test_ipv6_loopback_is_loopback_and_a_name_is_not():
    assert websites.on_by_default("http://[::1]:8000/")
    assert websites.on_by_default("https://127.1.2.3/")
    assert not websites.on_by_default("http://localhost.example/")
    assert not websites.on_by_default("http://10.0.0.1/")


def test_a_url_that_is_no_website_gets_no_check():
    ApplicationFactory(url="ftp://127.0.20.9/berkas/")
    assert not http_checks().exists()
    assert websites.reconcile()["created"] == 0


def test_a_changed_url_moves_the_check_and_a_loopback_url_switches_it_on():
    app = ApplicationFactory(url="https://sipd.example.go.id/")
    check = http_checks().get()
    assert check.enabled is False
    app.url = "http://127.0.20.2/"
    app.save()
    check.refresh_from_db()
    assert (check.url, check.address, check.enabled) == ("http://127.0.20.2/", "127.0.20.2", True)
    assert http_checks().count() == 1


def test_an_emptied_url_deletes_a_check_without_history_and_disables_one_with_history():
    fresh = ApplicationFactory(url="http://127.0.20.3/")
    fresh.url = ""
    fresh.save()
    assert not http_checks(application=fresh).exists()

    used = OrganizationFactory(website="http://127.0.20.4/")
    check = http_checks(organization=used).get()
    give_history(check)
    used.website = ""
    used.save()
    check.refresh_from_db()
    assert (check.enabled, check.auto_created, check.url) == (False, True, "http://127.0.20.4/")
    assert check.status.state == "unknown"  # no longer probed: unknown from now on


def test_a_deleted_application_or_opd_takes_its_check_or_leaves_it_off_as_evidence():
    fresh = ApplicationFactory(url="http://127.0.20.5/")
    fresh.delete()
    assert not http_checks().exists()

    org = OrganizationFactory(website="http://127.0.20.6/")
    check = http_checks().get()
    give_history(check)
    org.delete()
    check.refresh_from_db()
    assert (check.enabled, check.auto_created, check.organization_id) == (False, False, None)
    assert CheckEvent.objects.filter(probe_check=check).exists()


def test_reconcile_catches_urls_written_without_signals():
    app = ApplicationFactory()
    org = OrganizationFactory()
    with connection.cursor() as cursor:  # past every door: no signal of any kind
        cursor.execute("UPDATE inventory_application SET url = %s WHERE id = %s", ["http://127.0.21.1/", app.pk])
        cursor.execute("UPDATE inventory_organization SET website = %s WHERE id = %s", ["http://127.0.21.2/", org.pk])
    assert not http_checks().exists()
    assert check_service.reconcile() == {**IN_STEP, "created": 2}
    assert set(http_checks().values_list("url", "enabled")) == {
        ("http://127.0.21.1/", True),
        ("http://127.0.21.2/", True),
    }
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_application SET url = %s WHERE id = %s", ["http://127.0.21.3/", app.pk])
        cursor.execute("UPDATE inventory_organization SET website = %s WHERE id = %s", ["", org.pk])
    assert check_service.reconcile() == {**IN_STEP, "updated": 1, "deleted": 1}
    assert list(http_checks().values_list("url", flat=True)) == ["http://127.0.21.3/"]
    assert check_service.reconcile() == IN_STEP


def test_reconcile_switches_off_a_check_left_without_its_application():
    """A check whose link was cut past every signal (raw SQL): kept with its history, switched off and
    no longer automatic; the application, still there with its URL, gets a new automatic check."""
    app = ApplicationFactory(url="http://127.0.21.4/")
    check = http_checks().get()
    give_history(check)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE probes_check SET application_id = NULL WHERE id = %s", [check.pk])
    assert websites.reconcile() == {"created": 1, "updated": 0, "disabled": 1, "deleted": 0}
    check.refresh_from_db()
    assert (check.enabled, check.auto_created) == (False, False)
    assert http_checks(application=app, auto_created=True).get().url == "http://127.0.21.4/"
    assert websites.reconcile() == {"created": 0, "updated": 0, "disabled": 0, "deleted": 0}


def test_icmp_orphans_and_website_checks_do_not_mix():
    """The ICMP reconciliation's orphans (automatic checks without an address) are ICMP checks only:
    the website checks, which have no address, stay."""
    ApplicationFactory(url="http://127.0.21.5/")
    IPAddressFactory(probe=True, address="127.0.21.6")
    assert check_service.reconcile() == IN_STEP
    assert http_checks().count() == 1


def test_reconcile_in_step_runs_the_same_queries_for_a_few_websites_or_many():
    def reconcile_queries(n: int) -> int:
        for i in range(n):
            ApplicationFactory(url=f"http://127.0.22.{i + 1}/")
            OrganizationFactory(website=f"https://opd{i}.example.go.id/")
        with CaptureQueriesContext(connection) as captured:
            assert check_service.reconcile() == IN_STEP
        return len(captured)

    few = reconcile_queries(2)
    assert reconcile_queries(25) == few
    with CaptureQueriesContext(connection) as captured:
        websites.reconcile()
    assert len(captured) == 3  # the automatic checks with their URLs; the applications and OPDs without one


def test_bulk_writes_of_urls_are_followed():
    """Core's bulk writers (the import, the API's bulk requests) send no post_save: bulk_written does."""
    from infra.core import bulk
    from infra.inventory.models import Application, Organization

    apps = bulk.create_many(
        Application,
        [
            Application(name=f"Layanan {i}", organization=OrganizationFactory(), url=f"http://127.0.23.{i + 1}/")
            for i in range(3)
        ],
    )
    assert http_checks(application__in=apps).count() == 3
    org = OrganizationFactory()
    before = bulk.snapshot(org)
    org.website = "http://127.0.23.9/"
    bulk.update_many(Organization, [(org, before, bulk.snapshot(org))])
    assert http_checks(organization=org).get().url == "http://127.0.23.9/"
