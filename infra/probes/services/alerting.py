"""Alerts: decide once about each state event (held, not an alert, or for which channels), then send
the deliveries, each attempt recorded, with back-off until sent or given up (docs/probes.md, "Alerts").

Two consumers may run a pass at the same time: deciding is serialised by a locked marker row and is
keyed by the event (``AlertEventDecision``'s primary key), and a delivery is claimed by a conditional
update of its next attempt before it is sent. So an event is decided once and each attempt made once."""

import datetime
import hashlib
import hmac
import html
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from infra.inventory.choices import DeviceKind, SiteKind
from infra.inventory.models import Organization

from ..choices import (
    AlertDecision,
    AlertKind,
    ChannelKind,
    CheckKind,
    CheckState,
    DeliveryStatus,
    EventKind,
    FreshnessSource,
    Severity,
)
from ..models import (
    AlertAttempt,
    AlertChannel,
    AlertDelivery,
    AlertEventDecision,
    AlertRule,
    CheckEvent,
    MaintenanceWindow,
    ProbeMarker,
    WebsiteStatus,
)
from ..topology import site_is_down

log = logging.getLogger(__name__)

ALERTABLE_EVENTS = (
    EventKind.STATE,
    EventKind.FLAP_START,
    EventKind.FLAP_END,
    EventKind.REBOOT,
    EventKind.CERT_EXPIRY,
    EventKind.STALE,
)
BATCH = 500  # events decided per pass; the rest next minute
SEND_BATCH = 200  # deliveries sent per pass
# Devices whose loss is felt by many: the servers and storage applications run on, the routers and
# firewalls a whole site's traffic crosses.
CRITICAL_DEVICE_KINDS = frozenset(
    {DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE, DeviceKind.STORAGE, DeviceKind.ROUTER, DeviceKind.FIREWALL}
)
MAX_BACKOFF_MINUTES = 60
RESPONSE_KEPT = 1000
ERROR_KEPT = 500


# --- what an event is, and how bad --------------------------------------------------------------------
def alert_kind(kind: str, old_state: str, new_state: str) -> str:
    """The alert an event makes ("" for none): a check going down, coming back up from down, starting
    or stopping to flap, rebooting; a website's certificate expiring or expired, a website not updated
    (services.websites makes those reminders). A change to or from unknown is no alert (nothing is known)."""
    if kind == EventKind.STATE:
        if new_state == CheckState.DOWN:
            return AlertKind.DOWN
        if new_state == CheckState.UP and old_state == CheckState.DOWN:
            return AlertKind.RECOVERY
        return ""
    if kind == EventKind.FLAP_END and new_state == CheckState.DOWN:
        # Its downs were held while it flapped; now it has settled down: that is the down to tell.
        return AlertKind.DOWN
    if kind in (EventKind.FLAP_START, EventKind.FLAP_END):
        return AlertKind.FLAPPING
    if kind == EventKind.REBOOT:
        return AlertKind.REBOOT
    if kind == EventKind.CERT_EXPIRY:
        return AlertKind.CERTIFICATE
    if kind == EventKind.STALE:
        return AlertKind.STALE
    return ""


def severity(kind: str, device_kind: str | None, site_kind: str | None, site_down: bool) -> int:
    """The one rule of severity:

    - critical: a check goes down and its whole site is down (every check there), or the device is a
      server, virtual machine, storage, router or firewall, or it stands in a data center;
    - warning: any other check going down (a website's too); a reboot; flapping; a certificate
      expiring or expired; a website not updated;
    - info: a recovery (it follows its down wherever that went, whatever the rule's minimum).
    """
    if kind == AlertKind.RECOVERY:
        return Severity.INFO
    if kind == AlertKind.DOWN and (
        site_down or device_kind in CRITICAL_DEVICE_KINDS or site_kind == SiteKind.DATA_CENTER
    ):
        return Severity.CRITICAL
    return Severity.WARNING


def organization_of(check) -> Organization | None:
    """The OPD a check belongs to: its device's; a website check's, the OPD whose website it is or the
    application's owner (loaded with the check: ``dispatch`` selects them)."""
    if check.device_id is not None:
        return check.device.organization
    if check.organization_id is not None:
        return check.organization
    if check.application_id is not None:
        return check.application.organization
    return None


