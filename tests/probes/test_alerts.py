"""Alerts against a real HTTP server on loopback: the JSON payload and its signature, the Telegram
format, retries with back-off (time driven by ``now``), every attempt recorded, routing by OPD, site and
severity, nothing sent for a flapping check, in maintenance or behind a down site (events made through
the real ``record()``), the test button, permissions, bad input, and fixed query counts."""

import datetime
import hashlib
import hmac
import json
import re
import threading
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.urls import reverse

from infra.core.models import ObjectChange
from infra.inventory.choices import DeviceKind, SiteKind
from infra.probes.choices import AlertDecision
from infra.probes.engines.base import Outcome
from infra.probes.models import (
    AlertAttempt,
    AlertChannel,
    AlertDelivery,
    AlertEventDecision,
    AlertRule,
    Check,
    CheckEvent,
    MaintenanceWindow,
    Prober,
)
from infra.probes.services import alerting
from infra.probes.services.recording import Observation, record

from ..factories import DeviceFactory, FiberLinkFactory, OrganizationFactory, SiteFactory
from ..inventory.test_query_counts import queries

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
TOKEN = "123456:ABC-def_ghi"
KEY = "kunci-penandatangan"


class Receiver:
    """A local HTTP server that records every request and answers as told: ``fail`` errors (500) first,
    then ``status`` (200), or a redirect to ``redirect``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail = 0
        self.status = 200
        self.redirect = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.redirect:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect)
                    self.end_headers()
                    return
                code = 500 if receiver.fail > 0 else receiver.status
                receiver.fail -= 1
                reply = b'{"ok": true}' if code == 200 else b"rusak sementara"
                self.send_response(code)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self, i: int = -1) -> dict:
        return json.loads(self.requests[i]["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    r = Receiver()
    settings.SIMPUL_TELEGRAM_API = r.url
    settings.SIMPUL_BASE_URL = "https://simpul.kota.go.id"
    settings.SIMPUL_ALERT_LANGUAGE = "id"
    yield r
    r.close()


@pytest.fixture
def prober():
    return Prober.objects.create(name="uji")


def ok(check, at):
    return Observation(check.pk, at, int(Outcome.OK), 3, 3, 1.0, 1.0, 1.0, 0.0)


def fail(check, at):
    return Observation(check.pk, at, int(Outcome.TIMEOUT), 3, 0)


def sweep(prober, results: dict, at) -> None:
    """One probe of each check at ``at``: True answers, False does not."""
    record([ok(c, at) if up else fail(c, at) for c, up in results.items()], prober.pk)


def up_then_down(prober, checks, start=T0, down=()) -> datetime.datetime:
    """Two good sweeps (up), then three where ``down`` fail (down after 3): the time of the down."""
    for i in range(2):
        sweep(prober, dict.fromkeys(checks, True), start + i * MINUTE)
    for i in range(2, 5):
        sweep(prober, {c: c not in down for c in checks}, start + i * MINUTE)
    return start + 4 * MINUTE


@pytest.fixture
def office():
    """An OPD office with a switch and a second device (so one device down is not the site down)."""
    org = OrganizationFactory(name="Dinas Kesehatan", short_name="Dinkes")
    site = SiteFactory(name="Kantor <Dinkes> & Co", organization=org)
    switch = DeviceFactory(name="sw-<lt2>&1", kind=DeviceKind.SWITCH, organization=org, site=site)
    other = DeviceFactory(name="ap-1", kind=DeviceKind.ACCESS_POINT, organization=org, site=site)
    checks = [Check.objects.create(device=d, address=f"127.0.40.{i + 1}") for i, d in enumerate((switch, other))]
    return {"org": org, "site": site, "switch": switch, "checks": checks}


def webhook(receiver, name="hook", path="/hook", secret=KEY, **rule) -> AlertChannel:
    channel = AlertChannel.objects.create(name=name, url=receiver.url + path, secret=secret)
    AlertRule.objects.create(name=f"rule {name}", channel=channel, **rule)
    return channel


def test_a_down_goes_out_as_signed_json_once_it_has_settled(receiver, prober, office):
    channel = webhook(receiver, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    assert alerting.run(down_at + MINUTE)["deliveries"] == 0  # not settled: its upstream may still fall
    assert not receiver.requests
    counts = alerting.run(down_at + 3 * MINUTE)
    assert (counts["events"], counts["deliveries"], counts["sent"]) == (
        1,
        1,
        1,
    )  # the "up"s were decided before: no alert
    [request] = receiver.requests
    assert request["path"] == "/hook"
    expected = hmac.new(KEY.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Simpul-Signature"] == f"sha256={expected}"
    body = receiver.json()
    event = CheckEvent.objects.get(kind="state", new_state="down")
    check = office["checks"][0]
    assert body["event"] == {
        "id": event.pk,
        "kind": "down",
        "event_kind": "state",
        "at": "2026-05-01T08:04:00+00:00",
        "at_local": "2026-05-01T15:04:00+07:00",
        "old_state": "up",
        "new_state": "down",
        "outcome": int(Outcome.TIMEOUT),
        "detail": "",
        "url": f"https://simpul.kota.go.id/probes/events/?check={check.pk}",
    }
    assert body["severity"] == "warning"  # a switch, and its site still answers
    assert body["check"]["url"] == f"https://simpul.kota.go.id/probes/checks/{check.pk}/"
    assert (body["device"]["name"], body["site"]["name"], body["site"]["down"]) == (
        "sw-<lt2>&1",
        "Kantor <Dinkes> & Co",
        False,
    )
    assert body["organization"]["short_name"] == "Dinkes"
    assert (body["root_cause"], body["test"]) == (None, False)
    delivery = AlertDelivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.attempts, delivery.severity) == (channel, "sent", 1, 2)
    # names only: the kind and severity have translated columns of their own
    assert delivery.summary == f"{body['device']['name']} ({body['check']['address']})"
    attempt = AlertAttempt.objects.get()
    assert (attempt.ok, attempt.http_status, attempt.response, attempt.at) == (
        True,
        200,
        '{"ok": true}',
        down_at + 3 * MINUTE,
    )
    # decided once: a second pass (or a second consumer) sends nothing more
    assert alerting.run(down_at + 4 * MINUTE) == {
        "events": 0,
        "deliveries": 0,
        "held": 0,
        **dict.fromkeys(("sent", "failed", "retry"), 0),
    }
    assert len(receiver.requests) == 1
    # back up: the recovery follows the down to the same channel
    for i in range(5, 7):
        sweep(prober, dict.fromkeys(office["checks"], True), T0 + i * MINUTE)
    alerting.run(T0 + 10 * MINUTE)
    assert len(receiver.requests) == 2
    assert (receiver.json()["event"]["kind"], receiver.json()["severity"]) == ("recovery", "info")


def test_the_telegram_format(receiver, prober, office):
    channel = AlertChannel.objects.create(name="tg", kind="telegram", chat_id="-1001234", secret=TOKEN)
    AlertRule.objects.create(name="semua", channel=channel)
    down_at = up_then_down(prober, office["checks"], down=office["checks"])  # the whole site down
    alerting.run(down_at + 3 * MINUTE)
    assert len(receiver.requests) == 2
    request = receiver.requests[0]
    assert request["path"] == f"/bot{TOKEN}/sendMessage"
    assert "X-Simpul-Signature" not in request["headers"]
    body = json.loads(request["body"])
    assert (body["chat_id"], body["parse_mode"], body["disable_web_page_preview"]) == ("-1001234", "HTML", True)
    lines = body["text"].split("\n")
    assert lines[0] == "🔴 <b>GANGGUAN</b> · Kritis"  # the whole site is down: critical
    assert lines[1] in ("<b>sw-&lt;lt2&gt;&amp;1</b>", "<b>ap-1</b>")
    assert "Lokasi: Kantor &lt;Dinkes&gt; &amp; Co" in lines
    assert "Seluruh lokasi mati." in lines
    assert "OPD: Dinkes" in lines
    assert "Waktu: 01-05-2026 15:04:00 WIB" in lines
    assert lines[-1].startswith('<a href="https://simpul.kota.go.id/probes/checks/')
    # the token is in the path only: never kept in the log
    attempts = AlertAttempt.objects.all()
    assert all(TOKEN not in a.error + a.response for a in attempts)


def test_retries_with_back_off_every_attempt_recorded(receiver, prober, office):
    webhook(receiver, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    receiver.fail = 3
    now = down_at + 3 * MINUTE
    alerting.run(now)
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("pending", 1, now + MINUTE)
    assert alerting.send_due(now + 59 * datetime.timedelta(seconds=1))["retry"] == 0  # not yet due
    assert len(receiver.requests) == 1
    alerting.send_due(now + MINUTE)  # 2nd: fails, next in 2 minutes
    alerting.send_due(now + 3 * MINUTE)  # 3rd: fails, next in 4 minutes
    alerting.send_due(now + 6 * MINUTE)  # not yet
    alerting.send_due(now + 7 * MINUTE)  # 4th: goes through
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at, delivery.last_error) == (
        "sent",
        4,
        now + 7 * MINUTE,
        "",
    )
    attempts = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.at - now, a.http_status, a.ok) for a in attempts] == [
        (1, 0 * MINUTE, 500, False),
        (2, 1 * MINUTE, 500, False),
        (3, 3 * MINUTE, 500, False),
        (4, 7 * MINUTE, 200, True),
    ]
    assert attempts[0].error == "HTTP 500 Internal Server Error"
    assert attempts[0].response == "rusak sementara"
    assert len(receiver.requests) == 4
    assert len({r["body"] for r in receiver.requests}) == 1  # the same alert each time


def test_a_delivery_is_given_up_after_its_attempts(receiver, prober, office, settings):
    settings.SIMPUL_ALERT_MAX_ATTEMPTS = 3
    webhook(receiver, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    receiver.fail = 100
    now = down_at + 3 * MINUTE
    alerting.run(now)
    alerting.send_due(now + MINUTE)
    alerting.send_due(now + 3 * MINUTE)
    alerting.send_due(now + 60 * MINUTE)  # given up: nothing more is sent
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert delivery.attempt_log.count() == 3
    assert len(receiver.requests) == 3
    # its recovery is not sent either: the channel never heard of the down
    for i in range(5, 7):
        sweep(prober, dict.fromkeys(office["checks"], True), T0 + i * MINUTE)
    receiver.fail = 0
    alerting.run(now + 61 * MINUTE)
    recovery = CheckEvent.objects.get(new_state="up", old_state="down")
    assert recovery.alert_decision.decision == AlertDecision.NO_DOWN_SENT
    assert len(receiver.requests) == 3


def test_a_redirect_is_not_followed(receiver, prober, office):
    webhook(receiver, min_severity=1)
    other = Receiver()
    try:
        receiver.redirect = other.url + "/elsewhere"
        down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
        alerting.run(down_at + 3 * MINUTE)
        attempt = AlertAttempt.objects.get()
        assert (attempt.ok, attempt.http_status) == (False, 302)
        assert "not followed" in attempt.error
        assert not other.requests
    finally:
        other.close()


def test_an_unreachable_webhook_is_an_attempt_with_its_error(receiver, prober, office):
    dead = Receiver()
    url = dead.url
    dead.close()  # nothing listens there now
    channel = AlertChannel.objects.create(name="mati", url=url + "/hook")
    AlertRule.objects.create(name="r", channel=channel, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    alerting.run(down_at + 3 * MINUTE)
    attempt = AlertAttempt.objects.get()
    assert (attempt.ok, attempt.http_status) == (False, None)
    assert "refused" in attempt.error.lower()
    assert AlertDelivery.objects.get().status == "pending"


# --- nothing sent while held -------------------------------------------------------------------------
def test_nothing_is_sent_while_a_check_flaps(receiver, prober, office):
    webhook(receiver, min_severity=1)  # down and recovery, not flapping
    check = office["checks"][0]
    Check.objects.filter(pk=check.pk).update(down_after=1, up_after=1, flap_low=5, flap_high=10)
    for i in range(24):
        sweep(prober, {check: i % 2 == 0}, T0 + i * MINUTE)
    assert CheckEvent.objects.filter(kind="flap_start").exists()
    alerting.run(T0 + 40 * MINUTE)
    held = CheckEvent.objects.filter(kind="state", held=True)
    assert held.count() >= 5
    for event in held:
        assert event.alert_decision.decision == AlertDecision.FLAPPING
        assert not event.alert_deliveries.exists()
    # only changes from before it flapped went out (at most a few), none after flapping started
    started = CheckEvent.objects.filter(kind="flap_start").earliest("at").at
    sent = AlertDelivery.objects.filter(event__isnull=False)
    assert all(d.event.at < started for d in sent)
    assert len(receiver.requests) == sent.count()


def test_nothing_is_sent_during_maintenance(receiver, prober, office):
    webhook(receiver, min_severity=1)
    MaintenanceWindow.objects.create(site=office["site"], start=T0, end=T0 + MINUTE * 30, reason="Ganti UPS")
    down_at = up_then_down(prober, office["checks"], down=office["checks"])
    alerting.run(down_at + 3 * MINUTE)
    assert not receiver.requests
    assert not AlertDelivery.objects.exists()
    decisions = AlertEventDecision.objects.filter(event__new_state="down")
    assert [d.decision for d in decisions] == [AlertDecision.MAINTENANCE] * 2


def test_nothing_is_sent_behind_a_down_site_even_when_it_falls_a_minute_later(receiver, prober):
    """Site B is reached through A. B's check goes down a minute before A's: once A's goes down too,
    B's down event is marked behind A (recording's late cause), before it has settled: only A's alert goes."""
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="DC")
    a, b = SiteFactory(name="A"), SiteFactory(name="B")
    FiberLinkFactory(site_a=dc, site_b=a)
    FiberLinkFactory(site_a=a, site_b=b)
    checks = {
        s.name: Check.objects.create(
            device=DeviceFactory(site=s, organization=s.organization, kind=DeviceKind.SWITCH), address=f"127.0.41.{i}"
        )
        for i, s in enumerate((dc, a, b), start=1)
    }
    webhook(receiver, min_severity=1)
    for i in range(2):
        sweep(prober, dict.fromkeys(checks.values(), True), T0 + i * MINUTE)
    for i in range(2, 5):  # B fails from minute 2, down at minute 4
        sweep(prober, {checks["DC"]: True, checks["A"]: True, checks["B"]: False}, T0 + i * MINUTE)
    b_down = CheckEvent.objects.get(probe_check=checks["B"], new_state="down")
    assert (b_down.held, b_down.at) == (False, T0 + 4 * MINUTE)
    alerting.run(T0 + 5 * MINUTE)  # B's down has not settled yet: not decided
    assert not AlertEventDecision.objects.filter(event=b_down).exists()
    for i in range(5, 8):  # A fails from minute 3 on in the next sweeps: down at minute 7
        sweep(prober, {checks["DC"]: True, checks["A"]: i < 3, checks["B"]: False}, T0 + i * MINUTE)
    sweep(prober, {checks["DC"]: True, checks["A"]: False, checks["B"]: False}, T0 + 8 * MINUTE)
    b_down.refresh_from_db()
    assert (b_down.held, b_down.root_cause) == (True, a)
    alerting.run(T0 + 12 * MINUTE)
    assert AlertEventDecision.objects.get(event=b_down).decision == AlertDecision.BEHIND
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    body = receiver.json()
    assert (body["site"]["name"], body["severity"], body["site"]["down"]) == ("A", "critical", True)


