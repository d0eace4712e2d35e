"""The probes' pages: who sees and changes what, the check's page, the device's checks panel, the
forms (bad input gets a clear message and changes nothing), bulk edit and delete, the filters."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from infra.core.models import ObjectChange
from infra.probes.models import Check, CheckEvent, CheckStatus, MaintenanceWindow, ProbeRun, Result
from infra.probes.views import RESULTS_PER_PAGE

from ..factories import CheckFactory, DeviceFactory, IPAddressFactory

pytestmark = pytest.mark.django_db
ROLES = ("admin", "engineer", "operator", "auditor")


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _version(client, url: str) -> str:
    return unescape(re.search(r'name="_version" value="([^"]+)"', client.get(url).content.decode()).group(1))


# --- who sees what -------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_checks_events_downtimes_runs_and_maintenance(clients, world, role):
    client = clients(role)
    for url in (
        reverse("probes:check_list"),
        reverse("probes:check", args=[world["auto"].pk]),
        reverse("probes:check", args=[world["snmp"].pk]),
        reverse("probes:check_history", args=[world["auto"].pk]),
        reverse("probes:checkevent_list"),
        reverse("probes:downtime_list"),
        reverse("probes:proberun_list"),
        reverse("probes:maintenancewindow_list"),
        reverse("probes:maintenancewindow", args=[world["window"].pk]),
    ):
        assert client.get(url).status_code == 200, (role, url)


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("engineer", True), ("operator", False), ("auditor", False)]
)
def test_credential_pages_are_for_engineers_and_administrators(clients, world, role, allowed):
    client = clients(role)
    pk = world["credential"].pk
    for url in (
        reverse("probes:snmpcredential_list"),
        reverse("probes:snmpcredential_add"),
        reverse("probes:snmpcredential", args=[pk]),
        reverse("probes:snmpcredential_edit", args=[pk]),
        reverse("probes:snmpcredential_delete", args=[pk]),
        reverse("probes:snmpcredential_history", args=[pk]),
    ):
        assert client.get(url).status_code == (200 if allowed else 403), (role, url)
    home = client.get("/").content.decode()
    assert ('data-testid="nav-credentials"' in home) is allowed
    assert 'data-testid="nav-probes"' in home


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_others_cannot_write_a_credential(clients, world, role):
    client = clients(role)
    pk = world["credential"].pk
    response = client.post(reverse("probes:snmpcredential_delete", args=[pk]))
    assert response.status_code == 403
    response = client.post(reverse("probes:snmpcredential_add"), {"name": "curian", "version": "2c", "community": "x"})
    assert response.status_code == 403
    assert world["credential"].__class__.objects.count() == 1


def test_the_search_finds_checks_but_not_credentials(clients, world):
    page = _html(clients("auditor").get(reverse("search") + "?q=127.31.0"))
    assert f'href="/probes/checks/{world["auto"].pk}/"' in page.split("<main", 1)[1]
    page = _html(clients("engineer").get(reverse("search") + "?q=inti"))
    assert "/probes/snmp-credentials/" not in page.split("<main", 1)[1]


def test_a_credential_is_named_on_its_check_but_linked_for_engineers_only(clients, world):
    url = reverse("probes:check", args=[world["snmp"].pk])
    link = f'href="/probes/snmp-credentials/{world["credential"].pk}/"'
    assert link in _html(clients("engineer").get(url))
    html = _html(clients("auditor").get(url))
    assert "inti-v3" in html and link not in html


# --- the list ------------------------------------------------------------------------------------
def test_the_state_column_is_translated(client, engineer, world):
    client.force_login(engineer)
    html = _html(client.get(reverse("probes:check_list"), HTTP_ACCEPT_LANGUAGE="id"))
    assert 'data-status="down">Mati<' in html and 'data-status="unknown">Tidak diketahui<' in html
    client.cookies["django_language"] = "en"
    html = _html(client.get(reverse("probes:check_list")))
    assert 'data-status="down">Down<' in html and 'data-status="unknown">Unknown<' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=down", {"auto"}),
        ("state=unknown", {"snmp", "manual"}),
        ("kind=snmp", {"snmp"}),
        ("enabled=false", set()),
        ("flapping=true", set()),
        ("q=127.31.0.2", {"manual"}),
        ("q=sw-dinkes", {"auto", "snmp"}),
        ("auto_created=true", {"auto"}),
    ],
)
def test_the_check_filters(client, engineer, world, query, expected):
    client.force_login(engineer)
    html = _html(client.get(f"{reverse('probes:check_list')}?{query}"))
    shown = {name for name in ("auto", "snmp", "manual") if f'href="/probes/checks/{world[name].pk}/"' in html}
    assert shown == expected


def test_filters_by_device_site_and_organization(client, engineer, world):
    client.force_login(engineer)
    own = world["own"]
    for query in (f"device={own.pk}", f"site={own.site_id}", f"organization={own.organization_id}"):
        html = _html(client.get(f"{reverse('probes:check_list')}?{query}"))
        assert f'href="/probes/checks/{world["manual"].pk}/"' not in html
        assert f'href="/probes/checks/{world["auto"].pk}/"' in html


def test_the_export_has_the_state_in_words(client, engineer, world):
    client.force_login(engineer)
    response = client.get(reverse("probes:check_list") + "?export=csv&state=down", HTTP_ACCEPT_LANGUAGE="id")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2 and "127.31.0.1" in lines[1] and "Mati" in lines[1]


# --- a check's page ------------------------------------------------------------------------------
def test_a_checks_page_shows_its_status_results_events_and_downtimes(client, engineer, world):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    html = _html(client.get(reverse("probes:check", args=[world["auto"].pk])))
    status = re.search(r'(?s)data-testid="check-status".*?</table>', html).group(0)
    assert 'data-status="down">Down<' in status and "Timeout" in status
    results = re.search(r'(?s)data-testid="results".*?</table>', html).group(0)
    times = re.findall(r"2026-03-10 (\d\d:\d\d):00", results)
    assert times == ["15:02", "15:01", "15:00"]  # newest first, in WIB
    assert "Reply" in results and "konsumen-uji" in results
    assert 'data-testid="older-results"' not in html
    events = re.search(r'(?s)data-testid="events".*?</table>', html).group(0)
    assert 'data-status="up"' in events and 'data-status="down"' in events
    downtimes = re.search(r'(?s)data-testid="downtimes".*?</table>', html).group(0)
    assert "still down" in downtimes


def test_an_snmp_checks_page_shows_what_the_agent_said(client, engineer, world):
    CheckStatus.objects.filter(probe_check=world["snmp"]).update(
        state="up", sys_name="sw-dinkes-core", sys_descr="Cisco IOS", sys_uptime=(2 * 86400 + 3723) * 100
    )
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    status = re.search(
        r'(?s)data-testid="check-status".*?</table>',
        _html(client.get(reverse("probes:check", args=[world["snmp"].pk]))),
    ).group(0)
    assert "sw-dinkes-core" in status and "Cisco IOS" in status and "2 days 01:02:03" in status


def test_results_are_paged_newest_first_by_time(client, engineer, world):
    check, prober = world["auto"], world["prober"]
    start = datetime.datetime(2026, 3, 11, tzinfo=datetime.UTC)
    Result.objects.bulk_create(
        Result(
            probe_check=check, time=start + datetime.timedelta(minutes=i), outcome=0, sent=3, received=3, prober=prober
        )
        for i in range(RESULTS_PER_PAGE + 10)
    )
    client.force_login(engineer)
    url = reverse("probes:check", args=[check.pk])
    seen = []
    while url:
        html = _html(client.get(url))
        table = re.search(r'(?s)data-testid="results".*?</table>', html).group(0)
        seen += re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)</td>", table)
        older = re.search(r'href="(\?before=[^"]+)" data-testid="older-results"', html)
        url = reverse("probes:check", args=[check.pk]) + older.group(1).replace("&amp;", "&") if older else None
    assert len(seen) == RESULTS_PER_PAGE + 10 + 3
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)


@pytest.mark.parametrize("before", ["kemarin", "2026-13-45T00:00:00+07:00", "9999-12-31T23:59:59-12:00", "²"])
def test_a_bad_before_shows_the_newest_results(client, engineer, world, before):
    client.force_login(engineer)
    html = _html(client.get(reverse("probes:check", args=[world["auto"].pk]), {"before": before}))
    assert "2026-03-10 15:02:00" in html


# --- the device's page -----------------------------------------------------------------------------
def test_a_devices_page_lists_its_checks(client, engineer, world):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    html = _html(client.get(reverse("inventory:device", args=[world["own"].pk])))
    panel = re.search(r'(?s)data-testid="device-checks".*?</table>', html).group(0)
    assert (
        f'href="/probes/checks/{world["auto"].pk}/"' in panel and f'href="/probes/checks/{world["snmp"].pk}/"' in panel
    )
    assert f'href="/probes/checks/{world["manual"].pk}/"' not in panel
    assert 'data-status="down">Down<' in panel and 'data-status="unknown">Unknown<' in panel
    add = re.search(r'href="([^"]+)" data-testid="add-check"', html).group(1).replace("&amp;", "&")
    form = _html(client.get(add))
    assert re.search(rf'<option value="{world["own"].pk}" selected>', form)


@pytest.mark.parametrize(
    ("role", "device", "offered"), [("operator", "own", True), ("operator", "other", False), ("auditor", "own", False)]
)
def test_add_check_is_offered_to_who_may_add(clients, world, role, device, offered):
    html = _html(clients(role).get(reverse("inventory:device", args=[world[device].pk])))
    assert ('data-testid="add-check"' in html) is offered
    assert 'data-testid="device-checks"' in html


def test_a_device_without_checks_says_so(client, engineer):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    html = _html(client.get(reverse("inventory:device", args=[DeviceFactory().pk])))
    assert "Nothing is probed on this device." in html


# --- forms -------------------------------------------------------------------------------------------
def _check_form(**values) -> dict:
    data = {
        "kind": "icmp",
        "interval": 60,
        "timeout": 1.0,
        "packets": 3,
        "retries": 1,
        "down_after": 3,
        "up_after": 2,
        "flap_low": 5,
        "flap_high": 20,
        "enabled": "on",
        "port": 161,
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_a_check_of_an_ip_address_takes_its_address_and_device(client, engineer, world):
    ip = IPAddressFactory(interface__device=world["other"], address="127.31.0.9")
    client.force_login(engineer)
    response = client.post(reverse("probes:check_add"), _check_form(ip_address=ip.pk))
    assert response.status_code == 302
    check = Check.objects.get(ip_address=ip)
    assert (check.address, check.device, check.auto_created) == ("127.31.0.9", world["other"], False)
    assert CheckStatus.objects.filter(probe_check=check).exists()  # due at once


def test_an_operator_adds_checks_to_their_own_devices_only(client, operator, world):
    client.force_login(operator)
    before = Check.objects.count()
    response = client.post(reverse("probes:check_add"), _check_form(device=world["own"].pk, address="127.31.0.20"))
    assert response.status_code == 302 and Check.objects.count() == before + 1
    response = client.post(reverse("probes:check_add"), _check_form(device=world["other"].pk, address="127.31.0.21"))
    assert response.status_code == 400
    assert Check.objects.count() == before + 1
    assert client.get(reverse("probes:check_edit", args=[world["manual"].pk])).status_code == 403
    # Credentials are not theirs to choose: the field is not on their form.
    assert 'name="credential"' not in _html(client.get(reverse("probes:check_add")))


def test_an_auditor_changes_nothing(client, auditor, world):
    client.force_login(auditor)
    changes = ObjectChange.objects.count()
    assert client.post(reverse("probes:check_add"), _check_form(address="127.31.0.30")).status_code == 403
    url = reverse("probes:check_edit", args=[world["manual"].pk])
    assert client.post(url, _check_form(address="127.31.0.31")).status_code == 403
    assert client.post(reverse("probes:check_delete", args=[world["manual"].pk])).status_code == 403
    response = client.post(
        reverse("probes:check_bulk_edit"), {"pk": [world["manual"].pk], "_apply": "1", "interval": 120}
    )
    assert response.status_code == 403
    assert ObjectChange.objects.count() == changes
    assert Check.objects.get(pk=world["manual"].pk).address == "127.31.0.2"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"interval": 5}, "interval", "greater than or equal to 30"),
        ({"timeout": 0}, "timeout", "greater than or equal to 0.1"),
        ({"packets": 0}, "packets", "greater than or equal to 1"),
        ({"flap_low": 30, "flap_high": 20}, "flap_low", "cannot be above the high threshold"),
        ({"kind": "snmp"}, "credential", "An SNMP check needs a credential."),
        ({"address": ""}, "address", "Give the address to probe, or choose an IP address."),
        ({"kind": "telnet"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, engineer, world, values, field, message):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    check = world["manual"]
    url = reverse("probes:check_edit", args=[check.pk])
    data = _check_form(address="127.31.0.2", device=world["other"].pk, _version=_version(client, url))
    data.update(values)
    changes = ObjectChange.objects.count()
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    errors = " ".join(re.findall(rf'data-field-error="{field}">([^<]*)<', html)) or " ".join(
        re.findall(r'(?s)data-testid="form-errors">(.*?)</div>\s*</div>', html)
    )
    assert message in errors.replace("&#x27;", "'")
    assert ObjectChange.objects.count() == changes
    check.refresh_from_db()
    assert (check.interval, check.flap_low, check.kind) == (60, 5.0, "icmp")


def test_an_automatic_check_keeps_what_the_registry_says(client, engineer, world):
    check = world["auto"]
    client.force_login(engineer)
    url = reverse("probes:check_edit", args=[check.pk])
    form = _html(client.get(url))
    assert re.search(r'<input type="text" name="address"[^>]*disabled', form)
    data = _check_form(address="127.31.0.99", kind="snmp", interval=300, _version=_version(client, url))
    assert client.post(url, data).status_code == 302
    check.refresh_from_db()
    assert (check.address, check.kind, check.interval) == ("127.31.0.1", "icmp", 300)


def test_bulk_edit_sets_the_thresholds_of_the_selected_checks(client, engineer, world):
    client.force_login(engineer)
    pks = [world["auto"].pk, world["manual"].pk]
    response = client.post(
        reverse("probes:check_bulk_edit"),
        {"pk": pks, "_apply": "1", "interval": 120, "down_after": 5, "packets": 5, "enabled": "true"},
    )
    assert response.status_code == 302
    assert set(Check.objects.filter(pk__in=pks).values_list("interval", "down_after", "packets", "enabled")) == {
        (120, 5, 5, True)
    }
    assert Check.objects.get(pk=world["snmp"].pk).interval == 60


def test_an_automatic_check_is_switched_by_its_address_mark_not_by_bulk_edit(client, engineer, world):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    pks = [world["auto"].pk, world["manual"].pk]
    response = client.post(reverse("probes:check_bulk_edit"), {"pk": pks, "_apply": "1", "enabled": "false"})
    assert response.status_code == 400
    assert "change the mark on the IP address instead" in response.content.decode()
    assert set(Check.objects.filter(pk__in=pks).values_list("enabled", flat=True)) == {True}  # nothing saved


def test_bulk_edit_refuses_bad_values_and_saves_none(client, engineer, world):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    pks = [world["auto"].pk, world["manual"].pk]
    response = client.post(reverse("probes:check_bulk_edit"), {"pk": pks, "_apply": "1", "flap_low": 50})
    assert response.status_code == 400
    assert "cannot be above the high threshold" in response.content.decode()
    assert set(Check.objects.filter(pk__in=pks).values_list("flap_low", flat=True)) == {5.0}


def test_an_operator_bulk_edits_their_own_checks_only(client, operator, world):
    client.force_login(operator)
    form = _html(client.post(reverse("probes:check_bulk_edit"), {"pk": [world["auto"].pk]}))
    assert 'name="credential"' not in form and 'value="credential"' not in form
    response = client.post(reverse("probes:check_bulk_edit"), {"pk": [world["auto"].pk], "_apply": "1", "interval": 90})
    assert response.status_code == 302 and Check.objects.get(pk=world["auto"].pk).interval == 90
    response = client.post(
        reverse("probes:check_bulk_edit"), {"pk": [world["auto"].pk, world["manual"].pk], "_apply": "1", "interval": 45}
    )
    assert response.status_code == 403
    assert Check.objects.get(pk=world["manual"].pk).interval == 60


def test_bulk_delete_takes_the_checks_and_their_results(client, engineer, world):
    client.force_login(engineer)
    pks = [world["auto"].pk, world["manual"].pk]
    response = client.post(reverse("probes:check_bulk_delete"), {"pk": pks, "_confirm": "1"})
    assert response.status_code == 302
    assert not Check.objects.filter(pk__in=pks).exists()
    assert not Result.objects.filter(probe_check_id=world["auto"].pk).exists()
    assert not CheckEvent.objects.filter(probe_check_id=world["auto"].pk).exists()


# --- maintenance windows -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"site": "own_site"}, "Choose exactly one of a device, a site or an organization."),
        ({"device": None}, "Choose exactly one of a device, a site or an organization."),
        ({"end": "2026-03-01T07:00"}, "The window must end after it starts."),
        ({"reason": ""}, "This field is required."),
        ({"start": "kemarin"}, "Enter a valid date/time."),
    ],
)
def test_a_maintenance_window_is_checked(client, engineer, world, values, message):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    data = {"device": world["own"].pk, "start": "2026-03-01T08:00", "end": "2026-03-01T10:00", "reason": "Ganti UPS"}
    if values.get("site") == "own_site":
        values = {"site": world["own"].site_id}
    data.update(values)
    data = {k: v for k, v in data.items() if v is not None}
    before = MaintenanceWindow.objects.count()
    response = client.post(reverse("probes:maintenancewindow_add"), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert MaintenanceWindow.objects.count() == before


def test_a_maintenance_window_is_entered_in_the_citys_time(client, engineer, world):
    client.force_login(engineer)
    data = {"site": world["own"].site_id, "start": "2026-04-01T22:00", "end": "2026-04-02T02:00", "reason": "Ganti UPS"}
    assert client.post(reverse("probes:maintenancewindow_add"), data).status_code == 302
    window = MaintenanceWindow.objects.get(site=world["own"].site)
    assert window.start == datetime.datetime(2026, 4, 1, 15, 0, tzinfo=datetime.UTC)


def test_an_operator_does_not_plan_maintenance(client, operator, world):
    client.force_login(operator)
    data = {"device": world["own"].pk, "start": "2026-04-01T22:00", "end": "2026-04-02T02:00", "reason": "Ganti UPS"}
    assert client.post(reverse("probes:maintenancewindow_add"), data).status_code == 403


# --- what the probes found -------------------------------------------------------------------------------
def test_the_found_lists_have_no_add_edit_or_selection(client, admin_user, world):
    client.force_login(admin_user)
    for name in ("checkevent", "downtime", "proberun"):
        html = _html(client.get(reverse(f"probes:{name}_list")))
        assert "+ " not in re.search(r"(?s)<h1.*?</div>", html).group(0)
        assert 'name="pk"' not in html and 'data-testid="bulk-edit"' not in html


def _rows(html: str) -> int:
    return len(re.findall(r'<tr class="(?:odd|even)"', html))


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("", 2),
        ("kind=state", 2),
        ("kind=reboot", 0),
        ("held=true", 1),
        ("new_state=down", 1),
        ("time_after=2026-03-10T15:01:00%2B07:00", 1),
        ("time_before=2026-03-10T15:01:00%2B07:00", 1),
        ("check={manual}", 1),
        ("device={own}", 1),
    ],
)
def test_the_event_filters(client, engineer, world, query, rows):
    CheckEvent.objects.create(
        probe_check=world["manual"],
        at=datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC),
        kind="state",
        old_state="unknown",
        new_state="up",
        held=True,
    )
    client.force_login(engineer)
    query = query.format(manual=world["manual"].pk, own=world["own"].pk)
    assert _rows(_html(client.get(f"{reverse('probes:checkevent_list')}?{query}"))) == rows


@pytest.mark.parametrize(
    ("query", "rows"),
    [("", 2), ("is_open=true", 1), ("is_open=false", 1), ("time_after=2026-03-10T16:00:00%2B07:00", 1)],
)
def test_the_downtime_filters(client, engineer, world, query, rows):
    world["downtime"].__class__.objects.create(
        probe_check=world["manual"],
        start=datetime.datetime(2026, 3, 10, 6, 0, tzinfo=datetime.UTC),
        end=datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC),
        cause=2,
    )
    client.force_login(engineer)
    html = _html(client.get(f"{reverse('probes:downtime_list')}?{query}"))
    assert _rows(html) == rows
    if "is_open=false" in query:
        assert "00:30:00" in html  # its duration


def test_the_run_filters(client, engineer, world):
    ProbeRun.objects.create(due=world["run"].due, kind="icmp", checks=[1, 2], status="lost", late=True)
    client.force_login(engineer)
    assert _rows(_html(client.get(reverse("probes:proberun_list") + "?late=true"))) == 1
    assert _rows(_html(client.get(reverse("probes:proberun_list") + "?status=done"))) == 1
    assert _rows(_html(client.get(reverse("probes:proberun_list")))) == 2


def test_a_check_is_listed_on_its_credentials_page(client, engineer, world):
    client.force_login(engineer)
    html = _html(client.get(reverse("probes:snmpcredential", args=[world["credential"].pk])))
    table = re.search(r'(?s)data-testid="credential-checks".*?</table>', html).group(0)
    assert f'href="/probes/checks/{world["snmp"].pk}/"' in table


def test_a_check_follows_its_device_in_the_list(client, engineer):
    """A check without a device (an address of no registered device) is listed too."""
    CheckFactory(device=None, address="127.31.0.77")
    client.force_login(engineer)
    assert "127.31.0.77" in _html(client.get(reverse("probes:check_list")))


def test_an_operator_cannot_point_an_snmp_check_elsewhere(client, operator, world):
    """An SNMP check sends its credential's secrets to its address and port: only those who read
    credentials change it, also on the operator's own device."""
    check = world["snmp"]
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    url = reverse("probes:check_edit", args=[check.pk])
    data = _check_form(
        kind="snmp", device=world["own"].pk, address="127.99.99.99", port=9999, _version=_version(client, url)
    )
    response = client.post(url, data)
    assert "SNMP checks are set up by engineers and administrators" in response.content.decode()
    check.refresh_from_db()
    assert (check.address, check.port) == ("127.31.0.1", 16161)
