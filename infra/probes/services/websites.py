"""Websites: the automatic HTTP(S) checks of applications and OPD websites, and what each check found.

Two halves (docs/probes.md, "Websites"):

- following the registry: an automatic HTTP check for every application with a URL and every OPD with
  a website, created, moved when the URL changes, switched off (history kept) or deleted when the URL
  is emptied or its object deleted. A check of a host outside loopback starts switched off unless
  ``SIMPUL_WEBSITE_CHECKS_ON``: a person switches it on, and that switch is theirs to keep;
- recording: ``record`` writes each check's ``WebsiteStatus`` (the answer, the certificate, the
  security warnings, when the site was last updated) and the certificate and staleness reminders, at
  most one of each per ``SIMPUL_WEBSITE_REMINDER_DAYS``. Those reminders are events of their own kinds:
  the up/down state, downtimes and availability read state events only, so they do not move them.
"""

import datetime
import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from infra.inventory.models import Application, Organization

from ..choices import CheckKind, EventKind, FreshnessSource, WebsiteWarning
from ..engines.base import Outcome
from ..models import Check, CheckEvent, Result, WebsiteStatus
from ..models.checks import URL_MAX_LENGTH

# An automatic website check: every five minutes, ten seconds to answer, down after two failures in a
# row (a site restarting for a deploy is not an outage), up again at the first answer.
AUTO_DEFAULTS: dict[str, Any] = {"interval": 300, "timeout": 10.0, "down_after": 2, "up_after": 1}
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_url_ok = URLValidator(schemes=["http", "https"])

# What each followed model calls its URL, and the check's foreign key to it.
FOLLOWED = ((Application, "application", "url"), (Organization, "organization", "website"))


def _counts() -> dict[str, int]:
    return {"created": 0, "updated": 0, "disabled": 0, "deleted": 0}


def usable(url: str) -> bool:
    """Whether a registry URL can be checked: http:// or https://, valid, not too long (an ftp:// URL
    of an application is no website: it gets no check)."""
    if not url or len(url) > URL_MAX_LENGTH:
        return False
    try:
        _url_ok(url)
    except ValidationError:
        return False
    return True


def on_by_default(url: str) -> bool:
    """An automatic check starts switched on only when its host is on loopback (the demo's and the
    tests' sites) or the city said so (``SIMPUL_WEBSITE_CHECKS_ON``): any other check starts off,
    until a person switches it on (issue 14: the demo's real public addresses are never checked)."""
    if settings.SIMPUL_WEBSITE_CHECKS_ON:
        return True
    host = urlsplit(url).hostname or ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in LOOPBACK)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "")[:255]


def _has_history(check_id: int) -> bool:
    return (
        Result.objects.filter(probe_check_id=check_id).exists()
        or CheckEvent.objects.filter(probe_check_id=check_id).exists()
    )


def follow(applications: Iterable[int] | None = None, organizations: Iterable[int] | None = None) -> dict[str, int]:
    """Create, update, disable or delete the automatic HTTP checks of these applications and OPDs (all
    when None; none of a kind given as an empty list) so that each follows its URL. Every write goes
    through ``save()``: it is in the change log."""
    counts = _counts()
    with transaction.atomic():
        for (model, fk, field), ids in zip(FOLLOWED, (applications, organizations), strict=True):
            if ids is not None:
                ids = list(ids)
                if not ids:
                    continue
            _follow(model, fk, field, ids, counts)
    return counts


def _follow(model, fk: str, field: str, ids: list[int] | None, counts: dict[str, int]) -> None:
    automatic = Check.objects.filter(kind=CheckKind.HTTP, auto_created=True, **{f"{fk}__isnull": False})
    # Only what may need work: objects with a URL, and objects with an automatic check.
    rows = model.objects.exclude(**{field: ""}) | model.objects.filter(pk__in=automatic.values(fk))
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    rows = list(rows.values_list("pk", field))
    existing = {getattr(c, f"{fk}_id"): c for c in automatic.filter(**{f"{fk}__in": [pk for pk, _ in rows]})}
    for pk, url in rows:
        check = existing.get(pk)
        url = url if usable(url) else ""
        if url and check is None:
            check = Check(kind=CheckKind.HTTP, url=url, auto_created=True, enabled=on_by_default(url), **AUTO_DEFAULTS)
            setattr(check, f"{fk}_id", pk)
            check.address = _host(url)
            check.full_clean()
            check.save()
            counts["created"] += 1
        elif url and check.url != url:
            check.url = url
            check.address = _host(url)
            if on_by_default(url):
                # Never switched off here: a person who switched on the OPD's site keeps it on.
                check.enabled = True
            check.save()
            # What was found belongs to the old page: the new one starts afresh (else its text would
            # be compared with the old site's and read as an update).
            WebsiteStatus.objects.filter(probe_check=check).delete()
            counts["updated"] += 1
        elif not url and check is not None:
            if _has_history(check.pk):
                if check.enabled:
                    check.enabled = False
                    check.save()
                    counts["disabled"] += 1
            else:
                check.delete()
                counts["deleted"] += 1


