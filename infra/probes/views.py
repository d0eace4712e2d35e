"""The probes' pages that are not generic: a check's page (settings, status, recent results, events,
downtimes), a credential's page (never its secrets) and the checks panel on a device's page. Each in a
fixed number of queries."""

import datetime
import json
import re
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from infra.core.choices import Role
from infra.core.filtersets import to_utc
from infra.core.permissions import ADD, CHANGE, VIEW, can, role_of
from infra.core.views import ObjectDetailView, object_fields
from infra.inventory.models import Organization

from . import charts, models, report_files, reports, status
from .choices import CheckKind, CheckState, DeliveryStatus, FreshnessSource, WebsiteWarning
from .models.checks import SECRET_FIELDS
from .services import alerting
from .tables import format_duration, outcome_label
from .websites import SERIOUS

RESULTS_PER_PAGE = 50
EVENTS_SHOWN = 20
DOWNTIMES_SHOWN = 20
DEVICE_CHECKS_SHOWN = 50
STATUS_REFRESH_SECONDS = 30
HOME_INCIDENTS_SHOWN = 5  # the dashboard shows the largest; the status page has them all
# The status page shows the largest incidents first and this many of them unless asked for all
# (``?all=1``): a wall screen reads the top of the list, and each row is most of a refresh's cost.
STATUS_INCIDENTS_SHOWN = 50


def _before(raw: str | None) -> datetime.datetime | None:
    """The ``before`` of a results page: an ISO time with its offset; anything else is the newest page."""
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+"))  # a "+" left unencoded in the URL arrives as a space
        return to_utc(moment) if moment is not None and moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def recent_results(check: models.Check, before: datetime.datetime | None) -> tuple[list, datetime.datetime | None]:
    """One page of the check's raw results, newest first, older than ``before``; and the ``before`` of
    the next (older) page, None at the end. Keyset paging on (check, time), the table's primary key, so a
    page costs the same at any depth of tens of thousands of results (no count, no OFFSET)."""
    rows = models.Result.objects.filter(probe_check_id=check.pk)
    if before is not None:
        rows = rows.filter(time__lt=before)
    page = list(rows.order_by("-time")[: RESULTS_PER_PAGE + 1])
    older = page[RESULTS_PER_PAGE - 1].time if len(page) > RESULTS_PER_PAGE else None
    page = page[:RESULTS_PER_PAGE]
    # The probers are few, and a result may name one since removed: read by id, not joined.
    probers = models.Prober.objects.in_bulk({r.prober_id for r in page})
    for result in page:
        result.prober_name = probers[result.prober_id].name if result.prober_id in probers else ""
        result.outcome_label = outcome_label(result.outcome)
    return page, older


def uptime(status: models.CheckStatus | None) -> str:
    """The agent's sysUpTime (hundredths of a second) as a duration, for the status panel."""
    if status is None or status.sys_uptime is None:
        return ""
    return format_duration(datetime.timedelta(seconds=status.sys_uptime / 100))


class CheckDetailView(ObjectDetailView):
    def get_extra_context(self, request: HttpRequest, obj: models.Check) -> dict:
        status = getattr(obj, "status", None) if _has_status(obj) else None
        before = _before(request.GET.get("before"))
        results, older = recent_results(obj, before)
        events_url = f"{reverse('probes:checkevent_list')}?{urlencode({'check': obj.pk})}"
        downtimes_url = f"{reverse('probes:downtime_list')}?{urlencode({'check': obj.pk})}"
        return {
            "object_fields": _check_fields(request, obj),
            "status": status,
            "state": CheckState(status.state) if status is not None else CheckState.UNKNOWN,
            "last_outcome": outcome_label(status.last_outcome) if status is not None else "",
            "uptime": uptime(status),
            "is_snmp": obj.kind == CheckKind.SNMP,
            "is_http": obj.kind == CheckKind.HTTP,
            "website": website_status(obj) if obj.kind == CheckKind.HTTP else None,
            "results": results,
            "results_before": before,
            "older_url": f"?{urlencode({'before': older.isoformat()})}" if older is not None else "",
            "events": list(obj.events.select_related("root_cause").order_by("-at", "-id")[:EVENTS_SHOWN]),
            "events_url": events_url,
            "downtimes": list(obj.downtimes.select_related("root_cause").order_by("-start", "-id")[:DOWNTIMES_SHOWN]),
            "downtimes_url": downtimes_url,
        }


