"""The probes' pages that are not generic: a check's page (settings, status, recent results, events,
downtimes), a credential's page (never its secrets) and the checks panel on a device's page. Each in a
fixed number of queries."""

import datetime
import re
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views import View

from infra.core.choices import Role
from infra.core.filtersets import to_utc
from infra.core.permissions import ADD, VIEW, can, role_of
from infra.core.views import ObjectDetailView, object_fields
from infra.inventory.models import Organization

from . import models, report_files, reports, status
from .choices import CheckKind, CheckState
from .models.checks import SECRET_FIELDS
from .tables import format_duration, outcome_label

RESULTS_PER_PAGE = 50
EVENTS_SHOWN = 20
DOWNTIMES_SHOWN = 20
DEVICE_CHECKS_SHOWN = 50
STATUS_REFRESH_SECONDS = 30


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
            "results": results,
            "results_before": before,
            "older_url": f"?{urlencode({'before': older.isoformat()})}" if older is not None else "",
            "events": list(obj.events.select_related("root_cause").order_by("-at", "-id")[:EVENTS_SHOWN]),
            "events_url": events_url,
            "downtimes": list(obj.downtimes.select_related("root_cause").order_by("-start", "-id")[:DOWNTIMES_SHOWN]),
            "downtimes_url": downtimes_url,
        }


def _has_status(check: models.Check) -> bool:
    try:
        check.status  # noqa: B018  (read through select_related: no query)
    except models.CheckStatus.DoesNotExist:
        return False
    return True


def _check_fields(request: HttpRequest, obj: models.Check) -> list[tuple[str, object, str]]:
    """The generic attribute rows, with the credential named but not linked for those who may not
    open credentials (their pages are for engineers)."""
    rows = object_fields(obj)
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


class StatusView(View):
    """What is down now, why and what sits behind it; the table refreshes itself (htmx) every 30 s."""

    template_name = "probes/status.html"
    fragment_name = "probes/_status.html"

    def get(self, request: HttpRequest):
        if not can(request.user, VIEW, models.Check):
            raise PermissionDenied
        context = {"status": status.current(), "refresh_seconds": STATUS_REFRESH_SECONDS}
        name = self.fragment_name if request.htmx else self.template_name
        return render(request, name, context)


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
