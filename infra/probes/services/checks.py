"""Checks follow the registry: an ICMP check for every IP address marked for probing (and an HTTP check
for every application URL and OPD website: services.websites), and a status row for every check (a
check's results go with it by their foreign key's ``on_delete``, models/results.py)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infra.inventory.models import IPAddress

from ..choices import CheckKind
from ..models import Check, CheckEvent, CheckStatus, Result
from . import websites


def writes_snmp_checks(user) -> bool:
    """Who may create or change an SNMP check: who reads SNMP credentials. An SNMP check sends its
    credential's secrets to its address and port, so moving one is as good as reading them."""
    from infra.core.permissions import VIEW, can

    from ..models import SnmpCredential

    return can(user, VIEW, SnmpCredential)


def address_elsewhere(ip_address, device) -> bool:
    """An IP address on an interface of another device than the check's: a check probes its own
    device's address (an automatic check takes its device from its address)."""
    return bool(ip_address and ip_address.interface_id and device and ip_address.interface.device_id != device.pk)


ADDRESS_ELSEWHERE = _("This IP address is on another device than the check's.")
SNMP_CHECKS_REFUSED = _("SNMP checks are set up by engineers and administrators (they use SNMP credentials).")


def follow_marks(ip_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Create, update, disable or delete the automatic ICMP checks of these addresses (all when None)
    so that they follow each address's ``probe`` mark. A check with history is disabled, never deleted:
    its results and downtimes are evidence. Every write goes through ``save()``, so it is logged."""
    counts = {"created": 0, "updated": 0, "disabled": 0, "deleted": 0}
    # Only what may need work: marked addresses, and addresses with an automatic ICMP check (an
    # import of 10,000 unmarked addresses reads none of them).
    automatic = Check.objects.filter(kind=CheckKind.ICMP, auto_created=True, ip_address__isnull=False)
    addresses = IPAddress.objects.select_related("interface__device").filter(
        Q(probe=True) | Q(pk__in=automatic.values("ip_address"))
    )
    if ip_ids is not None:
        addresses = addresses.filter(pk__in=list(ip_ids))
    addresses = list(addresses)
    existing = {
        c.ip_address_id: c for c in Check.objects.filter(kind=CheckKind.ICMP, ip_address__in=[a.pk for a in addresses])
    }
    with transaction.atomic():
        for ip in addresses:
            check = existing.get(ip.pk)
            device_id = ip.interface.device_id if ip.interface_id else None
            if ip.probe:
                if check is None:
                    check = Check(kind=CheckKind.ICMP, ip_address=ip, auto_created=True)
                    check.address, check.device_id = ip.address, device_id
                    check.full_clean()
                    check.save()
                    counts["created"] += 1
                elif (
                    check.address != ip.address
                    or check.device_id != device_id
                    or (check.auto_created and not check.enabled)
                ):
                    check.address, check.device_id = ip.address, device_id
                    if check.auto_created:
                        check.enabled = True
                    check.save()
                    counts["updated"] += 1
            elif check is not None and check.auto_created:
                has_history = (
                    Result.objects.filter(probe_check_id=check.pk).exists()
                    or CheckEvent.objects.filter(probe_check_id=check.pk).exists()
                )
                if has_history:
                    if check.enabled:
                        check.enabled = False
                        check.save()
                        counts["disabled"] += 1
                else:
                    check.delete()
                    counts["deleted"] += 1
    return counts


def address_gone(check_ids: Iterable[int]) -> dict[str, int]:
    """The automatic checks of deleted addresses: deleted if they never ran; else kept as evidence,
    switched off, and no longer automatic (nothing is left for them to follow: whoever switches
    one on again probes a target of their own choosing)."""
    counts = {"disabled": 0, "deleted": 0}
    with transaction.atomic():
        for check in Check.objects.filter(pk__in=list(check_ids), auto_created=True):
            has_history = (
                Result.objects.filter(probe_check_id=check.pk).exists()
                or CheckEvent.objects.filter(probe_check_id=check.pk).exists()
            )
            if has_history:
                check.enabled, check.auto_created = False, False
                check.save()
                counts["disabled"] += 1
            else:
                check.delete()
                counts["deleted"] += 1
    return counts


def ensure_status(check_ids: Iterable[int] | None = None) -> int:
    """Give each check (all when None) its status row; a new check is due at once."""
    checks = Check.objects.filter(status__isnull=True)
    if check_ids is not None:
        checks = checks.filter(pk__in=list(check_ids))
    missing = list(checks.values_list("pk", flat=True))
    now = timezone.now()
    CheckStatus.objects.bulk_create(
        [CheckStatus(probe_check_id=pk, next_due=now) for pk in missing], ignore_conflicts=True
    )
    return len(missing)


def disabled_become_unknown(check_ids: Iterable[int]) -> int:
    """A disabled check is not probed: its state is unknown from the moment it was disabled."""
    from .recording import mark_unknown

    disabled = list(Check.objects.filter(pk__in=list(check_ids), enabled=False).values_list("pk", flat=True))
    return mark_unknown(disabled, timezone.now(), "check disabled") if disabled else 0


def _out_of_step() -> list[int]:
    """Addresses whose automatic check does not match their mark: marked without a check, or with a
    check that is disabled or probes another address; checked but no longer marked. Two queries (the
    addresses compared in Python: PostgreSQL keeps them as inet, the check as text)."""
    missing = IPAddress.objects.filter(probe=True).exclude(checks__kind=CheckKind.ICMP).values_list("pk", flat=True)
    stale = set()
    automatic = Check.objects.filter(kind=CheckKind.ICMP, auto_created=True, ip_address__isnull=False).values_list(
        "ip_address_id", "enabled", "address", "ip_address__probe", "ip_address__address"
    )
    for ip_id, enabled, address, probe, ip_address in automatic:
        if enabled != probe or address != ip_address:
            stale.add(ip_id)
    return sorted({*missing, *stale})


def reconcile() -> dict[str, int]:
    """What no signal told (a raw SQL write): run by the scheduler each minute; cheap when in step (a
    fixed number of queries: two for the addresses, one for orphans, three for the websites, one for
    the statuses)."""
    out_of_step = _out_of_step()
    counts = follow_marks(out_of_step) if out_of_step else {"created": 0, "updated": 0, "disabled": 0, "deleted": 0}
    orphans = list(
        Check.objects.filter(kind=CheckKind.ICMP, auto_created=True, ip_address__isnull=True).values_list(
            "pk", flat=True
        )
    )  # their address was deleted past every signal
    if orphans:
        gone = address_gone(orphans)
        counts["disabled"] += gone["disabled"]
        counts["deleted"] += gone["deleted"]
    # The automatic website checks of applications and OPDs (services.websites), counted alike.
    for key, value in websites.reconcile().items():
        counts[key] += value
    counts["statuses"] = ensure_status(None)
    return counts
