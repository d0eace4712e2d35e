"""Stored diagrams: what a view showed at a moment, with the city's figures then. Written once, never changed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diagrams.model import Topology
from diagrams.serialize import from_dict
from infra.core.models import ChangeLoggingMixin, ChangeLoggingQuerySet, DisplayMixin
from infra.core.models.changes import ImmutableChangeError


class SnapshotTrigger(models.TextChoices):
    SCHEDULED = "scheduled", _("Monthly (scheduled)")
    ON_DEMAND = "on_demand", _("On demand")


class DiagramSnapshotQuerySet(ChangeLoggingQuerySet):
    """Snapshots are evidence: no queryset edits or deletes them."""

    def update(self, **kwargs):
        raise ImmutableChangeError(_("Diagram snapshots are evidence: they cannot be edited."))

    def delete(self):
        raise ImmutableChangeError(_("Diagram snapshots are evidence: they cannot be deleted."))


class DiagramSnapshot(DisplayMixin, ChangeLoggingMixin):
    """One view of the registry as it was at ``as_of``: its drawing (the serialized topology) and figures.

    Written by ``infra.maps.services.snapshots`` only (monthly by the scheduled task, or when a user asks)
    and never edited or deleted: a snapshot is what the head of Diskominfo showed at a meeting. Its
    creation is in the change log (without the drawing, which the snapshot itself holds).
    """

    view = models.CharField(_("view"), max_length=30)
    # The view's filters as plain values (ids, not objects: an OPD deleted since does not take the
    # snapshot with it); params_key is their digest, for finding the snapshot of a view and filters.
    params = models.JSONField(_("filters"), default=dict, blank=True)
    params_key = models.CharField(max_length=64, editable=False)
    as_of = models.DateTimeField(_("data as of"), db_index=True)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now, editable=False)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        # Evidence keeps its author: users are deactivated, never deleted, once they have records.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    trigger = models.CharField(_("how taken"), max_length=20, choices=SnapshotTrigger.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    topology = models.JSONField(_("diagram"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)

    objects = DiagramSnapshotQuerySet.as_manager()

    # The drawing, figures and filters are the snapshot's own content, kept unchanged in it: the change
    # record says who took which snapshot when (the log's values are flat, not nested JSON).
    changelog_exclude = ("topology", "figures", "params")
    display_fields = ("view", "title", "as_of")

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("diagram snapshot")
        verbose_name_plural = _("diagram snapshots")
        indexes = [models.Index(fields=["view", "params_key", "as_of"], name="diagramsnapshot_lookup")]
        constraints = [
            # One monthly snapshot per view, filters and month end, however many consumers run the task.
            models.UniqueConstraint(
                fields=["view", "params_key", "as_of"],
                condition=models.Q(trigger="scheduled"),
                name="diagramsnapshot_one_scheduled",
            )
        ]

    def __str__(self) -> str:
        moment = timezone.localtime(self.as_of).strftime("%Y-%m-%d %H:%M") if self.as_of else ""
        return f"{self.title or self.view} ({moment})"

    def drawing(self) -> Topology:
        """The stored diagram, ready to render again (diagrams.render)."""
        return from_dict(self.topology)

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableChangeError(_("Diagram snapshots are evidence: they cannot be edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableChangeError(_("Diagram snapshots are evidence: they cannot be deleted."))
