"""The base every inventory model shares: timestamps and change logging."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeLoggedModel(models.Model):
    """A model whose every create, update and delete lands in the change log.

    The values an instance was loaded with are kept (as Django's docs suggest for ``from_db``), so
    the log's "before" costs no extra query.
    """

    created = models.DateTimeField(_("created"), auto_now_add=True, null=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True, null=True)

    # Name of a foreign key whose object is shown this object's changes in its history too
    # (an interface's changes appear in its device's history).
    changelog_parent: str | None = None
    # Fields left out of the log (bookkeeping that changes on every save).
    changelog_exclude: tuple[str, ...] = ("created", "last_updated")

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance
