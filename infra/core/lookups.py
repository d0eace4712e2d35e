"""``__in`` on an integer column ignores numbers the column cannot hold, as Django's ``exact`` does.

Since Django 5.0 ``exact``, ``lt``, ``gt`` (and the rest) on an integer field treat a number past the
column's range as matching nothing (or everything), instead of sending it. ``in`` was left out: on
SQLite ``Device.objects.filter(pk__in=[10**23])`` raised OverflowError, so a huge id in a web filter
(``?organization=99999999999999999999999``), in a many-to-many form field, or in an API list filter
was a 500 or a 400 depending on the database, while PostgreSQL compared it and matched nothing. Here
such a number matches nothing on every database: an object choice answers "Select a valid choice"
(the form's usual message), and a list of numbers finds the rows the other numbers name.

Registered once (``CoreConfig.ready``) on every integer field and every relation, so each door (web
forms and filters, the API, services) gets it, including doors added later.
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db.models import Field, ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def integer_range(field: Field, connection) -> tuple[int | None, int | None] | None:
    """The (min, max) a column of ``field`` holds on ``connection``; None if it is not an integer
    column (a relation is its target's column)."""
    try:
        while field.is_relation and getattr(field, "target_field", None) is not None:
            field = field.target_field
        return connection.ops.integer_field_range(field.get_internal_type())
    except (FieldError, KeyError):  # a relation over several columns, or not an integer column
        return None


class _InRangeMixin:
    """Drops the direct values of an ``in`` list that its integer column cannot hold."""

    def as_sql(self, compiler, connection):
        if self.rhs_is_direct_value() and not isinstance(self.rhs, (str, bytes)):
            bounds = integer_range(self.lhs.output_field, connection)
            if bounds is not None:
                low, high = bounds
                self.rhs = [
                    v
                    for v in self.rhs
                    if not isinstance(v, int) or ((low is None or v >= low) and (high is None or v <= high))
                ]
        return super().as_sql(compiler, connection)


class IntegerIn(_InRangeMixin, In):
    pass


class RelatedIntegerIn(_InRangeMixin, RelatedIn):
    pass


def register() -> None:
    """Install the lookups (idempotent)."""
    IntegerField.register_lookup(IntegerIn)
    ForeignObject.register_lookup(RelatedIntegerIn)


__all__ = ["IntegerIn", "RelatedIntegerIn", "integer_range", "register"]
