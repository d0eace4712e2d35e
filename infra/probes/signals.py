"""Receivers that keep checks in step with the registry at once; the scheduler's reconciliation
(services.checks.reconcile) catches what bulk writes changed without signals, within a minute."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from infra.inventory.models import IPAddress

from .models import Check
from .services import checks


@receiver(post_save, sender=IPAddress)
def _follow_probe_mark(sender, instance: IPAddress, raw: bool = False, **kwargs) -> None:
    if not raw:
        checks.follow_marks([instance.pk])


@receiver(post_save, sender=Check)
def _give_status(sender, instance: Check, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw:
        checks.ensure_status([instance.pk])


@receiver(post_delete, sender=Check)
def _drop_results(sender, instance: Check, **kwargs) -> None:
    checks.drop_results([instance.pk], using=kwargs.get("using"))