def gone(check_ids: Iterable[int]) -> dict[str, int]:
    """The automatic checks of deleted applications and OPDs: deleted if they never ran; else kept as
    evidence, switched off and no longer automatic (as ``checks.address_gone``)."""
    counts = {"disabled": 0, "deleted": 0}
    with transaction.atomic():
        for check in Check.objects.filter(pk__in=list(check_ids), kind=CheckKind.HTTP, auto_created=True):
            if _has_history(check.pk):
                check.enabled, check.auto_created = False, False
                check.save()
                counts["disabled"] += 1
            else:
                check.delete()
                counts["deleted"] += 1
    return counts


def out_of_step() -> tuple[list[int], list[int], list[int]]:
    """(application ids, OPD ids, orphan check ids) whose automatic website check does not match: a
    usable URL and no check, or a check of another URL; a check still on while the URL is gone; a
    check whose application or OPD was deleted past every signal. Three queries, whatever the city."""
    wanted: list[set[int]] = [set(), set()]
    orphans: list[int] = []
    rows = Check.objects.filter(kind=CheckKind.HTTP, auto_created=True).values_list(
        "pk", "application_id", "organization_id", "url", "enabled", "application__url", "organization__website"
    )
    for pk, app_id, org_id, url, enabled, app_url, website in rows:
        if app_id is None and org_id is None:
            orphans.append(pk)
            continue
        i, target = (0, app_url) if app_id is not None else (1, website)
        target = target if usable(target) else ""
        if (target and target != url) or (not target and enabled):
            wanted[i].add(app_id if i == 0 else org_id)
    for i, (model, fk, field) in enumerate(FOLLOWED):
        has_check = Check.objects.filter(kind=CheckKind.HTTP, auto_created=True, **{fk: OuterRef("pk")})
        for pk, url in model.objects.exclude(**{field: ""}).filter(~Exists(has_check)).values_list("pk", field):
            if usable(url):
                wanted[i].add(pk)
    return sorted(wanted[0]), sorted(wanted[1]), orphans


def reconcile() -> dict[str, int]:
    """What no signal told (a raw SQL write): run with the schedule each minute; three queries when in step."""
    applications, organizations, orphans = out_of_step()
    counts = follow(applications, organizations) if applications or organizations else _counts()
    if orphans:
        for key, value in gone(orphans).items():
            counts[key] += value
    return counts


# --- recording what the checks found -------------------------------------------------------------------

# What an answer sets; the security fields (TLS, HSTS, plain HTTP, mixed content) are kept from the
# last answer when a check does not reach the server (a timeout says nothing of its certificate).
_ANSWER_FIELDS = ("status_code", "ttfb_ms", "total_ms", "final_url", "redirects", "content_found", "detail")
_TLS_FIELDS = ("tls_version", "tls_issuer", "tls_subject", "tls_expires")
_PAGE_FIELDS = ("hsts", "plain_http_only", "mixed_content")
_UPDATE_FIELDS = (
    "checked_at",
    *_ANSWER_FIELDS,
    *_TLS_FIELDS,
    *_PAGE_FIELDS,
    "warnings",
    "last_update",
    "update_source",
    "update_detail",
    "fingerprint",
    "fingerprint_since",
    "freshness_at",
)
_LIMITS = {"final_url": URL_MAX_LENGTH, "detail": 300, "tls_version": 20, "tls_issuer": 300, "tls_subject": 300}


def stale_days(check: Check) -> int:
    return check.stale_days or settings.SIMPUL_WEBSITE_STALE_DAYS


def reached(result) -> bool:
    """Whether the check reached the server: a status line came, or a TLS handshake told its certificate."""
    return result.status_code is not None or result.tls_expires is not None or bool(result.tls_version)


def _take_answer(status: WebsiteStatus, result, now: datetime.datetime) -> None:
    status.checked_at = now
    for name in _ANSWER_FIELDS:
        value = getattr(result, name)
        if name == "redirects":
            value = [[int(code), str(location)[:URL_MAX_LENGTH]] for code, location in value]
        elif name in _LIMITS:
            value = (value or "")[: _LIMITS[name]]
        setattr(status, name, value)
    if reached(result):
        for name in _TLS_FIELDS:
            value = getattr(result, name)
            setattr(status, name, value if name == "tls_expires" else (value or "")[: _LIMITS[name]])
    if result.status_code is not None:
        status.hsts, status.plain_http_only = result.hsts, result.plain_http_only
        status.mixed_content = [str(u)[:URL_MAX_LENGTH] for u in result.mixed_content]