def _in_maintenance(windows: list[MaintenanceWindow], at, device, org_id: int | None = None) -> bool:
    if device is None:
        # A website check: its OPD's windows hold its alerts.
        return org_id is not None and any(w.start <= at < w.end and w.organization_id == org_id for w in windows)
    return any(
        w.start <= at < w.end
        and (
            (w.device_id and w.device_id == device.pk)
            or (w.site_id and w.site_id == device.site_id)
            # the OPD of the device's site, as recording, the status page and the reports take it
            or (w.organization_id and device.site_id and w.organization_id == device.site.organization_id)
        )
        for w in windows
    )


def _absolute(path: str) -> str:
    return f"{settings.SIMPUL_BASE_URL}{path}"


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def build_payload(event: CheckEvent, kind: str, level: int, site_down: bool) -> dict:
    """The JSON of one alert: language-free values, times in UTC and in the city's time, links."""
    check = event.probe_check
    device = check.device
    site = device.site if device is not None else None
    org = organization_of(check)
    application = check.application if check.application_id is not None else None
    return {
        "source": "simpul",
        "test": False,
        "event": {
            "id": event.pk,
            "kind": kind,
            "event_kind": event.kind,
            "at": event.at.astimezone(datetime.UTC).isoformat(),
            "at_local": _local(event.at),
            "old_state": event.old_state,
            "new_state": event.new_state,
            "outcome": event.outcome,
            "detail": event.detail,
            "url": _absolute(f"{reverse('probes:checkevent_list')}?check={check.pk}"),
        },
        "severity": Severity(level).name.lower(),
        "check": {
            "id": check.pk,
            "kind": check.kind,
            "address": check.address,
            "url": _absolute(reverse("probes:check", args=[check.pk])),
        },
        "device": None
        if device is None
        else {"id": device.pk, "name": device.name, "kind": device.kind, "url": _absolute(device.get_absolute_url())},
        "site": None
        if site is None
        else {
            "id": site.pk,
            "name": site.name,
            "kind": site.kind,
            "down": site_down,
            "url": _absolute(site.get_absolute_url()),
        },
        "organization": None
        if org is None
        else {"id": org.pk, "name": org.name, "short_name": org.short_name, "url": _absolute(org.get_absolute_url())},
        "root_cause": None if event.root_cause is None else {"id": event.root_cause.pk, "name": event.root_cause.name},
        "application": None
        if application is None
        else {"id": application.pk, "name": application.name, "url": _absolute(application.get_absolute_url())},
        "website": website_payload(check, event.at) if check.kind == CheckKind.HTTP else None,
    }


def website_payload(check, at: datetime.datetime) -> dict:
    """A website check's part of an alert: its URL, certificate expiry and days left (negative: days
    since it expired), last update, how it was found and days since (None where unknown)."""
    try:
        status = check.website
    except WebsiteStatus.DoesNotExist:
        status = None
    expires = status.tls_expires if status is not None else None
    updated = status.last_update if status is not None else None
    return {
        "url": check.url,
        "status_code": status.status_code if status is not None else None,
        "cert_expires": expires.astimezone(datetime.UTC).isoformat() if expires else None,
        "cert_expires_local": timezone.localtime(expires).date().isoformat() if expires else None,
        "cert_days_left": (expires - at).days if expires else None,
        "last_update": updated.astimezone(datetime.UTC).isoformat() if updated else None,
        "last_update_local": timezone.localtime(updated).date().isoformat() if updated else None,
        "update_source": status.update_source if status is not None else "",
        "days_since_update": max((at - updated).days, 0) if updated else None,
        "stale_days": check.stale_days or settings.SIMPUL_WEBSITE_STALE_DAYS,
        "warnings": list(status.warnings) if status is not None else [],
    }


def test_payload(channel: AlertChannel, now: datetime.datetime) -> dict:
    return {
        "source": "simpul",
        "test": True,
        "channel": channel.name,
        "at": now.astimezone(datetime.UTC).isoformat(),
        "at_local": _local(now),
        "url": _absolute(reverse("probes:alertchannel", args=[channel.pk])),
    }