def website_status(check: models.Check) -> dict | None:
    """What the last HTTP(S) probe of a website check found, with its labels, for the check's page
    (read through select_related: no query)."""
    try:
        found = check.website
    except models.WebsiteStatus.DoesNotExist:
        return None
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    labels = dict(WebsiteWarning.choices)
    return {
        "found": found,
        "redirects": [(status, location) for status, location in (found.redirects or [])],
        "warnings": [(w, labels.get(w, w), "danger" if w in SERIOUS else "warning") for w in found.warnings or []],
        "source": FreshnessSource(found.update_source).label if found.update_source in FreshnessSource.values else "",
        "days_since": (today - found.last_update.astimezone(zone).date()).days if found.last_update else None,
        "days_left": (found.tls_expires.astimezone(zone).date() - today).days if found.tls_expires else None,
    }


def _has_status(check: models.Check) -> bool:
    try:
        check.status  # noqa: B018  (read through select_related: no query)
    except models.CheckStatus.DoesNotExist:
        return False
    return True


# Settings only one kind of check uses: a website check has no SNMP port, an ICMP check no URL.
HTTP_ONLY = ("url", "application", "organization", "expect_text", "stale_days")
NOT_HTTP = ("ip_address", "port", "credential", "packets", "retries")


def _check_fields(request: HttpRequest, obj: models.Check) -> list[tuple[str, object, str]]:
    """The generic attribute rows (those of the check's kind), with the credential named but not
    linked for those who may not open credentials (their pages are for engineers)."""
    unused = NOT_HTTP if obj.kind == CheckKind.HTTP else HTTP_ONLY
    hidden = {models.Check._meta.get_field(name).verbose_name for name in unused}
    rows = [row for row in object_fields(obj) if row[0] not in hidden]
    if can(request.user, VIEW, models.SnmpCredential):
        return rows
    label = models.Check._meta.get_field("credential").verbose_name
    return [(name, value, "" if name == label else url) for name, value, url in rows]


class SnmpCredentialDetailView(ObjectDetailView):
    def get_extra_context(self, request: HttpRequest, obj: models.SnmpCredential) -> dict:
        checks = obj.checks.select_related("device", "status").order_by("address", "id")
        return {"object_fields": _credential_fields(obj), "checks": checks[:DEVICE_CHECKS_SHOWN]}


def _credential_fields(obj: models.SnmpCredential) -> list[tuple[str, object, str]]:
    """The attribute rows with every secret replaced by whether it is set: never its value."""
    secret_labels = {models.SnmpCredential._meta.get_field(name).verbose_name: name for name in SECRET_FIELDS}
    rows = []
    for label, value, url in object_fields(obj):
        if label in secret_labels:
            value = _("Set") if getattr(obj, secret_labels[label]) else _("Not set")
        rows.append((label, value, url))
    return rows


def device_checks(request: HttpRequest, device) -> dict | None:
    """The checks panel of a device's page (core.registry's detail panel): its checks with their
    state, in one query, and a link to add one when the user may."""
    if not can(request.user, VIEW, models.Check):
        return None
    checks = list(
        models.Check.objects.filter(device=device)
        .select_related("status")
        .order_by("kind", "address", "id")[: DEVICE_CHECKS_SHOWN + 1]
    )
    for check in checks:
        status = check.status if _has_status(check) else None
        check.state = CheckState(status.state) if status is not None else CheckState.UNKNOWN
        check.since = status.since if status is not None else None
    return {
        "checks": checks[:DEVICE_CHECKS_SHOWN],
        "more": len(checks) > DEVICE_CHECKS_SHOWN,
        "list_url": f"{reverse('probes:check_list')}?{urlencode({'device': device.pk})}",
        "add_url": (
            f"{reverse('probes:check_add')}?{urlencode({'device': device.pk, 'return_url': request.path})}"
            if can(request.user, ADD, models.Check, device.organization_id)
            else ""
        ),
    }


def down_now(request: HttpRequest) -> dict | None:
    """The dashboard's "down now" panel (core.registry's home panel): the status page's largest
    incidents, in the status page's queries (``status.current``)."""
    if not can(request.user, VIEW, models.Check):
        return None
    current = status.current()
    return {
        "status": current,
        "incidents": current.incidents[:HOME_INCIDENTS_SHOWN],
        "more": max(0, len(current.incidents) - HOME_INCIDENTS_SHOWN),
        "refresh_seconds": STATUS_REFRESH_SECONDS,
    }


