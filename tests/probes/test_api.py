"""The probes' API: checks written like the inventory's records (roles, read-only tokens, bulk), what
the probes found read-only, raw results by check and time a cursor page at a time, and availability."""

import datetime

import pytest

from infra.core.models import ObjectChange
from infra.probes.models import Check, CheckEvent, CheckStatus, Downtime, Result

from ..api.conftest import token_client
from ..factories import IPAddressFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 11, 0, 0, tzinfo=UTC)


def _check_body(**values) -> dict:
    return {"kind": "icmp", "interval": 120, **values}


# --- checks --------------------------------------------------------------------------------------
def test_an_engineer_writes_checks(apis, world):
    api = apis["engineer"]
    ip = IPAddressFactory(interface__device=world["other"], address="127.31.1.1")
    response = api.post("/api/probes/checks/", _check_body(ip_address=ip.pk), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["address"], created["device"]["id"]) == ("127.31.1.1", world["other"].pk)
    assert created["state"] == "unknown"
    url = f"/api/probes/checks/{created['id']}/"
    etag = api.get(url)["ETag"]
    response = api.patch(url, {"down_after": 5}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["down_after"] == 5
    assert api.patch(url, {"down_after": 6}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert api.delete(url).status_code == 204
    assert not Check.objects.filter(pk=created["id"]).exists()


def test_a_bulk_create_gives_every_check_its_status(apis, world):
    body = [_check_body(address=f"127.31.2.{n}", device=world["other"].pk) for n in range(1, 6)]
    response = apis["engineer"].post("/api/probes/checks/", body, format="json")
    assert response.status_code == 201, response.json()
    ids = [item["id"] for item in response.json()]
    assert CheckStatus.objects.filter(probe_check_id__in=ids, next_due__isnull=False).count() == 5
    assert ObjectChange.objects.filter(content_type__model="check", object_id__in=ids).count() == 5


def test_an_automatic_check_is_switched_by_its_address_mark(apis, world):
    api = apis["engineer"]
    response = api.patch(f"/api/probes/checks/{world['auto'].pk}/", {"enabled": False}, format="json")
    assert response.status_code == 400 and "enabled" in response.json()
    assert Check.objects.get(pk=world["auto"].pk).enabled
    assert api.patch(f"/api/probes/checks/{world['manual'].pk}/", {"enabled": False}, format="json").status_code == 200


def test_bulk_update_and_delete(apis, world):
    api = apis["engineer"]
    items = [{"id": world["auto"].pk, "interval": 300}, {"id": world["manual"].pk, "interval": 300}]
    assert api.patch("/api/probes/checks/", items, format="json").status_code == 200
    assert set(Check.objects.filter(pk__in=[i["id"] for i in items]).values_list("interval", flat=True)) == {300}
    bad = [{"id": world["auto"].pk, "flap_low": 90}, {"id": world["manual"].pk, "interval": 1}]
    response = api.patch("/api/probes/checks/", bad, format="json")
    assert response.status_code == 400 and {i["index"] for i in response.json()["items"]} == {0, 1}
    assert Check.objects.get(pk=world["auto"].pk).flap_low == 5.0
    assert api.delete("/api/probes/checks/", [world["manual"].pk], format="json").status_code == 204
    assert not Check.objects.filter(pk=world["manual"].pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval": 10}, "interval"),
        ({"kind": "snmp"}, "credential"),
        ({"flap_low": 50, "flap_high": 10}, "flap_low"),
        ({"address": "", "ip_address": None}, "address"),
        ({"kind": "ssh"}, "kind"),
        ({"device": 999999}, "device"),
    ],
)
def test_bad_checks_are_refused_by_field(apis, world, body, field):
    before = Check.objects.count()
    response = apis["engineer"].post(
        "/api/probes/checks/", {**_check_body(address="127.31.3.1"), **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Check.objects.count() == before


def test_an_operator_writes_their_own_devices_checks(apis, world):
    api = apis["operator"]
    own = api.post("/api/probes/checks/", _check_body(address="127.31.4.1", device=world["own"].pk), format="json")
    assert own.status_code == 201
    other = api.post("/api/probes/checks/", _check_body(address="127.31.4.2", device=world["other"].pk), format="json")
    assert other.status_code == 403
    assert api.patch(f"/api/probes/checks/{world['manual'].pk}/", {"interval": 90}, format="json").status_code == 403
    assert api.patch(f"/api/probes/checks/{world['auto'].pk}/", {"interval": 90}, format="json").status_code == 200
    # They may not move their check onto another OPD's device, nor an automatic check off its address's
    # device, nor point a check at another device's address.
    moved = api.patch(f"/api/probes/checks/{own.json()['id']}/", {"device": world["other"].pk}, format="json")
    assert moved.status_code == 403
    moved = api.patch(f"/api/probes/checks/{world['auto'].pk}/", {"device": world["other"].pk}, format="json")
    assert moved.status_code == 400 and "ip_address" in moved.json()
    foreign = IPAddressFactory(interface__device=world["other"], address="127.31.0.50")
    elsewhere = api.post(
        "/api/probes/checks/",
        _check_body(address="127.31.4.9", device=world["own"].pk, ip_address=foreign.pk),
        format="json",
    )
    assert elsewhere.status_code == 400 and "ip_address" in elsewhere.json()
    # SNMP checks send a credential's secrets to their address and port: engineers' business only.
    for change in ({"address": "127.99.99.99"}, {"port": 9999}, {"interval": 90}):
        snmp = api.patch(f"/api/probes/checks/{world['snmp'].pk}/", change, format="json")
        assert snmp.status_code == 400 and "kind" in snmp.json(), change
    assert Check.objects.get(pk=world["snmp"].pk).address != "127.99.99.99"
    check = api.post(
        "/api/probes/checks/",
        _check_body(kind="snmp", address="127.31.4.3", device=world["own"].pk, credential=world["credential"].pk),
        format="json",
    )
    assert check.status_code == 400


def test_auditors_and_read_only_tokens_read_only(apis, engineer, world):
    read_only = token_client(engineer, read_only=True)
    for api in (apis["auditor"], read_only):
        assert api.get("/api/probes/checks/").status_code == 200
        assert api.get("/api/probes/maintenance-windows/").status_code == 200
        assert api.post("/api/probes/checks/", _check_body(address="127.31.5.1"), format="json").status_code == 403
        assert api.delete(f"/api/probes/checks/{world['manual'].pk}/").status_code == 403
        body = {"device": world["own"].pk, "start": "2026-04-01T00:00+07:00", "end": "2026-04-01T01:00+07:00"}
        assert api.post("/api/probes/maintenance-windows/", {**body, "reason": "x"}, format="json").status_code == 403
    assert Check.objects.filter(pk=world["manual"].pk).exists()


def test_maintenance_windows(apis, world):
    api = apis["engineer"]
    body = {"site": world["own"].site_id, "start": "2026-04-01T22:00+07:00", "end": "2026-04-02T02:00+07:00"}
    response = api.post("/api/probes/maintenance-windows/", {**body, "reason": "Ganti UPS"}, format="json")
    assert response.status_code == 201 and response.json()["site"]["id"] == world["own"].site_id
    both = {**body, "device": world["own"].pk, "reason": "x"}
    response = api.post("/api/probes/maintenance-windows/", both, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose exactly one of a device, a site or an organization." in str(response.json())
    backwards = {**body, "end": "2026-04-01T21:00+07:00", "reason": "x"}
    response = api.post("/api/probes/maintenance-windows/", backwards, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "The window must end after it starts." in str(response.json())
    refused = apis["operator"].post("/api/probes/maintenance-windows/", {**body, "reason": "x"}, format="json")
    assert refused.status_code == 403
    utc = {"site": world["own"].site_id, "start": "2026-05-01T15:00:00Z", "end": "2026-05-01T16:00:00Z"}
    created = api.post("/api/probes/maintenance-windows/", {**utc, "reason": "x"}, format="json").json()
    read = api.get(created["url"]).json()  # read back from the database, where times are UTC
    assert created["display"] == read["display"] == f"{world['own'].site.name}: 2026-05-01 22:00"
    brief = api.get("/api/probes/maintenance-windows/?brief=1").json()["results"]
    assert {item["display"].split(":")[0] for item in brief} == {world["own"].name, world["own"].site.name}


# --- what the probes found -----------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["events", "downtimes", "runs", "status"])
def test_what_the_probes_found_is_read_only(apis, world, prefix):
    api = apis["admin"]
    listed = api.get(f"/api/probes/{prefix}/")
    assert listed.status_code == 200 and listed.json()["count"] >= 1
    one = listed.json()["results"][0]
    assert api.get(one["url"]).status_code == 200
    assert api.post(f"/api/probes/{prefix}/", {}, format="json").status_code == 405
    assert api.delete(one["url"]).status_code == 405
    assert apis["auditor"].get(f"/api/probes/{prefix}/").status_code == 200


def test_the_status_of_each_check(apis, world):
    api = apis["auditor"]
    rows = api.get("/api/probes/status/?state=down").json()["results"]
    assert [row["check"]["id"] for row in rows] == [world["auto"].pk]
    assert (rows[0]["last_outcome"], rows[0]["last_outcome_label"], rows[0]["last_loss"]) == (1, "Timeout", 100.0)
    unknown = api.get(f"/api/probes/status/?state=unknown&organization={world['own'].organization_id}").json()
    assert [row["check"]["id"] for row in unknown["results"]] == [world["snmp"].pk]
    indonesian = api.get("/api/probes/status/?state=down", HTTP_ACCEPT_LANGUAGE="id").json()["results"][0]
    assert indonesian["last_outcome_label"] == "Waktu habis"
    one = api.get(f"/api/probes/status/{world['auto'].pk}/").json()
    assert one["state"] == "down" and one["check"]["url"].endswith(f"/api/probes/checks/{world['auto'].pk}/")


def test_events_and_downtimes_filters(apis, world):
    api = apis["engineer"]
    CheckEvent.objects.create(probe_check=world["manual"], at=T0, kind="reboot", detail="sysUpTime turun")
    Downtime.objects.create(probe_check=world["manual"], start=T0, end=T0 + datetime.timedelta(minutes=5), cause=2)
    assert api.get(f"/api/probes/events/?check={world['manual'].pk}").json()["count"] == 1
    assert api.get("/api/probes/events/?kind=reboot").json()["results"][0]["detail"] == "sysUpTime turun"
    assert api.get(f"/api/probes/events/?device={world['own'].pk}").json()["count"] == 1
    assert api.get("/api/probes/events/?time_after=2026-03-11T00:00:00Z").json()["count"] == 1
    done = api.get("/api/probes/downtimes/?is_open=false").json()["results"]
    assert [(d["duration"], d["cause"], d["cause_label"]) for d in done] == [(300.0, 2, "Host unreachable")]
    assert api.get("/api/probes/downtimes/?is_open=true").json()["results"][0]["duration"] is None
    window = "time_after=2026-03-10T00:00:00Z&time_before=2026-03-10T23:00:00Z"
    assert api.get(f"/api/probes/downtimes/?{window}").json()["count"] == 1  # the open one began that day


# --- raw results -----------------------------------------------------------------------------------
@pytest.fixture
def many_results(world):
    """Two checks with results at the same times (ties across checks), one unanswered in five."""
    rows = []
    for check in (world["auto"], world["manual"]):
        for i in range(37):
            answered = i % 5 != 4
            rows.append(
                Result(
                    probe_check=check,
                    time=T0 + datetime.timedelta(minutes=i),
                    outcome=0 if answered else 1,
                    sent=3,
                    received=3 if answered else 0,
                    prober=world["prober"],
                    rtt_min=0.25,
                    rtt_avg=0.5,
                    rtt_max=0.75,
                    jitter=0.125,
                )
            )
    Result.objects.bulk_create(rows)
    return rows


def _all_pages(api, url: str) -> list[dict]:
    found = []
    while url:
        page = api.get(url)
        assert page.status_code == 200, page.content
        body = page.json()
        assert body["count"] is None
        found += body["results"]
        url = body["next"]
    return found


def test_results_need_a_check(apis, world):
    response = apis["engineer"].get("/api/probes/results/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"check": ["Name the check (or checks) whose results to read."]}
    too_many = "&".join(f"check={world['auto'].pk}" for _ in range(101))
    assert apis["engineer"].get(f"/api/probes/results/?{too_many}").status_code == 400
    assert apis["engineer"].get("/api/probes/results/?check=abc").status_code == 400


def test_results_by_cursor_pages_each_once_in_time_order(apis, world, many_results):
    api = apis["auditor"]
    check = world["auto"].pk
    rows = _all_pages(api, f"/api/probes/results/?check={check}&limit=7")
    assert len(rows) == 37 + 3  # and the three of probe_history, earlier
    times = [row["time"] for row in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    both = _all_pages(api, f"/api/probes/results/?check={check}&check={world['manual'].pk}&limit=5&ordering=-time")
    keys = [(row["check"]["id"], row["time"]) for row in both]
    assert len(keys) == len(set(keys)) == 37 * 2 + 3
    assert [datetime.datetime.fromisoformat(t) for _c, t in keys] == sorted(
        (datetime.datetime.fromisoformat(t) for _c, t in keys), reverse=True
    )


def test_results_in_a_time_range(apis, world, many_results):
    api = apis["engineer"]
    url = f"/api/probes/results/?check={world['auto'].pk}&since=2026-03-11T07:10:00%2B07:00&until=2026-03-11T00:20:00Z"
    rows = _all_pages(api, url)
    assert rows[0]["time"] == "2026-03-11T07:10:00+07:00" and len(rows) == 10
    failed = _all_pages(api, f"/api/probes/results/?check={world['auto'].pk}&outcome=1&since=2026-03-11T00:00:00Z")
    assert len(failed) == 7
    assert {(r["rtt_min"], r["rtt_avg"], r["rtt_max"], r["jitter"], r["loss"]) for r in failed} == {
        (None, None, None, None, 100.0)
    }
    answered = api.get(f"/api/probes/results/?check={world['auto'].pk}&outcome=0&limit=1").json()["results"][0]
    assert (answered["rtt_min"], answered["rtt_avg"], answered["rtt_max"], answered["jitter"]) == (
        0.05,
        0.07,
        0.1,
        0.01,
    )
    assert (answered["outcome_label"], answered["prober"], answered["loss"]) == ("Reply", "konsumen-uji", 0.0)


def test_results_export_the_whole_range(apis, world, many_results):
    response = apis["engineer"].get(f"/api/probes/results/?check={world['manual'].pk}&format=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].split(",")[:3] == ["check", "time", "outcome"] and len(lines) == 37 + 1


# --- availability ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "scope"),
        ("scope=check", "id"),
        ("scope=rack&id=1", "scope"),
        ("scope=check&id=abc", "id"),
        ("scope=check&id=1&period=week", "period"),
        ("scope=check&id=1&period=custom", "start"),
        ("scope=check&id=1&period=custom&start=2026-03-10&end=2026-03-01", "end"),
        ("scope=check&id=1&period=custom&start=2000-01-01&end=2026-03-01", "end"),
        ("scope=check&id=1&date=2026-02-30", "date"),
    ],
)
def test_availability_refuses_a_bad_question_clearly(apis, world, query, field):
    response = apis["auditor"].get(f"/api/probes/availability/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_availability_of_nothing_is_not_found(apis, world):
    assert apis["auditor"].get("/api/probes/availability/?scope=site&id=999999").status_code == 404


def test_availability_of_a_month(apis, world):
    """March in WIB for the check that went down on 10 March (unknown before: no state yet), with its
    device's two hours of maintenance on 1 March taken out."""
    response = apis["auditor"].get(
        f"/api/probes/availability/?scope=check&id={world['auto'].pk}&period=month&date=2026-03-15"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    start = datetime.datetime.fromisoformat(body["start"])
    end = datetime.datetime.fromisoformat(body["end"])
    assert start.astimezone(UTC) == datetime.datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # 1 March, 00:00 WIB
    assert end - start == datetime.timedelta(days=31)
    total = body["up"] + body["down"] + body["unknown"] + body["maintenance"]
    assert total == pytest.approx((end - start).total_seconds())
    assert body["time_zone"] == "Asia/Jakarta"
    went_down = datetime.datetime(2026, 3, 10, 8, 2, tzinfo=UTC)
    assert body["maintenance"] == 2 * 3600
    assert body["up"] == 0 and body["down"] == (end - went_down).total_seconds()
    assert body["unknown"] == (went_down - start).total_seconds() - 2 * 3600
    assert (body["percent"], body["known_percent"], body["checks"]) == (0.0, 0.0, 1)
    assert [(datetime.datetime.fromisoformat(d["start"]), d["end"]) for d in body["downtimes"]] == [(went_down, None)]
    own = world["own"]
    for scope, pk in (("device", own.pk), ("site", own.site_id), ("organization", own.organization_id)):
        query = f"scope={scope}&id={pk}&period=custom&start=2026-03-01&end=2026-03-31"
        one = apis["auditor"].get(f"/api/probes/availability/?{query}")
        assert one.status_code == 200 and one.json()["start"] == body["start"] and one.json()["end"] == body["end"]