def _summary(payload: dict) -> str:
    """What the delivery is about, in names only (stored once, read in any language: the kind, the
    severity and the test mark have columns of their own, translated where they are shown)."""
    if payload.get("test"):
        return str(payload["channel"])[:300]
    device = (payload["device"] or {}).get("name")
    address = payload["check"]["address"]
    website = payload.get("website")
    if website and not device:
        owner = (payload.get("application") or {}).get("name") or (payload.get("organization") or {}).get("short_name")
        return (f"{owner} ({website['url']})" if owner else website["url"])[:300]
    return (f"{device} ({address})" if device else address)[:300]


# --- deciding -----------------------------------------------------------------------------------------
def dispatch(now: datetime.datetime | None = None) -> dict[str, int]:
    """Decide about the state events that have settled and are not decided yet; make their deliveries."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.SIMPUL_ALERT_SETTLE_SECONDS)
    oldest = now - datetime.timedelta(hours=settings.SIMPUL_ALERT_MAX_AGE_HOURS)
    counts = {"events": 0, "deliveries": 0, "held": 0}
    with transaction.atomic():
        # One dispatcher at a time: the second waits here, then finds the events decided.
        # (an UPDATE locks the row until the transaction ends; SQLite's transactions are serial anyway)
        ProbeMarker.objects.get_or_create(name="alerts")
        ProbeMarker.objects.filter(name="alerts").update(at=now)
        last_down = (
            CheckEvent.objects.filter(
                probe_check=OuterRef("probe_check"),
                kind__in=(EventKind.STATE, EventKind.FLAP_END),  # a flap ending down is a down (alert_kind)
                new_state=CheckState.DOWN,
                at__lt=OuterRef("at"),
            )
            .order_by("-at")
            .values("pk")[:1]
        )
        events = list(
            CheckEvent.objects.filter(
                kind__in=ALERTABLE_EVENTS, at__lte=cutoff, at__gte=oldest, alert_decision__isnull=True
            )
            .select_related(
                "probe_check__device__site",
                "probe_check__device__organization",
                "probe_check__organization",
                "probe_check__application__organization",
                "probe_check__website",
                "root_cause",
            )
            .annotate(last_down=Subquery(last_down))
            .order_by("at", "pk")[:BATCH]
        )
        if not events:
            return counts
        rules = list(AlertRule.objects.filter(enabled=True, channel__enabled=True))
        windows = list(MaintenanceWindow.objects.filter(start__lte=events[-1].at, end__gt=min(e.at for e in events)))
        down_sites = {
            e.probe_check.device.site_id
            for e in events
            if e.new_state == CheckState.DOWN and e.probe_check.device is not None and e.probe_check.device.site_id
        }
        site_down = site_is_down(down_sites) if down_sites and rules else {}
        downs = [e.last_down for e in events if e.last_down is not None]
        sent_downs: dict[int, set[int]] = {}
        # A down "sent" is one delivered or still being tried; one given up never reached its channel.
        for event_id, channel_id in (
            AlertDelivery.objects.filter(event_id__in=downs, is_test=False)
            .exclude(status=DeliveryStatus.FAILED)
            .values_list("event_id", "channel_id")
        ):
            sent_downs.setdefault(event_id, set()).add(channel_id)
        decisions, deliveries = [], []
        for event in events:
            decision, kind, level, channels, payload = _decide(event, rules, windows, site_down, sent_downs)
            if kind == AlertKind.DOWN and channels:  # its recovery may come in this same pass
                sent_downs.setdefault(event.pk, set()).update(channels)
            decisions.append(
                AlertEventDecision(
                    event=event, at=now, decision=decision, kind=kind, severity=level, channels=len(channels)
                )
            )
            for channel_id in sorted(channels):
                deliveries.append(
                    AlertDelivery(
                        event=event,
                        channel_id=channel_id,
                        created=now,
                        kind=kind,
                        severity=level,
                        summary=_summary(payload),
                        payload=payload,
                        next_attempt_at=now,
                    )
                )
            counts["held"] += decision in (AlertDecision.FLAPPING, AlertDecision.MAINTENANCE, AlertDecision.BEHIND)
        AlertEventDecision.objects.bulk_create(decisions, ignore_conflicts=True)
        AlertDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        counts["events"], counts["deliveries"] = len(decisions), len(deliveries)
    return counts


def _decide(event, rules, windows, site_down, sent_downs) -> tuple[str, str, int | None, set[int], dict]:
    """(decision, alert kind, severity, channel ids, payload) of one event."""
    kind = alert_kind(event.kind, event.old_state, event.new_state)
    device = event.probe_check.device
    org = organization_of(event.probe_check)
    org_id = org.pk if org is not None else None
    if event.root_cause_id is not None:
        return AlertDecision.BEHIND, kind, None, set(), {}
    if _in_maintenance(windows, event.at, device, org_id):
        return AlertDecision.MAINTENANCE, kind, None, set(), {}
    if event.held:
        # Not behind a site nor in a window: the check flaps (or stopped being probed: no alert anyway).
        return (AlertDecision.FLAPPING if kind else AlertDecision.HELD), kind, None, set(), {}
    if not kind:
        return AlertDecision.NOT_ALERTED, kind, None, set(), {}
    site = device.site if device is not None else None
    down = bool(site is not None and site_down.get(site.pk))
    level = severity(kind, device.kind if device else None, site.kind if site else None, down)
    site_id = site.pk if site is not None else None
    matching = [
        r
        for r in rules
        if r.takes(kind)
        and (r.organization_id is None or r.organization_id == org_id)
        and (r.site_id is None or r.site_id == site_id)
    ]
    if kind == AlertKind.RECOVERY:
        # Wherever its down went (whatever the rule's minimum severity), and nowhere else.
        channels = {r.channel_id for r in matching} & sent_downs.get(event.last_down, set())
        if not channels:
            decision = AlertDecision.NO_DOWN_SENT if matching else AlertDecision.NO_RULE
            return decision, kind, level, set(), {}
    else:
        channels = {r.channel_id for r in matching if level >= r.min_severity}
        if not channels:
            return AlertDecision.NO_RULE, kind, level, set(), {}
    return AlertDecision.ROUTED, kind, level, channels, build_payload(event, kind, level, down)


# --- sending ------------------------------------------------------------------------------------------
@dataclass
class Answer:
    ok: bool
    http_status: int | None = None
    error: str = ""
    response: str = ""
    duration_ms: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to go: an alert never follows one to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def telegram_text(payload: dict) -> str:
    """A short message in the alerts' language (Indonesian by default), HTML-escaped for parse_mode HTML."""
    e = html.escape
    with translation.override(settings.SIMPUL_ALERT_LANGUAGE):
        if payload.get("test"):
            return "\n".join(
                [
                    "🔔 <b>Simpul</b>",
                    e(_("Test message from the alert channel %(name)s.") % {"name": payload["channel"]}),
                    e(_("If you read this, alerts reach this chat.")),
                ]
            )
        event = payload["event"]
        kind = event["kind"]
        icon = {
            AlertKind.DOWN: "🔴",
            AlertKind.RECOVERY: "🟢",
            AlertKind.FLAPPING: "🟠",
            AlertKind.REBOOT: "🔄",
            AlertKind.CERTIFICATE: "🔐",
            AlertKind.STALE: "📰",
        }
        website = payload.get("website")
        expired = bool(website and website["cert_days_left"] is not None and website["cert_days_left"] < 0)
        title = {
            AlertKind.DOWN: _("DOWN"),
            AlertKind.RECOVERY: _("UP AGAIN"),
            AlertKind.FLAPPING: _("FLAPPING") if event["event_kind"] == EventKind.FLAP_START else _("STEADY AGAIN"),
            AlertKind.REBOOT: _("REBOOTED"),
            AlertKind.CERTIFICATE: _("CERTIFICATE EXPIRED") if expired else _("CERTIFICATE EXPIRING"),
            AlertKind.STALE: _("WEBSITE NOT UPDATED"),
        }[kind]
        level = Severity[payload["severity"].upper()].label
        device, site, org, check = payload["device"], payload["site"], payload["organization"], payload["check"]
        application = payload.get("application")
        lines = [f"{icon.get(kind, '')} <b>{e(title)}</b> · {e(str(level))}"]
        if device:
            name = device["name"]
        elif application:
            name = application["name"]
        elif website and org:
            name = _("Website of %(name)s") % {"name": org["short_name"] or org["name"]}
        else:
            name = check["address"]
        lines.append(f"<b>{e(name)}</b>")
        if website:
            lines.append(e(_("Website: %(url)s") % {"url": website["url"]}))
            lines.extend(e(line) for line in _website_lines(kind, website))
        else:
            lines.append(
                e(_("Check: %(kind)s %(address)s") % {"kind": check["kind"].upper(), "address": check["address"]})
            )
        if site:
            lines.append(e(_("Site: %(name)s") % {"name": site["name"]}))
            if site["down"]:
                lines.append(e(_("The whole site is down.")))
        if org:
            lines.append(e(_("OPD: %(name)s") % {"name": org["short_name"] or org["name"]}))
        moment = datetime.datetime.fromisoformat(event["at_local"])
        lines.append(e(_("Time: %(time)s WIB") % {"time": moment.strftime("%d-%m-%Y %H:%M:%S")}))
        if event["detail"] and kind not in (AlertKind.CERTIFICATE, AlertKind.STALE):  # those said it above
            lines.append(e(event["detail"]))
        if check["url"].startswith("http"):
            link = _("Open in Simpul")
            lines.append(f'<a href="{e(check["url"])}">{e(link)}</a>')
        return "\n".join(lines)


