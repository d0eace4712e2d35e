"""The change log: one immutable record per create, update or delete."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ChangeAction, ChangeSource

# Records whose time and recorded time differ by more than this were entered later.
ENTERED_LATER_TOLERANCE = datetime.timedelta(minutes=1)
# ``entered_by`` of what a command, the demo loader or background work wrote (not a valid username);
# of records written before the chain existed (core migration 0008).
SYSTEM_ENTERER = "(system)"
MIGRATED_ENTERER = "(before 0008)"


def entered_later_q(prefix: str = "") -> models.Q:
    """The records entered later, as a filter (no annotation: the list keeps its queries)."""
    time, recorded = f"{prefix}time", f"{prefix}recorded"
    return models.Q(**{f"{time}__gt": F(recorded) + ENTERED_LATER_TOLERANCE}) | models.Q(
        **{f"{time}__lt": F(recorded) - ENTERED_LATER_TOLERANCE}
    )


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

    # When the change happened: now, or what ``change_context(at=...)`` says for history entered after
    # the fact (administrators and the system only).
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # When the record was written, by the database's clock: set on insert, refused if different
    # (core migration 0008's triggers). Null only for a record the chain never saw.
    recorded = models.DateTimeField(_("recorded"), null=True, editable=False)
    # Who entered it: the signed-in person (an administrator entering history on someone's behalf
    # differs from ``user``), or SYSTEM_ENTERER for commands and background work.
    entered_by = models.CharField(_("entered by"), max_length=150, blank=True, editable=False)
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
    # The hash chain (infra.core.chain): the previous record's hash, and this one's over its content.
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, null=True, editable=False)

    objects = ObjectChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("change record")
        verbose_name_plural = _("change log")
        indexes = [
            models.Index(fields=["content_type", "object_id", "time"], name="objectchange_object"),
            models.Index(fields=["related_content_type", "related_object_id"], name="objectchange_related"),
        ]
        constraints = [
            # Two records after the same one would fork the chain: the database refuses the second.
            models.UniqueConstraint(
                fields=["prev_hash"], condition=models.Q(prev_hash__isnull=False), name="objectchange_chain_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        # A record with a primary key already exists (or would overwrite one): only new ones are saved.
        if not self._state.adding or self.pk is not None:
            raise ImmutableChangeError(_("Change records cannot be edited."))
        from .. import chain

        using = kwargs.get("using") or router.db_for_write(ObjectChange)
        # At the chain's end: one query more than the insert (the head, under the chain's lock, held
        # to the end of the transaction), the recorded time from the database's clock.
        with transaction.atomic(using=using, savepoint=False):
            head = chain.head(using)
            self.recorded = head.now
            if self.time is None:
                self.time = timezone.now()
            self.prev_hash = head.hash
            self.hash = chain.digest({name: getattr(self, name) for name in chain.HASHED_FIELDS})
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableChangeError(_("Change records cannot be deleted."))

    @property
    def entered_later(self) -> bool:
        """Written more than ENTERED_LATER_TOLERANCE away from the time it is about: history entered
        after the fact (or a clock set wrong)."""
        if self.recorded is None or self.time is None:
            return False
        return abs(self.time - self.recorded) > ENTERED_LATER_TOLERANCE

    def diff(self) -> dict[str, tuple[object, object]]:
        """Fields whose value differs between before and after, as (old, new)."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return {k: (before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)}
