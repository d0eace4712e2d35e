"""Model validation of many instances at once: the rules of ``full_clean()``, with each unique rule
checked by one query for the whole batch.

Django's ``full_clean()`` asks the database once per unique constraint, check constraint and foreign
key of every instance: five queries a device, most of the time of a 1,000-device bulk write. Here a
check constraint is decided in memory when its condition is simple (the database decides the rest),
a foreign key the API already looked up is not looked up again, and each unique rule is one query
per thousand instances. One instance validates the same way, so single and bulk writes share the
rules and their messages.

The spreadsheet import uses the same rules, row by row as it reads a file, with every related object
looked up in advance (:func:`validate_preloaded`, :func:`broken_checks`), and uniqueness over the
final state of the whole file (:meth:`_UniqueCheck.conflicts`); it only words and places the messages.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import connections, models, router
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import DatabaseDefault, F
from django.utils.choices import CallableChoiceIterator

from .models.features import _condition_fields

# Unique keys looked up per query: bounds the parameters of one statement on every database.
LOOKUP_CHUNK = 1000
# The largest id a database column holds: a bigger number cannot name an object.
MAX_ID = 2**63 - 1

_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def as_id(value: object) -> int | None:
    """The row id a submitted value names (a whole number, or its ASCII digits), or None."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


class Unknown(Exception):
    """A condition that cannot be decided in memory (a lookup across a relation, a NULL compared)."""


def condition_holds(condition: models.Q, value_of: Callable[[str], object]) -> bool | None:
    """Whether ``condition`` holds for the values ``value_of(field_name)`` gives, for the simple
    conditions constraints use (exact, in, isnull and comparisons, with F() of another field, under
    and/or/not); None when it cannot tell, and the database must decide. As in SQL, "x OR unknown"
    is true when x is, and "x AND unknown" false when x is false."""
    results = []
    for child in condition.children:
        if isinstance(child, models.Q):
            results.append(condition_holds(child, value_of))
        else:
            try:
                results.append(_lookup_holds(*child, value_of))
            except Unknown:
                results.append(None)
    if condition.connector not in (models.Q.AND, models.Q.OR):
        return None  # XOR: left to the database
    decisive = condition.connector == models.Q.OR  # True decides an OR, False an AND
    if decisive in results:
        combined = decisive
    elif None in results:
        return None
    else:
        combined = not decisive
    return not combined if condition.negated else combined


def _lookup_holds(lookup: str, expected: object, value_of: Callable[[str], object]) -> bool:
    name, _sep, kind = lookup.partition(LOOKUP_SEP)
    kind = kind or "exact"
    value = value_of(name)
    if kind == "exact" and expected is None:
        return value is None  # Django reads field=None as IS NULL
    if isinstance(expected, F):
        if LOOKUP_SEP in expected.name:
            raise Unknown(expected.name)
        expected = value_of(expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise Unknown(lookup)  # an expression only the database computes
    elif isinstance(expected, models.Model):
        expected = expected.pk
    if kind == "isnull":
        return (value is None) == bool(expected)
    if value is None or expected is None:
        raise Unknown(lookup)  # SQL's NULL: neither true nor false
    if kind == "in":
        return value in expected
    if kind not in _COMPARISONS:
        raise Unknown(lookup)
    try:
        return _COMPARISONS[kind](value, expected)
    except TypeError as exc:  # a value of the wrong type, reported by its field
        raise Unknown(lookup) from exc


def instance_value_getter(instance: models.Model) -> Callable[[str], object]:
    """``value_of`` for :func:`condition_holds` on a model instance (a foreign key by its id)."""
    opts = instance._meta

    def value_of(name: str) -> object:
        if LOOKUP_SEP in name:
            raise Unknown(name)
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist as exc:
            raise Unknown(name) from exc
        if not field.concrete or field.many_to_many:
            raise Unknown(name)
        value = getattr(instance, field.attname)
        if value is None and field.is_relation and field.is_cached(instance):
            if field.get_cached_value(instance) is not None:
                raise Unknown(name)  # an object not saved yet: set, but without a key to compare
        return value

    return value_of


def validate_instances(
    instances: Sequence[models.Model], resolved: Iterable[str] = (), using: str | None = None
) -> dict[int, ValidationError]:
    """Validate like ``full_clean()`` each of ``instances`` (all of one model); return the errors by
    position in the sequence. ``resolved`` names foreign keys whose objects were just read from the
    database, so their existence is not checked again. Many-to-many fields are not validated."""
    if not instances:
        return {}
    model = type(instances[0])
    opts = model._meta
    using = using or router.db_for_write(model, instance=instances[0])
    m2m = {f.name for f in opts.many_to_many}
    resolved_fields = [opts.get_field(name) for name in resolved]
    errors: dict[int, dict[str, list]] = {}
    failed: list[set[str]] = []
    for index, instance in enumerate(instances):
        found: dict[str, list] = {}
        try:
            # A key whose object was just read (and is still attached) needs no second look-up.
            skip = m2m | {f.name for f in resolved_fields if f.is_relation and f.is_cached(instance)}
            instance.clean_fields(exclude=skip)
        except ValidationError as exc:
            found = exc.update_error_dict(found)
        try:
            instance.clean()
        except ValidationError as exc:
            found = exc.update_error_dict(found)
        if found:
            errors[index] = found
        failed.append({name for name in found if name != NON_FIELD_ERRORS} | m2m)

    for check in unique_checks(model):
        for index, field_name, error in check.run(instances, failed, using):
            errors.setdefault(index, {}).setdefault(field_name, []).append(error)
    for constraint in _other_constraints(model):
        for index, instance in enumerate(instances):
            if _constraint_excluded(model, constraint, failed[index]):
                continue
            try:
                _validate_constraint(model, constraint, instance, using, failed[index])
            except ValidationError as exc:
                field_name = _constraint_field(instance, constraint)
                errors.setdefault(index, {}).setdefault(field_name, []).extend(exc.error_list)
    return {index: ValidationError(found) for index, found in errors.items()}


def validate_instance(instance: models.Model, resolved: Iterable[str] = ()) -> None:
    """``full_clean()`` of one instance by the same rules as a batch; raises ValidationError."""
    errors = validate_instances([instance], resolved)
    if errors:
        raise errors[0]


class _UniqueCheck:
    """One unique rule: a field's ``unique``, a ``unique_together`` or a fields-only UniqueConstraint."""

    def __init__(self, model: type[models.Model], fields: tuple[str, ...], constraint=None) -> None:
        self.model = model
        self.fields = fields
        self.constraint = constraint
        self.model_fields = [model._meta.get_field(name) for name in fields]
        self.attnames = [f.attname for f in self.model_fields]
        # Values of these classes come back from to_python() unchanged: the call is skipped for them.
        self.plain = [_unchanged_by_to_python(f) for f in self.model_fields]
        # The fields the rule reads: a refused value in any of them means the rule is not checked.
        self.condition = getattr(constraint, "condition", None)
        self.reads = set(fields) | (_condition_fields(self.condition) if self.condition is not None else set())

    def error(self, instance: models.Model) -> tuple[str, ValidationError]:
        constraint = self.constraint
        if constraint is None or (
            constraint.condition is None
            and constraint.violation_error_message == constraint.default_violation_error_message
        ):
            key = self.fields[0] if len(self.fields) == 1 else NON_FIELD_ERRORS
            if constraint is not None:
                key = _constraint_field(instance, constraint)
            return key, instance.unique_error_message(self.model, self.fields)
        error = ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
        return _constraint_field(instance, constraint), error

    def key(self, instance: models.Model, connection) -> tuple | None:
        """The instance's values for this rule, or None when the rule does not apply to it."""
        key = []
        for field, plain in zip(self.model_fields, self.plain, strict=True):
            value = getattr(instance, field.attname)
            if value is None or (value == "" and connection.features.interprets_empty_strings_as_nulls):
                return None
            if value.__class__ not in plain:
                try:
                    value = field.to_python(value)  # the form the database gives back ("::1.2.3.4")
                except ValidationError:
                    return None  # a malformed value, refused by its field
            key.append(value)
        return tuple(key)

    def stored_key(self, values: Sequence[object]) -> tuple:
        """A stored row's values for this rule, in the form :meth:`key` gives."""
        return tuple(
            v if v.__class__ in plain else f.to_python(v)
            for f, plain, v in zip(self.model_fields, self.plain, values, strict=True)
        )

    def run(self, instances: Sequence[models.Model], failed: list[set[str]], using: str):
        """(index, field, error) for every instance whose key another object already holds."""
        connection = connections[using]
        wanted: dict[tuple, list[int]] = {}
        per_item: list[int] = []
        for index, instance in enumerate(instances):
            if failed[index] & self.reads:
                continue
            key = self.key(instance, connection)
            if key is None:
                continue
            if self.condition is not None:
                holds = condition_holds(self.condition, instance_value_getter(instance))
                if holds is None:
                    per_item.append(index)
                    continue
                if not holds:
                    continue
            wanted.setdefault(key, []).append(index)

        keys = list(wanted)
        manager = self.model._default_manager.using(using)
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            lookup = {f"{attname}__in": {key[n] for key in chunk} for n, attname in enumerate(self.attnames)}
            rows = manager.filter(**lookup)
            if self.condition is not None:
                rows = rows.filter(self.condition)
            holders: dict[tuple, set] = {}
            for pk, *values in rows.values_list("pk", *self.attnames):
                key = self.stored_key(values)
                holders.setdefault(key, set()).add(pk)
            for key in chunk:
                for index in wanted[key]:
                    instance = instances[index]
                    own = None if instance._state.adding else instance.pk
                    if holders.get(key, set()) - {own}:
                        yield (index, *self.error(instance))
        for index in per_item:
            try:
                self.constraint.validate(self.model, instances[index], exclude=failed[index], using=using)
            except ValidationError as exc:
                field_name = _constraint_field(instances[index], self.constraint)
                for error in exc.error_list:
                    yield index, field_name, error

    def conflicts(
        self, instances: Sequence[models.Model], replaced: set[object], using: str
    ) -> Iterator[tuple[int, int | None]]:
        """Over the final state of a batch write: (index, earlier index) for an instance whose key an
        earlier one of the batch holds, and (index, None) for the first instance holding a key a stored
        row keeps. Stored rows whose pk is in ``replaced`` take the batch's values, so they hold nothing.
        An empty value, or a condition that is not true (false, or unknown as with NULL), leaves the
        instance out, as a partial unique index does."""
        connection = connections[using]
        first: dict[tuple, int] = {}
        for index, instance in enumerate(instances):
            key = self.key(instance, connection)
            if key is None or "" in key:
                continue
            if self.condition is not None and not condition_holds(self.condition, instance_value_getter(instance)):
                continue
            if key in first:
                yield index, first[key]
            else:
                first[key] = index
        if not first:
            return
        manager = self.model._base_manager.using(using)
        stored = manager.filter(self.condition) if self.condition is not None else manager.all()
        if len(first) <= LOOKUP_CHUNK:
            lookup = {f"{attname}__in": {key[n] for key in first} for n, attname in enumerate(self.attnames)}
            stored = stored.filter(**lookup)
        # else thousands of keys: one pass over the rule's columns costs less than binding them all.
        held = set()
        for pk, *values in stored.values_list("pk", *self.attnames):
            if pk not in replaced:
                held.add(self.stored_key(values))
        for key, index in first.items():
            if key in held:
                yield index, None


# to_python() returns values of these exact classes unchanged (a field's own type, a key's id).
_PLAIN_TYPES = {
    models.CharField.to_python: (str,),
    models.TextField.to_python: (str,),
    models.IntegerField.to_python: (int,),  # and the auto fields, which inherit it
}


def _unchanged_by_to_python(field: models.Field) -> tuple[type, ...]:
    target = field.target_field if field.is_relation else field
    return _PLAIN_TYPES.get(type(target).to_python, ())


@functools.cache
def unique_checks(model: type[models.Model]) -> list[_UniqueCheck]:
    """Every unique rule of ``model`` but its primary key, each with its message."""
    checks = []
    for parent in [model, *model._meta.all_parents]:
        opts = parent._meta
        checks += [_UniqueCheck(parent, (f.name,)) for f in opts.local_fields if f.unique and not f.primary_key]
        checks += [_UniqueCheck(parent, tuple(names)) for names in opts.unique_together]
        checks += [
            _UniqueCheck(parent, tuple(c.fields), c)
            for c in opts.constraints
            if isinstance(c, models.UniqueConstraint)
            and c.fields
            and not c.expressions
            and c.nulls_distinct is not False
        ]
    return checks


@functools.cache
def _other_constraints(model: type[models.Model]) -> list:
    """The constraints not covered by a unique check: check constraints and the unusual ones."""
    covered = {id(check.constraint) for check in unique_checks(model) if check.constraint is not None}
    return [c for parent in [model, *model._meta.all_parents] for c in parent._meta.constraints if id(c) not in covered]


def condition_fields(condition: models.Q) -> list[str]:
    """The field names a condition mentions (F() references included), in order of appearance: the
    first is where a spreadsheet shows a broken check."""
    names: list[str] = []
    for child in condition.children:
        if isinstance(child, models.Q):
            found = condition_fields(child)
        else:
            found = [child[0].split(LOOKUP_SEP)[0]]
            if isinstance(child[1], F):
                found.append(child[1].name)
        names += [n for n in found if n not in names]
    return names


def broken_checks(instance: models.Model) -> list[models.CheckConstraint]:
    """The model's check constraints whose condition is false for ``instance``, decided in memory
    (an unknown condition passes, as in SQL): no query, for rows read by the thousand."""
    model = type(instance)
    return [
        c for c in _check_constraints(model) if condition_holds(c.condition, instance_value_getter(instance)) is False
    ]


@functools.cache
def _check_constraints(model: type[models.Model]) -> list[models.CheckConstraint]:
    return [c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)]


def validate_preloaded(
    instance: models.Model, exclude: Iterable[str] = (), cache: CleanCache | None = None
) -> list[tuple[str, str]]:
    """(field name, message) for ``full_clean()``'s field and ``clean()`` rules on an instance whose
    related objects were all read in advance (an import's rows), foreign keys left out: their objects
    were found, so :func:`unset_foreign_keys` only checks that they are set, and no query runs.
    Check constraints: :func:`broken_checks`; uniqueness over the batch: ``_UniqueCheck.conflicts``.
    ``exclude`` names fields whose value was already refused. With a ``cache`` (one per batch), a
    field value that passed once is not cleaned again (see :class:`CleanCache`)."""
    _foreign, foreign_names = _foreign_keys(type(instance))
    skip = foreign_names | set(exclude)
    if instance.pk is not None:
        skip |= instance.get_deferred_fields()  # not loaded: reading them would query
    try:
        if cache is None or not _plain_full_clean(type(instance)):
            instance.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
        else:
            _full_clean_cached(instance, skip, cache)
    except ValidationError as exc:
        return [(name, message) for name, messages in exc.message_dict.items() for message in messages]
    return []


class CleanCache(dict):
    """The values a batch's fields accepted, by field then (class, value): rows of an import repeat
    most of their values (a kind, a vendor, a year), and ``Field.clean`` of such a field is a
    function of the value alone, so a value that passed once passes again with the same result.
    Only such fields (Django's own ``clean``, ``validate`` and ``to_python``, only validators of
    ``django.core.validators``) and values of classes whose equal values behave alike are kept; a
    refused value is never kept (it is cleaned again, for its message)."""