def _day_month_year(iso_date: str) -> str:
    return datetime.date.fromisoformat(iso_date).strftime("%d-%m-%Y")


def _website_lines(kind: str, website: dict) -> list[str]:
    """A website alert's facts, in the active language: the certificate's date and days left (or
    since it expired), or the last update, how it was found and days since."""
    lines = []
    if kind == AlertKind.CERTIFICATE and website["cert_expires_local"]:
        when = _day_month_year(website["cert_expires_local"])
        left = website["cert_days_left"]
        if left < 0:
            lines.append(_("Certificate expired on %(date)s (%(days)s days ago).") % {"date": when, "days": -left})
        else:
            lines.append(_("Certificate expires on %(date)s (%(days)s days left).") % {"date": when, "days": left})
    if kind == AlertKind.STALE and website["last_update_local"]:
        source = website["update_source"]
        label = FreshnessSource(source).label if source in FreshnessSource.values else source
        lines.append(
            _("Last updated on %(date)s, %(days)s days ago (found from: %(source)s).")
            % {
                "date": _day_month_year(website["last_update_local"]),
                "days": website["days_since_update"],
                "source": label,
            }
        )
        lines.append(_("Warned after %(days)s days without an update.") % {"days": website["stale_days"]})
    return lines


def _request(channel: AlertChannel, payload: dict, delivery_id: int) -> tuple[str, bytes, dict]:
    """(url, body, headers) of one attempt."""
    headers = {"Content-Type": "application/json", "User-Agent": "Simpul-alerts/1"}
    if channel.kind == ChannelKind.TELEGRAM:
        body = {"chat_id": channel.chat_id, "text": telegram_text(payload), "parse_mode": "HTML"}
        body["disable_web_page_preview"] = True
        url = f"{settings.SIMPUL_TELEGRAM_API}/bot{channel.secret}/sendMessage"
        return url, json.dumps(body, ensure_ascii=False).encode(), headers
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers["X-Simpul-Delivery"] = str(delivery_id)
    if channel.secret:
        digest = hmac.new(channel.secret.encode(), data, hashlib.sha256).hexdigest()
        headers["X-Simpul-Signature"] = f"sha256={digest}"
    return channel.url, data, headers