def incident_rows(incidents: list[status.Incident]) -> list[dict]:
    """The status table's rows as plain values in dicts: a template finds a dict's key at once, while
    each attribute of an object costs it a failed subscript first, and a date filter costs more than
    ``strftime``; on a long list the rows are most of the page."""
    rows = []
    for incident in incidents:
        named = incident.site if incident.kind == "site" else incident.device
        rows.append(
            {
                "kind": incident.kind,
                "since": incident.since,
                "since_text": timezone.localtime(incident.since).strftime("%Y-%m-%d %H:%M") if incident.since else "",
                "name": str(named or ""),
                "url": named.get_absolute_url() if named else "",
                "site_name": str(incident.site or "") if incident.kind == "device" else "",
                "in_maintenance": incident.in_maintenance,
                "behind": [{"name": site.name, "url": site.get_absolute_url()} for site in incident.behind_sites],
                "servers": incident.servers,
                "applications": incident.applications,
                "organizations": incident.organizations,
                "devices": incident.devices,
            }
        )
    return rows


class StatusView(View):
    """What is down now, why and what sits behind it, the largest ``STATUS_INCIDENTS_SHOWN`` incidents
    unless ``?all=1``; the table refreshes itself (htmx) every 30 s, keeping that choice."""

    template_name = "probes/status.html"
    fragment_name = "probes/_status.html"

    def get(self, request: HttpRequest):
        if not can(request.user, VIEW, models.Check):
            raise PermissionDenied
        if request.htmx and request.GET.get("panel") == "home":
            return render(request, "probes/_home_down_now.html", {"panel": down_now(request)})
        current = status.current()
        show_all = request.GET.get("all") == "1"
        shown = current.incidents if show_all else current.incidents[:STATUS_INCIDENTS_SHOWN]
        context = {
            "status": current,
            "rows": incident_rows(shown),
            "more": len(current.incidents) - len(shown),
            "show_all": show_all and len(current.incidents) > STATUS_INCIDENTS_SHOWN,
            "shown_at_most": STATUS_INCIDENTS_SHOWN,
            "refresh_seconds": STATUS_REFRESH_SECONDS,
        }
        name = self.fragment_name if request.htmx else self.template_name
        return render(request, name, context)


# --- charts ------------------------------------------------------------------------------------------

CHART_SCOPES = {
    "device": "inventory.Device",
    "site": "inventory.Site",
    "organization": "inventory.Organization",
    "fiberlink": "inventory.FiberLink",
}


def _chart_labels() -> dict[str, str]:
    """The charts' words, in the user's language (the static script has none of its own)."""
    return {
        "time": _("Time"),
        "state": _("State"),
        "up": pgettext("check state", "Up"),
        "down": pgettext("check state", "Down"),
        "unknown": pgettext("check state", "Unknown"),
        "maintenance": _("Maintenance"),
        "availability": _("Availability"),
        "availability_axis": _("Availability (%)"),
        "latency_axis": _("Latency (ms)"),
        "loss_axis": _("Packet loss (%)"),
        "rtt_avg": _("RTT average"),
        "rtt_p95": _("RTT 95th percentile"),
        "rtt_max": _("RTT maximum"),
        "loss": _("Packet loss"),
        "loading": _("Loading…"),
        "failed": _("The figures could not be loaded."),
    }


def chart_panel(scope: str):
    """The charts panel of a device's, site's, OPD's or fiber link's page (core.registry's detail panel):
    no query of its own; the static script fetches the figures from ``ChartDataView``."""

    def context(request: HttpRequest, obj) -> dict | None:
        if not can(request.user, VIEW, models.Check):
            return None
        return {
            "url": reverse("probes:chart", args=[scope, obj.pk]),
            "scope": scope,
            "time_zone": settings.TIME_ZONE,
            "labels": _chart_labels(),
        }

    return context