def take_finding(status: WebsiteStatus, finding, now: datetime.datetime) -> None:
    """The freshness scan's finding into the stored state. A dated source (feed, sitemap, news list,
    Last-Modified) gives the last update outright. Without one, the page's text fingerprint is compared
    with the stored one: a change means the site was updated now; the first fingerprint seen only
    starts the watch (the last update stays unknown until a change is seen: nothing tells how old the
    text is). A fingerprint change never overrides a dated source."""
    status.freshness_at = now
    fingerprint = finding.fingerprint or ""
    changed = bool(fingerprint and status.fingerprint and fingerprint != status.fingerprint)
    if fingerprint and (changed or not status.fingerprint):
        status.fingerprint, status.fingerprint_since = fingerprint, now
    if finding.last_update is not None and finding.source:
        # A date in the future (a clock or a template wrong) is today at most.
        status.last_update = min(finding.last_update, now)
        status.update_source = finding.source
        status.update_detail = (finding.detail or "")[:URL_MAX_LENGTH]
    elif changed:
        status.last_update = now
        status.update_source = FreshnessSource.FINGERPRINT
        status.update_detail = (finding.detail or "")[:URL_MAX_LENGTH]


def days_since(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else max((now - moment).days, 0)


def warnings_of(status: WebsiteStatus, url: str, stale_after: int, now: datetime.datetime) -> list[str]:
    """The warnings of a stored status, in ``WebsiteWarning``'s order. An unknown last update is not
    stale (it is shown as unknown)."""
    found = []
    if status.tls_expires is not None:
        if status.tls_expires <= now:
            found.append(WebsiteWarning.CERT_EXPIRED)
        elif status.tls_expires <= now + datetime.timedelta(days=settings.SIMPUL_WEBSITE_CERT_DAYS):
            found.append(WebsiteWarning.CERT_EXPIRING)
    if status.plain_http_only:
        found.append(WebsiteWarning.PLAIN_HTTP)
    if status.mixed_content:
        found.append(WebsiteWarning.MIXED_CONTENT)
    if status.hsts is False and (status.final_url or url).startswith("https://"):
        found.append(WebsiteWarning.NO_HSTS)
    if status.last_update is not None and now - status.last_update > datetime.timedelta(days=stale_after):
        found.append(WebsiteWarning.STALE)
    return [str(w) for w in found]


def _local_date(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def cert_detail(status: WebsiteStatus, now: datetime.datetime) -> str:
    """The certificate reminder's detail (language-free values; the alert's text is translated)."""
    left = (status.tls_expires - now).days
    when = _local_date(status.tls_expires)
    if status.tls_expires <= now:
        return f"certificate expired on {when} ({days_since(status.tls_expires, now)} days ago)"
    return f"certificate expires on {when} ({left} days left)"


def stale_detail(status: WebsiteStatus, now: datetime.datetime) -> str:
    return (
        f"last updated on {_local_date(status.last_update)} ({days_since(status.last_update, now)} days ago, "
        f"found from {status.update_source or '?'})"
    )


def record(results: Sequence, now: datetime.datetime) -> dict[str, int]:
    """Write what a chunk of HTTP checks found (``engines.http.HttpResult``s) into their
    ``WebsiteStatus`` rows, and the reminders due: four queries whatever the chunk's size (reading the
    checks with their status, reading the recent reminders, one upsert, one insert of events; SQLite
    splits a large upsert in batches). Written twice, it leaves the same rows (a reminder is not made
    again within its period)."""
    counts = {"statuses": 0, "events": 0}
    if not results:
        return counts
    keys = sorted({r.key for r in results})
    with transaction.atomic():
        checks = {c.pk: c for c in Check.objects.filter(pk__in=keys).select_related("website")}
        since = now - datetime.timedelta(days=settings.SIMPUL_WEBSITE_REMINDER_DAYS)
        reminded = set(
            CheckEvent.objects.filter(
                probe_check_id__in=keys, kind__in=(EventKind.CERT_EXPIRY, EventKind.STALE), at__gt=since
            ).values_list("probe_check_id", "kind")
        )
        statuses, events = {}, []
        for result in sorted(results, key=lambda r: r.key):
            check = checks.get(result.key)
            if check is None:
                continue  # deleted meanwhile
            try:
                status = check.website
            except WebsiteStatus.DoesNotExist:
                status = WebsiteStatus(probe_check_id=check.pk)
            _take_answer(status, result, now)
            if result.finding is not None:
                take_finding(status, result.finding, now)
            status.warnings = warnings_of(status, check.url, stale_days(check), now)
            statuses[check.pk] = status
            due = []
            if {WebsiteWarning.CERT_EXPIRING, WebsiteWarning.CERT_EXPIRED} & set(status.warnings):
                due.append((EventKind.CERT_EXPIRY, cert_detail(status, now)))
            if WebsiteWarning.STALE in status.warnings:
                due.append((EventKind.STALE, stale_detail(status, now)))
            for kind, detail in due:
                if (check.pk, kind) not in reminded:
                    events.append(
                        CheckEvent(
                            probe_check_id=check.pk,
                            at=now,
                            kind=kind,
                            outcome=int(Outcome(result.outcome)),
                            detail=detail[:300],
                        )
                    )
        WebsiteStatus.objects.bulk_create(
            list(statuses.values()),
            update_conflicts=True,
            unique_fields=["probe_check"],
            update_fields=list(_UPDATE_FIELDS),
        )
        if events:
            CheckEvent.objects.bulk_create(events, ignore_conflicts=True)
    counts["statuses"], counts["events"] = len(statuses), len(events)
    return counts
