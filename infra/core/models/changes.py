"""The change log: one immutable record per create, update or delete."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ChangeAction, ChangeSource


class ImmutableChangeError(Exception):
    """Raised on any attempt to alter or remove a record kept as evidence (a change record, a
    migration transition)."""


class ObjectChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableChangeError(_("Change records cannot be edited."))

    def delete(self):
        raise ImmutableChangeError(_("Change records cannot be deleted."))

    def for_object(self, obj: models.Model) -> "ObjectChangeQuerySet":
        """The object's own changes and those of its children (an object's history tab)."""
        ct = ContentType.objects.get_for_model(obj)
        return self.filter(
            models.Q(content_type=ct, object_id=obj.pk) | models.Q(related_content_type=ct, related_object_id=obj.pk)
        )


class ObjectChange(models.Model):
    """What changed, when, by whom and through which entry point: the evidence auditors ask for."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        # A user with recorded changes is deactivated, never deleted: the record must keep them.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True, editable=False)
    request_id = models.UUIDField(_("request id"), db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=ChangeSource.choices)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    related_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    related_object_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = ObjectChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("change record")
        verbose_name_plural = _("change log")
        indexes = [
            models.Index(fields=["content_type", "object_id", "time"], name="objectchange_object"),
            models.Index(fields=["related_content_type", "related_object_id"], name="objectchange_related"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        # A record with a primary key already exists (or would overwrite one): only new ones are saved.
        if not self._state.adding or self.pk is not None:
            raise ImmutableChangeError(_("Change records cannot be edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableChangeError(_("Change records cannot be deleted."))

    def diff(self) -> dict[str, tuple[object, object]]:
        """Fields whose value differs between before and after, as (old, new)."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return {k: (before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)}