def _epoch(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


class ChartDataView(View):
    """A chart's figures as JSON (``charts.series``): ``?range=day|month|year&date=YYYY-MM-DD`` (the local
    date whose period is drawn; today by default). Bad input: a 400 with the reason, in the user's language."""

    def get(self, request: HttpRequest, scope: str, pk: int) -> JsonResponse:
        if scope not in CHART_SCOPES:
            raise Http404
        model = apps.get_model(CHART_SCOPES[scope])
        if not can(request.user, VIEW, models.Check) or not can(request.user, VIEW, model):
            raise PermissionDenied
        kind = request.GET.get("range", "day")
        if kind not in charts.RANGES:
            return JsonResponse({"detail": _("Choose a range: day, month or year.")}, status=400)
        raw = request.GET.get("date", "")
        today = timezone.localdate(timezone.now(), charts.city_zone())
        try:
            day = datetime.date.fromisoformat(raw) if raw else today
        except ValueError:
            return JsonResponse({"detail": _("Give the date as YYYY-MM-DD.")}, status=400)
        if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31):
            return JsonResponse({"detail": _("Give a date between 2000 and 2100.")}, status=400)
        rows = model.objects.all()
        if scope == "fiberlink":
            rows = rows.select_related("interface_a", "interface_b").only(
                "pk", "site_a_id", "site_b_id", "interface_a__device_id", "interface_b__device_id"
            )
        else:
            rows = rows.only("pk", *(["site_id"] if scope == "device" else []))
        obj = get_object_or_404(rows, pk=pk)
        figures = charts.series(scope, obj, kind, day)
        following = charts.step(kind, day, 1)
        title = {
            "day": lambda: date_format(day, "l, j F Y"),
            "month": lambda: date_format(day, "F Y"),
            "year": lambda: str(day.year),
        }[kind]()
        return JsonResponse(
            {
                "range": kind,
                "date": day.isoformat(),
                "title": title,
                "previous": charts.step(kind, day, -1).isoformat(),
                "next": following.isoformat() if following <= today else None,
                "start": _epoch(figures.start),
                "end": _epoch(figures.end),
                "x": [_epoch(m) for m in figures.edges],
                "availability": figures.availability,
                "loss": figures.loss,
                "rtt_avg": figures.rtt_avg,
                "rtt_p95": figures.rtt_p95,
                "rtt_max": figures.rtt_max,
                "band": [[_epoch(lo), _epoch(hi), what] for lo, hi, what in figures.band],
                "checks": figures.checks,
                "empty": figures.empty,
            }
        )


DELIVERIES_SHOWN = 20


class AlertChannelDetailView(ObjectDetailView):
    """A channel: its settings (the secret only as set or not), its rules, its latest deliveries and,
    for those who may change it, the test button."""

    def get_extra_context(self, request: HttpRequest, obj: models.AlertChannel) -> dict:
        rows = []
        secret_label = models.AlertChannel._meta.get_field("secret").verbose_name
        for label, value, url in object_fields(obj):
            if label == secret_label:
                value = _("Set") if obj.secret else _("Not set")
            rows.append((label, value, url))
        deliveries = obj.deliveries.select_related("event__probe_check").order_by("-created", "-id")
        return {
            "object_fields": rows,
            "rules": list(obj.rules.select_related("organization", "site").order_by("name")),
            "deliveries": list(deliveries[:DELIVERIES_SHOWN]),
            "deliveries_url": f"{reverse('probes:alertdelivery_list')}?{urlencode({'channel': obj.pk})}",
            "can_test": can(request.user, CHANGE, obj),
        }


class AlertChannelTestView(View):
    """The test button: POST only, for those who may change the channel; sends now, once, and says
    what came back (the delivery and its attempt are recorded like any other)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = get_object_or_404(models.AlertChannel.objects.all(), pk=pk)
        if not can(request.user, CHANGE, channel):
            raise PermissionDenied(_("You may not do this."))
        delivery = alerting.send_test(channel)
        if delivery.status == DeliveryStatus.SENT:
            messages.success(request, _("Test message sent to %(channel)s.") % {"channel": channel})
        else:
            messages.error(
                request,
                _("The test message to %(channel)s failed: %(error)s")
                % {"channel": channel, "error": delivery.last_error},
            )
        return redirect(delivery.get_absolute_url())


class AlertDeliveryDetailView(ObjectDetailView):
    """One delivery and every attempt at it."""

    template_name = "probes/alertdelivery.html"

    def get_extra_context(self, request: HttpRequest, obj: models.AlertDelivery) -> dict:
        return {
            "attempts": list(obj.attempt_log.order_by("number")),
            "payload": json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True),
            "can_view_channel": can(request.user, VIEW, models.AlertChannel),
        }


# --- the monthly availability report ------------------------------------------------------------

REPORT_ROWS_PER_PAGE = 100
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII digits only ("²".isdigit() is true), short enough for int()
REPORT_SORTS = (
    "name",
    "context",
    "checks",
    "percent",
    "downtime_count",
    "downtime_seconds",
    "longest_seconds",
    "unknown",
    "maintenance",
)


def report_question(request: HttpRequest, organizations: list[tuple[int, str]]) -> tuple[int | None, object, list]:
    """The OPD and month asked for, and what is wrong with them. No month: the last full month; no OPD
    parameter: an OPD operator's own OPD, the whole city for the others; blank: the whole city."""
    errors: list[str] = []
    raw_month = (request.GET.get("month") or "").strip()
    month = None
    try:
        month = reports.parse_month(raw_month) if raw_month else reports.last_full_month()
    except reports.BadMonth as error:
        errors.append(str(error))
    if "organization" in request.GET:
        raw = request.GET["organization"].strip()
        organization = None
        if raw:
            known = {pk for pk, _name in organizations}
            organization = int(raw) if _DIGITS.fullmatch(raw) and int(raw) in known else None
            if organization is None:
                errors.append(_("There is no such OPD: choose one from the list, or none for the whole city."))
    else:
        organization = request.user.organization_id if role_of(request.user) == Role.OPD_OPERATOR else None
    return organization, month, errors


