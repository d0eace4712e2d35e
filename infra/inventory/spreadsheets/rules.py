"""A model's own database constraints, checked in memory for thousands of rows at once.

Django checks a CheckConstraint with one query per instance and a UniqueConstraint with one
query per instance too. An import of 10,000 rows cannot afford that, so the conditions are
evaluated here on the instances (SQL's three-valued logic: a comparison with NULL is unknown,
and a check passes unless its condition is false) and uniqueness is checked over the whole
file and the database in one query per constraint. The conditions are read by the same evaluator
as the API's batch validation (infra.core.validation).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import models
from django.db.models import F, Q
from django.utils.text import capfirst

from infra.core.validation import Unknown, condition_holds


def _attname(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname


def evaluate(model: type[models.Model], condition: Q, obj: object) -> bool | None:
    """True, False or None (unknown) for ``condition`` on ``obj``'s current attribute values."""

    def value_of(name: str) -> object:
        if "__" in name:
            raise Unknown(name)
        return getattr(obj, _attname(model, name))

    return condition_holds(condition, value_of)


def condition_fields(condition: Q) -> list[str]:
    """The field names a condition mentions, in order of appearance."""
    names: list[str] = []
    for child in condition.children:
        found = condition_fields(child) if isinstance(child, Q) else [child[0].split("__")[0]]
        if not isinstance(child, Q) and isinstance(child[1], F):
            found.append(child[1].name)
        names += [n for n in found if n not in names]
    return names


def failed_checks(obj: models.Model) -> Iterator[models.CheckConstraint]:
    """The model's check constraints that ``obj`` breaks."""
    model = type(obj)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint) and evaluate(model, constraint.condition, obj) is False:
            yield constraint


@dataclass(frozen=True)
class UniqueRule:
    fields: tuple[str, ...]
    condition: Q | None
    message: str


def unique_rules(model: type[models.Model]) -> list[UniqueRule]:
    """Every uniqueness rule of the model: unique fields and field-based UniqueConstraints."""
    rules = []
    opts = model._meta
    for field in opts.concrete_fields:
        if field.unique and not field.primary_key:
            message = field.error_messages["unique"] % {
                "model_name": capfirst(opts.verbose_name),
                "field_label": field.verbose_name,
            }
            rules.append(UniqueRule((field.name,), None, message))
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and not constraint.expressions:
            rules.append(
                UniqueRule(tuple(constraint.fields), constraint.condition, constraint.get_violation_error_message())
            )
    return rules


def unique_value(model: type[models.Model], rule: UniqueRule, obj: object) -> tuple | None:
    """The tuple that must be unique, or None when the rule does not apply (NULL, blank, condition)."""
    if rule.condition is not None and evaluate(model, rule.condition, obj) is not True:
        return None
    values = tuple(getattr(obj, _attname(model, name)) for name in rule.fields)
    if any(v is None or v == "" for v in values):
        return None
    return values


def database_values(model: type[models.Model], rule: UniqueRule, exclude_pks: set) -> Iterable[tuple[int, tuple]]:
    """(pk, unique tuple) for every stored row the rule applies to, in one query."""
    names = list(rule.fields) + (condition_fields(rule.condition) if rule.condition is not None else [])
    attnames = list(dict.fromkeys(_attname(model, n) for n in names))
    for values in model._base_manager.values_list("pk", *attnames):
        pk = values[0]
        if pk in exclude_pks:
            continue
        value = unique_value(model, rule, SimpleNamespace(**dict(zip(attnames, values[1:], strict=True))))
        if value is not None:
            yield pk, value
