"""The base every inventory model shares: timestamps and change logging."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
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
    # Field a check constraint's violation is shown on, when its condition names several fields.
    constraint_fields: dict[str, str] = {}
    # The fields __str__ reads: where the object appears only by name (a brief list, a related object
    # in an API response) nothing else is loaded. Empty: __str__ reads more (another object).
    display_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        meta = self._meta
        try:
            return reverse(f"{meta.app_label}:{meta.model_name}", args=[self.pk])
        except NoReverseMatch:
            return ""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        # The refreshed values are what the database holds now: the next save's "before".
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        loaded = getattr(self, "_loaded_values", None)
        if loaded is not None:
            deferred = self.get_deferred_fields()
            for f in self._meta.concrete_fields:
                if f.attname not in deferred and (fields is None or f.name in fields or f.attname in fields):
                    loaded[f.attname] = f.value_from_object(self)

    def validate_constraints(self, exclude=None) -> None:
        """Report a violated constraint on the field it guards, so a form shows it beside that field.

        Django does so only for one-field unique constraints that keep its default message. Here a
        unique constraint is shown on its last field (the name in "organization, name"), a check
        constraint on the one field its condition tests, or on the field ``constraint_fields`` names.
        """
        errors: dict[str, list[ValidationError]] = {}
        using = router.db_for_write(type(self), instance=self)
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    errors.setdefault(self._constraint_field(constraint), []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)

    def _constraint_field(self, constraint) -> str:
        if constraint.name in self.constraint_fields:
            return self.constraint_fields[constraint.name]
        if getattr(constraint, "fields", None):
            return constraint.fields[-1]
        condition = getattr(constraint, "condition", None)
        names = _condition_fields(condition) if isinstance(condition, models.Q) else set()
        return names.pop() if len(names) == 1 else NON_FIELD_ERRORS


def _condition_fields(q: models.Q) -> set[str]:
    """Names of the fields a Q object tests (its lookups' first parts)."""
    names: set[str] = set()
    for child in q.children:
        if isinstance(child, models.Q):
            names |= _condition_fields(child)
        else:
            names.add(child[0].split(LOOKUP_SEP)[0])
    return names