# Equal values of these exact classes clean alike and are interchangeable (not Decimal: 1.0 and 1.00
# are equal with other digits; not datetime: equal instants in other zones).
_CACHED_CLASSES = frozenset({str, int, bool, datetime.date})
# Values kept per field: repeated values (a kind, a vendor, a year) come early and stay; a column of
# values that never repeat (names, serial numbers, addresses) stops filling the cache here instead
# of holding every row's value to the end of the import.
CACHE_VALUES_PER_FIELD = 2048


@functools.cache
def _plain_full_clean(model: type[models.Model]) -> bool:
    """Whether the model cleans its fields Django's way (else its own ``full_clean`` runs)."""
    return model.full_clean is models.Model.full_clean and model.clean_fields is models.Model.clean_fields


@functools.cache
def _clean_plan(model: type[models.Model]) -> tuple[tuple[models.Field, str, str, bool, object, bool], ...]:
    """``Model.clean_fields``'s fields in its order: (field, name, attname, blank, empty values,
    whether its clean depends on the value alone), generated fields left out as it leaves them."""
    return tuple(
        (f, f.name, f.attname, f.blank, f.empty_values, _value_only_clean(f))
        for f in model._meta.fields
        if not f.generated
    )


@functools.cache
def _value_only_clean(field: models.Field) -> bool:
    """Whether ``field.clean(value, instance)`` depends on the value alone."""
    kind = type(field)
    return (
        kind.clean is models.Field.clean
        and kind.validate is models.Field.validate
        and kind.run_validators is models.Field.run_validators
        and kind.to_python.__module__.startswith("django.db.models.")
        and not isinstance(field.choices, CallableChoiceIterator)  # choices read at clean time (maybe a query)
        and all(_django_validator(v) for v in field.validators)
    )