def report_table(request: HttpRequest, report, level: str) -> dict:
    """One level's rows sorted by the column asked for (``<level>-sort``, "-" for descending) and cut
    to one page (``<level>-page``): in memory, so no query whatever the column."""
    key = request.GET.get(f"{level}-sort", "")
    name = key.lstrip("-")
    rows = report.rows(level)
    if name in REPORT_SORTS:

        def value(row):
            v = getattr(row, name)
            return (v is None, v.lower() if isinstance(v, str) else v)

        rows = sorted(rows, key=value, reverse=key.startswith("-"))
    pages = max(1, -(-len(rows) // REPORT_ROWS_PER_PAGE))
    raw_page = request.GET.get(f"{level}-page", "1")
    number = min(max(int(raw_page) if _DIGITS.fullmatch(raw_page) else 1, 1), pages)
    shown = rows[(number - 1) * REPORT_ROWS_PER_PAGE : number * REPORT_ROWS_PER_PAGE]

    def link(**changes) -> str:
        query = request.GET.copy()
        query.pop("export", None)
        for param, v in changes.items():
            query[param] = v
        return f"?{query.urlencode()}"

    headers = []
    for column, label in (
        ("name", _("Name")),
        ("context", report_files.context_label(level)),
        ("checks", _("Checks")),
        ("percent", _("Availability")),
        ("downtime_count", _("Outages")),
        ("downtime_seconds", _("Total downtime")),
        ("longest_seconds", _("Longest outage")),
        ("unknown", _("Unknown")),
        ("maintenance", _("Maintenance")),
    ):
        order = "-" + column if key == column else column
        headers.append(
            {
                "label": label,
                "url": link(**{f"{level}-sort": order, f"{level}-page": "1"}),
                "sorted": "asc" if key == column else "desc" if key == "-" + column else "",
            }
        )
    return {
        "level": level,
        "label": report_files.level_label(level),
        "headers": headers,
        "rows": [report_files.formatted(row) for row in shown],
        "count": len(rows),
        "page": number,
        "pages": pages,
        "previous_url": link(**{f"{level}-page": str(number - 1)}) if number > 1 else "",
        "next_url": link(**{f"{level}-page": str(number + 1)}) if number < pages else "",
    }


class AvailabilityReportView(View):
    """The monthly availability report of one OPD or the whole city, as a page and as CSV, XLSX and PDF
    (``?export=``). A fixed number of queries: the OPD list, then ``reports.monthly``'s four."""

    template_name = "probes/availability_report.html"

    def get(self, request: HttpRequest):
        if not can(request.user, VIEW, models.Check):
            raise PermissionDenied
        organizations = [
            (pk, short or name)
            for pk, name, short in Organization.objects.order_by("name").values_list("pk", "name", "short_name")
        ]
        organization, month, errors = report_question(request, organizations)
        context = {
            "organizations": organizations,
            "organization": organization,
            "month": month,
            "errors": errors,
            "formats": report_files.FORMATS,
        }
        if errors:
            return render(request, self.template_name, context, status=400)
        report = reports.monthly(organization, month)
        export = request.GET.get("export")
        if export in report_files.FORMATS:
            return report_files.response(report, export)
        query = request.GET.copy()
        query["month"] = f"{month:%Y-%m}"
        query["organization"] = "" if organization is None else str(organization)
        context.update(
            report=report,
            total=report_files.formatted(report.total),
            header=report_files.header_block(report),
            tables=[report_table(request, report, level) for level in reports.LEVELS],
            downloads=[(fmt, f"?{_with(query, export=fmt)}") for fmt in report_files.FORMATS],
        )
        return render(request, self.template_name, context)


def _with(query, **changes) -> str:
    query = query.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
