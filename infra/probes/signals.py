"""Receivers that keep checks in step with the registry at once (IP addresses' probe marks,
applications' URLs, OPDs' websites), for single saves and for core's bulk writes
(``core.events.bulk_written``); the scheduler's reconciliation (services.checks.reconcile) catches
anything else (a raw SQL update) within a minute."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from infra.core.events import bulk_written
from infra.inventory.models import Application, IPAddress, Organization

from .choices import CheckKind
from .models import Check
from .services import checks, websites


@receiver(post_save, sender=IPAddress)
def _follow_probe_mark(sender, instance: IPAddress, raw: bool = False, **kwargs) -> None:
    if not raw:
        checks.follow_marks([instance.pk])


@receiver(bulk_written, sender=IPAddress)
def _follow_bulk_marks(sender, pks: list[int], **kwargs) -> None:
    if pks:
        checks.follow_marks(pks)


@receiver(bulk_written, sender=Check)
def _give_statuses(sender, pks: list[int], **kwargs) -> None:
    if pks:
        checks.ensure_status(pks)
        checks.disabled_become_unknown(pks)


@receiver(post_save, sender=Check)
def _give_status(sender, instance: Check, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw:
        checks.ensure_status([instance.pk])
        if not instance.enabled:
            checks.disabled_become_unknown([instance.pk])


@receiver(pre_delete, sender=IPAddress)
def _note_checks_of_address(sender, instance: IPAddress, **kwargs) -> None:
    instance._automatic_checks = list(
        Check.objects.filter(ip_address=instance, auto_created=True).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=IPAddress)
def _address_gone(sender, instance: IPAddress, **kwargs) -> None:
    checks.address_gone(getattr(instance, "_automatic_checks", []))


# Websites: an application's URL and an OPD's website each have their automatic HTTP check.
@receiver(post_save, sender=Application)
def _follow_application_url(sender, instance: Application, raw: bool = False, **kwargs) -> None:
    if not raw:
        websites.follow(applications=[instance.pk], organizations=[])


@receiver(post_save, sender=Organization)
def _follow_website(sender, instance: Organization, raw: bool = False, **kwargs) -> None:
    if not raw:
        websites.follow(applications=[], organizations=[instance.pk])


@receiver(bulk_written, sender=Application)
def _follow_bulk_application_urls(sender, pks: list[int], **kwargs) -> None:
    if pks:
        websites.follow(applications=pks, organizations=[])


@receiver(bulk_written, sender=Organization)
def _follow_bulk_websites(sender, pks: list[int], **kwargs) -> None:
    if pks:
        websites.follow(applications=[], organizations=pks)


@receiver(pre_delete, sender=Application)
@receiver(pre_delete, sender=Organization)
def _note_website_checks(sender, instance, **kwargs) -> None:
    fk = "application" if sender is Application else "organization"
    instance._website_checks = list(
        Check.objects.filter(kind=CheckKind.HTTP, auto_created=True, **{fk: instance}).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Application)
@receiver(post_delete, sender=Organization)
def _website_gone(sender, instance, **kwargs) -> None:
    checks_of = getattr(instance, "_website_checks", [])
    if checks_of:
        websites.gone(checks_of)
