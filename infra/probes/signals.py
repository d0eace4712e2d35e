"""Receivers that keep checks in step with the registry at once, for single saves and for core's bulk
writes (``core.events.bulk_written``); the scheduler's reconciliation (services.checks.reconcile)
catches anything else (a raw SQL update) within a minute."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from infra.core.events import bulk_written
from infra.inventory.models import IPAddress

from .models import Check
from .services import checks


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