# --- routing -------------------------------------------------------------------------------------------
def test_who_gets_what_by_opd_site_and_severity(receiver, prober, office):
    elsewhere = SiteFactory(name="Gudang", organization=office["org"])
    server = DeviceFactory(name="srv-app", kind=DeviceKind.SERVER, organization=office["org"], site=elsewhere)
    other_org = DeviceFactory(name="sw-lain", kind=DeviceKind.SWITCH)
    neighbour = DeviceFactory(site=other_org.site, organization=other_org.organization, kind=DeviceKind.SWITCH)
    checks = [office["checks"][0], office["checks"][1]]
    server_check = Check.objects.create(device=server, address="127.0.42.1")
    other_check = Check.objects.create(device=other_org, address="127.0.42.2")
    webhook(receiver, "opd", "/opd", organization=office["org"], min_severity=1)
    webhook(receiver, "site", "/site", site=office["site"], min_severity=1)
    webhook(receiver, "critical", "/critical", min_severity=3)
    webhook(receiver, "reboots", "/reboots", min_severity=1, on_down=False, on_recovery=False, on_reboot=True)
    neighbour_check = Check.objects.create(device=neighbour, address="127.0.42.3")  # stays up
    everything = [*checks, server_check, other_check, neighbour_check]
    down_at = up_then_down(prober, everything, down=[checks[0], server_check, other_check])
    alerting.run(down_at + 3 * MINUTE)
    got = {(r["path"], json.loads(r["body"])["device"]["name"]) for r in receiver.requests}
    assert got == {
        ("/opd", "sw-<lt2>&1"),  # the OPD's switch (warning)
        ("/opd", "srv-app"),  # the OPD's server elsewhere
        ("/site", "sw-<lt2>&1"),  # the site's switch
        ("/critical", "srv-app"),  # a server is critical wherever it is
    }
    decisions = dict(
        AlertEventDecision.objects.filter(event__new_state="down").values_list("event__probe_check", "decision")
    )
    assert decisions[other_check.pk] == AlertDecision.NO_RULE  # another OPD's switch: a warning, nobody's