def _django_validator(validator: object) -> bool:
    """A validator of Django's own whose verdict is a function of the value (not a callable limit,
    such as ``MaxValueValidator(lambda: date.today().year)``, read at each call)."""
    module = getattr(validator, "__module__", None) or type(validator).__module__
    return module == "django.core.validators" and not callable(getattr(validator, "limit_value", None))


def _full_clean_cached(instance: models.Model, exclude: set[str], cache: CleanCache) -> None:
    """``Model.full_clean(exclude, validate_unique=False, validate_constraints=False)`` step by step
    as Django takes it, with :class:`CleanCache` in ``clean_fields``."""
    errors: dict = {}
    try:
        _clean_fields_cached(instance, exclude, cache)
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _clean_fields_cached(instance: models.Model, exclude: set[str], cache: CleanCache) -> None:
    """``Model.clean_fields``: the same fields skipped, the same values set, the same errors."""
    errors = {}
    for f, name, attname, blank, empty_values, value_only in _clean_plan(type(instance)):
        if name in exclude:
            continue
        raw_value = getattr(instance, attname)
        if blank and raw_value in empty_values:
            continue
        if isinstance(raw_value, DatabaseDefault):
            continue
        seen = None
        if value_only and raw_value.__class__ in _CACHED_CLASSES:
            seen = cache.get(f)
            if seen is None:
                seen = cache[f] = {}
            key = (raw_value.__class__, raw_value)
            if key in seen:
                cleaned = seen[key]
                # An equal value of the same class is the same value: the one in hand stays.
                if cleaned.__class__ is not raw_value.__class__ or cleaned != raw_value:
                    setattr(instance, attname, cleaned)
                continue
        try:
            cleaned = f.clean(raw_value, instance)
        except ValidationError as e:
            errors[name] = e.error_list
            continue
        if seen is not None and len(seen) < CACHE_VALUES_PER_FIELD:
            seen[key] = cleaned
        setattr(instance, attname, cleaned)
    if errors:
        raise ValidationError(errors)


def unset_foreign_keys(instance: models.Model, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(field name, message) for each required foreign key of ``instance`` that names no object."""
    excluded = set(exclude)
    found = []
    for f in _foreign_keys(type(instance))[0]:
        if f.null or f.name in excluded or getattr(instance, f.attname) is not None:
            continue
        if f.is_cached(instance) and f.get_cached_value(instance) is not None:
            continue
        found.append((f.name, str(f.error_messages["blank"])))
    return found


@functools.cache
def _foreign_keys(model: type[models.Model]) -> tuple[list[models.Field], frozenset[str]]:
    foreign = [f for f in model._meta.concrete_fields if f.is_relation]
    return foreign, frozenset(f.name for f in foreign)


def _validate_constraint(model, constraint, instance: models.Model, using: str, failed: set[str]) -> None:
    """A check constraint decided in memory when it can be; any other constraint by the database."""
    if isinstance(constraint, models.CheckConstraint):
        holds = condition_holds(constraint.condition, instance_value_getter(instance))
        if holds is True:
            return
        if holds is False:
            raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
    constraint.validate(model, instance, exclude=failed, using=using)


def _constraint_excluded(model, constraint, failed: set[str]) -> bool:
    """Django skips a constraint that reads a field whose own value was already refused."""
    if not failed:
        return False
    if isinstance(constraint, models.CheckConstraint):
        return constraint._expression_refs_exclude(model, constraint.condition, failed)
    fields = getattr(constraint, "fields", ())
    return any(name in failed for name in fields)


def _constraint_field(instance: models.Model, constraint) -> str:
    chooser = getattr(instance, "_constraint_field", None)
    if chooser is not None:
        return chooser(constraint)
    fields = getattr(constraint, "fields", ())
    return fields[0] if len(fields) == 1 else NON_FIELD_ERRORS