def transmit(channel: AlertChannel, payload: dict, delivery_id: int) -> Answer:
    """One HTTP POST; any 2xx is success. Never raises; the secret never appears in what is kept."""
    started = time.monotonic()
    answer = Answer(ok=False)
    try:
        url, body, headers = _request(channel, payload, delivery_id)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with _opener.open(request, timeout=settings.SIMPUL_ALERT_TIMEOUT) as response:
            answer.http_status = response.status
            answer.response = response.read(RESPONSE_KEPT * 4).decode("utf-8", "replace")
            answer.ok = 200 <= response.status < 300
    except urllib.error.HTTPError as error:
        answer.http_status = error.code
        if 300 <= error.code < 400:
            answer.error = f"HTTP {error.code}: redirect to {error.headers.get('Location', '?')} not followed"
        else:
            answer.error = f"HTTP {error.code} {error.reason}"
        try:
            answer.response = error.read(RESPONSE_KEPT * 4).decode("utf-8", "replace")
        except OSError:
            pass
    except urllib.error.URLError as error:
        answer.error = str(error.reason)
    except (TimeoutError, OSError, ValueError, http.client.HTTPException) as error:
        # HTTPException: a peer that does not speak HTTP (BadStatusLine, LineTooLong, IncompleteRead)
        answer.error = f"{type(error).__name__}: {error}"
    answer.duration_ms = int((time.monotonic() - started) * 1000)
    if channel.secret:
        answer.error = answer.error.replace(channel.secret, "***")
        answer.response = answer.response.replace(channel.secret, "***")
    answer.error, answer.response = answer.error[:ERROR_KEPT], answer.response[:RESPONSE_KEPT]
    return answer


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4, 8, 16 ... minutes, at most an hour."""
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), MAX_BACKOFF_MINUTES))


def attempt(delivery: AlertDelivery, now: datetime.datetime) -> AlertAttempt:
    """Send a (claimed) delivery once; record the attempt; move the delivery on."""
    answer = transmit(delivery.channel, delivery.payload, delivery.pk)
    with transaction.atomic():  # the attempt and the delivery's new state together, or neither
        return _record(delivery, answer, now)


def _record(delivery: AlertDelivery, answer: Answer, now: datetime.datetime) -> AlertAttempt:
    number = delivery.attempts + 1
    record = AlertAttempt.objects.create(
        delivery=delivery,
        number=number,
        at=now,
        ok=answer.ok,
        http_status=answer.http_status,
        error=answer.error,
        duration_ms=answer.duration_ms,
        response=answer.response,
    )
    delivery.attempts, delivery.last_attempt_at = number, now
    delivery.last_error = "" if answer.ok else answer.error or f"HTTP {answer.http_status}"
    if answer.ok:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = DeliveryStatus.SENT, now, None
    elif delivery.is_test or number >= settings.SIMPUL_ALERT_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        if not delivery.is_test:
            log.warning("Alert delivery %s to %s given up after %s attempts.", delivery.pk, delivery.channel, number)
    else:
        delivery.next_attempt_at = now + backoff(number)
    delivery.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", "sent_at", "next_attempt_at"])
    return record


def send_due(now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the deliveries whose attempt is due, each claimed first (another consumer skips it)."""
    now = now or timezone.now()
    started = time.monotonic()

    def clock() -> datetime.datetime:
        """The pass's time moved on by the whole seconds spent sending (a slow host takes its timeout
        per delivery): claims and back-offs count from when each delivery is taken, not from the start."""
        return now + datetime.timedelta(seconds=int(time.monotonic() - started))

    claim = datetime.timedelta(seconds=2 * settings.SIMPUL_ALERT_TIMEOUT + 60)
    due = list(
        AlertDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, channel__enabled=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:SEND_BATCH]
    )
    counts = {"sent": 0, "failed": 0, "retry": 0}
    for pk, at in due:
        # A consumer that dies mid-send leaves the claim to run out: the attempt is made again then.
        if not AlertDelivery.objects.filter(
            pk=pk, status=DeliveryStatus.PENDING, next_attempt_at=at, next_attempt_at__lte=clock()
        ).update(next_attempt_at=clock() + claim):
            continue
        delivery = AlertDelivery.objects.select_related("channel").get(pk=pk)
        attempt(delivery, clock())
        counts[
            "sent"
            if delivery.status == DeliveryStatus.SENT
            else "failed"
            if delivery.status == DeliveryStatus.FAILED
            else "retry"
        ] += 1
    return counts


def send_test(channel: AlertChannel, now: datetime.datetime | None = None) -> AlertDelivery:
    """The channel's test button: a test message sent now, once, recorded like any delivery."""
    now = now or timezone.now()
    payload = test_payload(channel, now)
    delivery = AlertDelivery.objects.create(
        channel=channel, created=now, is_test=True, summary=_summary(payload), payload=payload
    )
    delivery.channel = channel
    attempt(delivery, now)
    return delivery


def run(now: datetime.datetime | None = None) -> dict[str, int]:
    """One pass: decide, then send (the periodic task and ``manage.py probe alerts``)."""
    now = now or timezone.now()
    return {**dispatch(now), **send_due(now)}