def test_a_recovery_goes_only_where_its_down_went(receiver, prober, office):
    webhook(receiver, "critical", "/critical", min_severity=3)  # a switch down is a warning: not sent
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    for i in range(5, 7):
        sweep(prober, dict.fromkeys(office["checks"], True), T0 + i * MINUTE)
    alerting.run(down_at + 10 * MINUTE)
    assert not receiver.requests
    recovery = CheckEvent.objects.get(new_state="up", old_state="down")
    assert recovery.alert_decision.decision == AlertDecision.NO_DOWN_SENT


def test_the_management_command_runs_one_pass(receiver, prober, office, capsys):
    webhook(receiver, min_severity=1)
    up_then_down(
        prober, office["checks"], start=datetime.datetime.now(datetime.UTC) - 30 * MINUTE, down=office["checks"][:1]
    )
    call_command("probe", "alerts")
    assert "deliveries 1" in capsys.readouterr().out
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_not_sent_twice(receiver, prober, office):
    """A second consumer finds the delivery claimed by the first (its next attempt moved on)."""
    webhook(receiver, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    now = down_at + 3 * MINUTE
    alerting.dispatch(now)
    delivery = AlertDelivery.objects.get()
    AlertDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + 2 * MINUTE)  # as a claim does
    assert alerting.send_due(now)["sent"] == 0
    assert not receiver.requests


# --- the web pages -------------------------------------------------------------------------------------
def test_the_test_button_sends_and_records(receiver, clients):
    channel = AlertChannel.objects.create(name="tg", kind="telegram", chat_id="@dinas", secret=TOKEN)
    client = clients("engineer")
    client.cookies["django_language"] = "en"
    url = reverse("probes:alertchannel_test", args=[channel.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.status_code == 200
    delivery = AlertDelivery.objects.get()
    assert (delivery.is_test, delivery.status, delivery.event) == (True, "sent", None)
    assert response.redirect_chain[-1][0] == delivery.get_absolute_url()
    assert "Test message sent to tg." in response.content.decode()
    body = receiver.json()
    assert body["chat_id"] == "@dinas"
    assert "Pesan uji dari saluran peringatan tg." in body["text"]
    receiver.fail = 1
    response = client.post(url, follow=True)
    assert "The test message to tg failed: HTTP 500" in response.content.decode()
    failed = AlertDelivery.objects.latest("id")
    assert (failed.status, failed.attempts) == ("failed", 1)  # a test is tried once
    assert len(receiver.requests) == 2
    for role in ("operator", "auditor"):
        assert clients(role).post(url).status_code == 403
    assert len(receiver.requests) == 2
    assert clients("admin").post(url).status_code == 302


def test_who_sees_the_alert_pages(clients):
    channel = AlertChannel.objects.create(name="hook", url="http://127.0.0.1:9/x", secret=KEY)
    pages = [
        reverse("probes:alertchannel_list"),
        reverse("probes:alertchannel", args=[channel.pk]),
        reverse("probes:alertrule_list"),
        reverse("probes:alertdelivery_list"),
    ]
    for role in ("operator", "auditor"):
        client = clients(role)
        assert [client.get(url).status_code for url in pages] == [403] * 4
        assert client.post(reverse("probes:alertchannel_add"), {"name": "x", "kind": "webhook"}).status_code == 403
    client = clients("engineer")
    assert [client.get(url).status_code for url in pages] == [200] * 4


def test_the_secret_is_never_shown(clients, apis):
    client = clients("engineer")
    response = client.post(
        reverse("probes:alertchannel_add"),
        {"name": "hook", "kind": "webhook", "url": "https://hooks.kota.go.id/simpul", "secret": KEY, "enabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = AlertChannel.objects.get()
    assert channel.secret == KEY
    edit = reverse("probes:alertchannel_edit", args=[channel.pk])
    pages = [
        reverse("probes:alertchannel", args=[channel.pk]),
        edit,
        reverse("probes:alertchannel_list") + "?export=csv",
        reverse("probes:alertchannel_history", args=[channel.pk]),
    ]
    for url in pages:
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert KEY.encode() not in content, url
    # an empty box keeps the secret
    version = unescape(re.search(r'name="_version" value="([^"]+)"', client.get(edit).content.decode()).group(1))
    data = {
        "name": "hook 2",
        "kind": "webhook",
        "url": "https://hooks.kota.go.id/simpul",
        "secret": "",
        "enabled": "on",
    }
    response = client.post(edit, {**data, "_version": version})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("hook 2", KEY)
    changes = list(ObjectChange.objects.all())
    assert len(changes) >= 2  # the add and the edit
    for change in changes:
        assert KEY not in json.dumps([change.before, change.after], default=str)
    data = apis["engineer"].get(f"/api/probes/alert-channels/{channel.pk}/").json()
    assert "secret" not in data and data["secret_set"] is True


def test_bad_input_is_refused_with_a_message(clients):
    client = clients("engineer")
    client.cookies["django_language"] = "en"
    add = reverse("probes:alertchannel_add")
    cases = [
        ({"name": "a", "kind": "webhook", "url": "ftp://127.0.0.1/x"}, "Enter an http:// or https:// address."),
        ({"name": "b", "kind": "webhook", "url": ""}, "A webhook needs its URL."),
        ({"name": "c", "kind": "telegram", "chat_id": "-1"}, "A Telegram channel needs the bot token."),
        ({"name": "d", "kind": "telegram", "chat_id": "-1", "secret": "a/../b"}, "A bot token looks like"),
        ({"name": "e", "kind": "webhook", "url": "https://u:p@127.0.0.1/x"}, "Put no user name or password"),
    ]
    for data, message in cases:
        response = client.post(add, data)
        assert response.status_code == 400
        assert message in response.content.decode(), data
    assert not AlertChannel.objects.exists()
    channel = AlertChannel.objects.create(name="h", url="http://127.0.0.1:9/x")
    response = client.post(reverse("probes:alertrule_add"), {"name": "r", "channel": channel.pk, "min_severity": 2})
    assert response.status_code == 400
    assert "Tick at least one kind of event." in response.content.decode()
    assert not AlertRule.objects.exists()


# --- the API -------------------------------------------------------------------------------------------
def test_the_api_writes_channels_and_rules_and_reads_the_log(receiver, apis):
    api = apis["engineer"]
    created = api.post(
        "/api/probes/alert-channels/",
        {"name": "tg", "kind": "telegram", "chat_id": "-100", "secret": TOKEN},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert "secret" not in created.json() and created.json()["secret_set"] is True
    pk = created.json()["id"]
    assert api.patch(f"/api/probes/alert-channels/{pk}/", {"name": "tg2"}, format="json").status_code == 200
    assert AlertChannel.objects.get().secret == TOKEN  # left out: kept
    bad = api.post("/api/probes/alert-channels/", {"name": "x", "kind": "webhook", "url": "file:///etc/passwd"})
    assert bad.status_code == 400 and "url" in bad.json()
    rule = api.post("/api/probes/alert-rules/", {"name": "r", "channel": pk, "min_severity": 3}, format="json")
    assert rule.status_code == 201, rule.json()
    tested = api.post(f"/api/probes/alert-channels/{pk}/test/")
    assert tested.status_code == 200
    assert (tested.json()["status"], tested.json()["is_test"], len(tested.json()["attempt_log"])) == ("sent", True, 1)
    log = api.get("/api/probes/alert-deliveries/?status=sent").json()
    assert log["count"] == 1 and log["results"][0]["attempt_log"][0]["http_status"] == 200
    assert api.post("/api/probes/alert-deliveries/", {}).status_code in (403, 405)
    for role in ("operator", "auditor"):
        assert apis[role].get("/api/probes/alert-channels/").status_code == 403
        assert apis[role].get("/api/probes/alert-deliveries/").status_code == 403
        assert apis[role].post(f"/api/probes/alert-channels/{pk}/test/").status_code in (403, 404)
    assert len(receiver.requests) == 1


# --- query counts --------------------------------------------------------------------------------------
SMALL, LARGE = 5, 60


class AlertCity:
    def __init__(self):
        self.size = 0
        self.org = OrganizationFactory()
        self.site = SiteFactory(organization=self.org)
        self.device = DeviceFactory(organization=self.org, site=self.site)
        self.check = Check.objects.create(device=self.device, address="127.0.43.1")
        self.channel = AlertChannel.objects.create(name="hub", url="http://127.0.0.1:9/x", secret=KEY)
        self.rule = AlertRule.objects.create(name="hub", channel=self.channel, organization=self.org, site=self.site)
        self.delivery = None

    def grow(self, n: int) -> None:
        new = range(self.size, n)
        channels = AlertChannel.objects.bulk_create(
            AlertChannel(name=f"ch-{i}", url=f"http://127.0.0.1:9/{i}", secret=KEY) for i in new
        )
        AlertRule.objects.bulk_create(
            AlertRule(name=f"r-{i}", channel=c, organization=self.org, site=self.site)
            for i, c in zip(new, channels, strict=True)
        )
        AlertRule.objects.bulk_create(AlertRule(name=f"hub-{i}", channel=self.channel) for i in new)
        events = CheckEvent.objects.bulk_create(
            CheckEvent(probe_check=self.check, at=T0 + i * MINUTE, kind="state", new_state="down") for i in new
        )
        deliveries = AlertDelivery.objects.bulk_create(
            AlertDelivery(event=e, channel=c, created=T0, kind="down", severity=2, summary="x", payload={"a": 1})
            for e, c in zip(events, channels, strict=True)
        )
        deliveries += AlertDelivery.objects.bulk_create(
            AlertDelivery(event=e, channel=self.channel, created=T0, kind="down", severity=2) for e in events
        )
        self.delivery = self.delivery or deliveries[-1]
        AlertAttempt.objects.bulk_create(
            AlertAttempt(delivery=d, number=k, at=T0, http_status=500) for d in deliveries for k in (1, 2)
        )
        AlertAttempt.objects.bulk_create(
            AlertAttempt(delivery=self.delivery, number=k, at=T0) for k in range(2 * self.size + 3, 2 * n + 3)
        )
        self.size = n


@pytest.fixture
def alert_city(db):
    city = AlertCity()
    city.grow(SMALL)
    return city


def _pages(city):
    return {
        "web/list/probes-alert-channels": reverse("probes:alertchannel_list") + "?per_page=200",
        "web/export/probes-alert-channels": reverse("probes:alertchannel_list") + "?export=csv",
        "web/detail/probes-alert-channels": reverse("probes:alertchannel", args=[city.channel.pk]),
        "web/edit/probes-alert-channels": reverse("probes:alertchannel_edit", args=[city.channel.pk]),
        "web/add/probes-alert-channels": reverse("probes:alertchannel_add"),
        "web/history/probes-alert-channels": reverse("probes:alertchannel_history", args=[city.channel.pk]),
        "web/list/probes-alert-rules": reverse("probes:alertrule_list") + "?per_page=200",
        "web/detail/probes-alert-rules": reverse("probes:alertrule", args=[city.rule.pk]),
        "web/edit/probes-alert-rules": reverse("probes:alertrule_edit", args=[city.rule.pk]),
        "web/list/probes-alert-deliveries": reverse("probes:alertdelivery_list") + "?per_page=200",
        "web/export/probes-alert-deliveries": reverse("probes:alertdelivery_list") + "?export=csv",
        "web/detail/probes-alert-deliveries": reverse("probes:alertdelivery", args=[city.delivery.pk]),
        "api/list/probes/alert-channels": "/api/probes/alert-channels/?limit=1000",
        "api/list/probes/alert-rules": "/api/probes/alert-rules/?limit=1000",
        "api/list/probes/alert-deliveries": "/api/probes/alert-deliveries/?limit=1000",
        "api/detail/probes/alert-deliveries": f"/api/probes/alert-deliveries/{city.delivery.pk}/",
    }


@pytest.mark.query_counts
def test_alert_pages_run_a_fixed_number_of_queries(client, admin_user, alert_city, query_counts):
    from ..api.conftest import token_client

    client.force_login(admin_user)
    api = token_client(admin_user)

    def measure() -> dict[str, int]:
        return {
            name: len(queries(api if name.startswith("api/") else client, url))
            for name, url in _pages(alert_city).items()
        }

    small = measure()
    alert_city.grow(LARGE)
    assert measure() == small
    for name, count in small.items():
        query_counts.check(name, count)


def test_deciding_runs_a_fixed_number_of_queries(receiver):
    """Deciding about 5 events or 60 costs the same queries; each delivery sent costs its own few."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org = OrganizationFactory()
    channel = AlertChannel.objects.create(name="sink", url=receiver.url + "/x")
    AlertRule.objects.create(name="r", channel=channel, organization=org, min_severity=1)
    AlertRule.objects.create(name="r2", channel=channel, on_down=False, on_reboot=True)
    MaintenanceWindow.objects.create(organization=OrganizationFactory(), start=T0, end=T0 + 60 * MINUTE, reason="x")

    def decide(n: int, start) -> int:
        site = SiteFactory(organization=org)
        devices = [DeviceFactory(organization=org, site=site, kind=DeviceKind.SWITCH) for _ in range(2)]
        checks = Check.objects.bulk_create(
            Check(device=devices[i % 2], address=f"127.0.44.{i % 250}") for i in range(n)
        )
        CheckEvent.objects.bulk_create(
            CheckEvent(probe_check=c, at=start, kind="state", old_state="up", new_state="down") for c in checks
        )
        with CaptureQueriesContext(connection) as ctx:
            counts = alerting.dispatch(start + 3 * MINUTE)
        assert counts["events"] == counts["deliveries"] == n
        return len(ctx.captured_queries)

    alerting.dispatch(T0)  # the first pass makes its marker row
    assert decide(5, T0) == decide(60, T0 + 10 * MINUTE)  # (SQLite splits inserts of more than 999 values)


def test_the_log_outlives_a_deleted_check(receiver, prober, office, clients, apis):
    """A check's events go in one fast DELETE (no relation to follow); its deliveries stay, eventless."""
    webhook(receiver, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    alerting.run(down_at + 3 * MINUTE)
    delivery = AlertDelivery.objects.get()
    office["checks"][0].delete()
    assert not CheckEvent.objects.filter(pk=delivery.event_id).exists()
    assert AlertDelivery.objects.select_related("event").get().event is None
    client = clients("engineer")
    assert client.get(delivery.get_absolute_url()).status_code == 200
    assert client.get(reverse("probes:alertdelivery_list")).status_code == 200
    data = apis["engineer"].get(f"/api/probes/alert-deliveries/{delivery.pk}/").json()
    assert (data["event"], data["status"]) == (None, "sent")


def test_a_down_and_its_recovery_decided_in_one_pass_both_go_out(receiver, prober, office):
    """A short outage, both events settled when the pass runs (a dispatcher that caught up): the
    recovery goes where the down went in that same pass."""
    webhook(receiver, min_severity=1)
    down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
    for i in range(5, 7):
        sweep(prober, dict.fromkeys(office["checks"], True), T0 + i * MINUTE)
    alerting.run(down_at + 10 * MINUTE)
    kinds = [receiver.json(i)["event"]["kind"] for i in range(len(receiver.requests))]
    assert kinds == ["down", "recovery"]
    recovery = CheckEvent.objects.get(new_state="up", old_state="down")
    assert recovery.alert_decision.decision == AlertDecision.ROUTED


def test_a_peer_that_does_not_speak_http_is_an_attempt_with_its_error(receiver, prober, office):
    """A webhook pointed at a port that answers something else (an SSH banner): the attempt is
    recorded with the reason, the pass goes on to the next delivery, the test button shows it."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def banner():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            conn.close()

    threading.Thread(target=banner, daemon=True).start()
    try:
        odd = AlertChannel.objects.create(name="ssh", url=f"http://127.0.0.1:{server.getsockname()[1]}/")
        AlertRule.objects.create(name="ssh", channel=odd, min_severity=1)
        good = webhook(receiver, "good", min_severity=1)
        down_at = up_then_down(prober, office["checks"], down=office["checks"][:1])
        alerting.run(down_at + 3 * MINUTE)
        bad = AlertDelivery.objects.get(channel=odd)
        assert (bad.status, bad.attempts) == ("pending", 1) and "BadStatusLine" in bad.last_error
        assert AlertDelivery.objects.get(channel=good).status == "sent"
        test = alerting.send_test(odd)
        assert (test.status, test.attempts) == ("failed", 1) and "BadStatusLine" in test.last_error
    finally:
        server.close()


def test_a_check_that_flaps_then_stays_down_is_told_down_once_it_settles(receiver, prober, office):
    """Its downs are held while it flaps; when flapping ends with the check down, that is a down alert
    (as Nagios does), and its later recovery goes where that down went."""
    webhook(receiver, min_severity=1)  # down and recovery, not flapping
    check = office["checks"][0]
    Check.objects.filter(pk=check.pk).update(down_after=1, up_after=1, flap_low=5, flap_high=10)
    for i in range(24):
        sweep(prober, {check: i % 2 == 0}, T0 + i * MINUTE)
    for i in range(24, 60):  # then it stays down until flapping ends
        sweep(prober, {check: False}, T0 + i * MINUTE)
    settled = CheckEvent.objects.get(kind="flap_end")
    assert settled.new_state == "down"
    for i in range(60, 62):
        sweep(prober, {check: True}, T0 + i * MINUTE)
    started = CheckEvent.objects.filter(kind="flap_start").earliest("at").at
    receiver.requests.clear()
    AlertDelivery.objects.all().delete()
    alerting.run(T0 + 90 * MINUTE)
    after = [
        r for r in (receiver.json(i) for i in range(len(receiver.requests))) if r["event"]["at"] > started.isoformat()
    ]
    assert [(r["event"]["kind"], r["event"]["event_kind"]) for r in after] == [
        ("down", "flap_end"),
        ("recovery", "state"),
    ]
    assert settled.alert_decision.decision == AlertDecision.ROUTED
