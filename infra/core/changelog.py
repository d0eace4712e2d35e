"""Writing the change log: one function for single saves (signals) and bulk writes (import)."""

import datetime
import decimal
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import chain
from .choices import ChangeAction
from .context import current_context, entered_by_name
from .models import ChangeLoggingMixin, ObjectChange


def _json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # One instant, one text: a form's local time and the database's UTC are the same value.
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return str(value)


# to_python functions that return a value of these exact classes unchanged: skipping the call for
# them saves most of the cost of serializing thousands of objects in a bulk write.
_UNCHANGED_BY_TO_PYTHON = {
    models.CharField.to_python: (str,),
    models.TextField.to_python: (str,),
    models.IntegerField.to_python: (int,),
    models.BooleanField.to_python: (bool,),
    models.DateField.to_python: (datetime.date,),
}


@functools.cache
def _unchanged_types(field: models.Field) -> tuple[type, ...]:
    target = field.target_field if field.many_to_one or field.one_to_one else field
    return _UNCHANGED_BY_TO_PYTHON.get(type(target).to_python, ())


def _field_json(field: models.Field, value: object) -> object:
    """The value as the database holds it, JSON-ready: "2.5" and Decimal("2.500") in a 3-place field are
    the same value, so re-saving what was loaded records no change."""
    if value is not None and value.__class__ not in _unchanged_types(field):
        try:
            value = field.to_python(value)
            if isinstance(value, decimal.Decimal) and getattr(field, "decimal_places", None) is not None:
                value = value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
        except (ValidationError, decimal.InvalidOperation):
            pass  # logged as given; the save itself reports the bad value
    return _json_value(value)


# Classes _json_value returns as they are (exact classes: a subclass may be anything).
_JSON_READY = frozenset({bool, int, float, str})


@functools.cache
def _serialize_plan(model: type[ChangeLoggingMixin]) -> tuple[tuple[models.Field, str, bool, tuple], ...]:
    """Per logged field: (field, attname, whether its value is the attribute itself, the classes its
    to_python returns unchanged), worked out once per model rather than once per value."""
    return tuple(
        (f, f.attname, type(f).value_from_object is models.Field.value_from_object, _unchanged_types(f))
        for f in _logged_fields(model)
    )


def _logged_values(model: type[ChangeLoggingMixin], instance: ChangeLoggingMixin) -> dict[str, object]:
    """``{f.attname: _field_json(f, f.value_from_object(instance))}`` over the logged fields, with the
    common cases (None, a string or a number that its field keeps as it is) taken without a call:
    the change log of an import serializes every field of tens of thousands of objects."""
    data = {}
    for f, attname, plain, unchanged in _serialize_plan(model):
        value = getattr(instance, attname) if plain else f.value_from_object(instance)
        if value is None or (value.__class__ in unchanged and value.__class__ in _JSON_READY):
            data[attname] = value
        else:
            data[attname] = _field_json(f, value)
    return data


@functools.cache
def _logged_fields(model: type[ChangeLoggingMixin]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in model.changelog_exclude]


@functools.cache
def _redacted_fields(model: type[ChangeLoggingMixin]) -> tuple[str, ...]:
    names = set(model.changelog_redact)
    return tuple(f.attname for f in _logged_fields(model) if f.name in names)


def redacted(model: type[models.Model], attname: str, pk: object, value: object) -> str:
    """What the log holds for a secret: a digest keyed with SECRET_KEY of the object's value, so a
    change shows as a change and nothing about the value can be learnt (nor guessed without the key);
    the object's id is in it, so two objects with the same secret do not show it."""
    message = f"{model._meta.label}.{attname}.{pk}:{value}"
    digest = salted_hmac("infra.core.changelog.redacted", message, algorithm="sha256").hexdigest()
    return f"[redacted {digest[:12]}]"


def _redact(model: type[ChangeLoggingMixin], data: dict[str, object], pk: object) -> dict[str, object]:
    for attname in _redacted_fields(model):
        if attname in data:
            data[attname] = redacted(model, attname, pk, data[attname])
    return data


def serialize(instance: ChangeLoggingMixin, *, m2m_from: dict | None = None) -> dict[str, object]:
    """The instance's logged field values, JSON-ready, keyed by field name (FKs by id).

    ``m2m_from``: a state whose many-to-many lists still hold (a ``save()`` does not change them),
    taken instead of a query per field.
    """
    model = type(instance)
    data = _logged_values(model, instance)
    _redact(model, data, instance.pk)
    for m2m in model._meta.many_to_many:
        if m2m_from is not None and m2m.name in m2m_from:
            data[m2m.name] = m2m_from[m2m.name]
        elif instance.pk is not None:
            data[m2m.name] = sorted(getattr(instance, m2m.name).values_list("pk", flat=True))
    return data


def serialize_many(model: type[ChangeLoggingMixin], instances: Sequence[ChangeLoggingMixin]) -> list[dict]:
    """:func:`serialize` of stored instances of one model, with one query per many-to-many field for
    all of them (not one per instance)."""
    data = [_redact(model, _logged_values(model, i), i.pk) for i in instances]
    pks = [i.pk for i in instances]
    for m2m in model._meta.many_to_many:
        members = m2m_members(m2m, pks, using=instances[0]._state.db if instances else None)
        for values, pk in zip(data, pks, strict=True):
            values[m2m.name] = sorted(members.get(pk, ()))
    return data


def m2m_members(m2m: models.ManyToManyField, pks: Sequence[object], using: str | None = None) -> dict[object, list]:
    """{owner id: [member ids]} of a many-to-many field for the given owners: one query."""
    through = m2m.remote_field.through
    source = through._meta.get_field(m2m.m2m_field_name()).attname
    target = through._meta.get_field(m2m.m2m_reverse_field_name()).attname
    members: dict[object, list] = defaultdict(list)
    if pks:
        rows = through._base_manager.using(using or router.db_for_read(through))
        for owner, member in rows.filter(**{f"{source}__in": list(pks)}).values_list(source, target):
            members[owner].append(member)
    return members


def loaded_snapshot(instance: ChangeLoggingMixin) -> dict[str, object] | None:
    """The values the instance had in the database before this save, or None if new."""
    if instance._state.adding or instance.pk is None:
        return None
    loaded = getattr(instance, "_loaded_values", None)
    fields = _logged_fields(type(instance))
    if loaded is None or any(f.attname not in loaded or loaded[f.attname] is models.DEFERRED for f in fields):
        row = type(instance)._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
        if row is None:
            return None
        loaded = row
    data = _redact(type(instance), {f.attname: _field_json(f, loaded[f.attname]) for f in fields}, instance.pk)
    for m2m in type(instance)._meta.many_to_many:
        data[m2m.name] = sorted(getattr(instance, m2m.name).values_list("pk", flat=True))
    return data


def _related(instance: ChangeLoggingMixin) -> tuple[int | None, int | None]:
    """(content type id, object id) of the parent whose history also shows this change."""
    parent_field = type(instance).changelog_parent
    if parent_field:
        parent_id = getattr(instance, f"{parent_field}_id", None)
        if parent_id is not None:
            parent_model = type(instance)._meta.get_field(parent_field).related_model
            return ContentType.objects.get_for_model(parent_model).pk, parent_id
    return None, None


def build_change(
    instance: ChangeLoggingMixin,
    action: str,
    before: dict | None,
    after: dict | None,
    content_type: ContentType | None = None,
) -> ObjectChange:
    ctx = current_context()
    user = ctx.user if getattr(ctx.user, "pk", None) else None
    ct = content_type or ContentType.objects.get_for_model(instance)
    related_ct, related_id = _related(instance)
    return ObjectChange(
        time=ctx.at or timezone.now(),
        entered_by=entered_by_name(ctx.entered_by),
        user=user,
        user_name=getattr(user, "username", "") or "",
        request_id=ctx.request_id,
        source=ctx.source,
        action=action,
        content_type=ct,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        related_content_type_id=related_ct,
        related_object_id=related_id,
        before=before,
        after=after,
    )


def record(instance: ChangeLoggingMixin, action: str, before: dict | None, after: dict | None) -> ObjectChange | None:
    """Record one change; an update that changed nothing is not recorded."""
    if action == ChangeAction.UPDATE and before == after:
        return None
    change = build_change(instance, action, before, after)
    change.save()  # at the chain's end (ObjectChange.save)
    return change


def record_bulk(
    changes: Iterable[tuple[ChangeLoggingMixin, str, dict | None, dict | None]],
    batch_size: int = 2000,
) -> int:
    """Record many changes at once (imports and other bulk writers); return how many were recorded.

    What every record of the call shares (time, user, request, source) is prepared once and the rows
    go in with COPY on PostgreSQL and executemany elsewhere: bulk_create's per-value work made the
    change log most of the time of a 10,000-row import. Values pass through each field's
    get_db_prep_save, as bulk_create does.
    """
    ctx = current_context()
    user = ctx.user if getattr(ctx.user, "pk", None) else None
    using = router.db_for_write(ObjectChange)
    connection = connections[using]
    opts = ObjectChange._meta
    shared = {
        "user": user.pk if user is not None else None,
        "user_name": getattr(user, "username", "") or "",
        "entered_by": entered_by_name(ctx.entered_by),
        "request_id": ctx.request_id,
        "source": ctx.source,
    }
    per_row = ["action", "content_type", "object_id", "object_repr", "related_content_type", "related_object_id"]
    content_types: dict[type, int] = {}
    # (the row's per-record values, before, after): the chain's fields come when the batch is written
    pending = []
    for instance, action, before, after in changes:
        if action == ChangeAction.UPDATE and before == after:
            continue
        model = type(instance)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model).pk
        pending.append(
            ((str(action), content_types[model], instance.pk, str(instance)[:200], *_related(instance)), before, after)
        )
    if not pending:
        return 0
    names = ["recorded", "time", "prev_hash", "hash", *shared, *per_row, "before", "after"]
    columns = [opts.get_field(name).column for name in names]
    fields = [opts.get_field(name) for name in names]
    shared_row = {opts.get_field(name).attname: value for name, value in shared.items()}
    per_row_attnames = [opts.get_field(name).attname for name in per_row]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using, savepoint=False):
        # One look-up of the chain's head for the whole write; the hashes are chained here.
        head = chain.head(using)
        prev, now = head.hash, head.now
        # The database accepts a recorded time only seconds old: each batch takes its clock again.
        step = batch_size
        for start in range(0, len(pending), step):
            if start:
                now = chain.database_now(using)
            time = ctx.at or timezone.now()
            rows = []
            for values, before, after in pending[start : start + step]:
                row = {
                    "recorded": now,
                    "time": time,
                    "prev_hash": prev,
                    **shared_row,
                    **dict(zip(per_row_attnames, values, strict=True)),
                    "before": before,
                    "after": after,
                }
                row["hash"] = prev = chain.digest(row)
                rows.append([f.get_db_prep_save(row[f.attname], connection) for f in fields])
            if connection.vendor == "postgresql":
                # COPY takes the rows in one stream: half the time of executemany for 1,000 records.
                copy_sql = "COPY {} ({}) FROM STDIN".format(quote(opts.db_table), ", ".join(quote(c) for c in columns))
                # Django's own errors, as its cursor would raise them (an IntegrityError, not psycopg's).
                with (
                    connection.wrap_database_errors,
                    connection.cursor() as cursor,
                    cursor.cursor.copy(copy_sql) as copy,
                ):
                    for values in rows:
                        copy.write_row(values)
            else:
                sql = "INSERT INTO {} ({}) VALUES ({})".format(
                    quote(opts.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
                )
                with connection.cursor() as cursor:
                    cursor.executemany(sql, rows)
    return len(pending)


def saved_fields(instance: ChangeLoggingMixin, update_fields: Iterable[str] | None) -> set[str] | None:
    """The attnames a ``save(update_fields=...)`` wrote, or None when it wrote every field."""
    if update_fields is None:
        return None
    names = set(update_fields)
    return {f.attname for f in type(instance)._meta.concrete_fields if f.name in names or f.attname in names}


def remember_saved_state(instance: ChangeLoggingMixin, fields: set[str] | None = None) -> None:
    """After a save, the values it wrote (``fields``, or all) become the instance's "before" for the next."""
    loaded = getattr(instance, "_loaded_values", None) if fields is not None else None
    if loaded is None:
        fields = None
        loaded = instance._loaded_values = {}
    for f in type(instance)._meta.concrete_fields:
        if fields is None or f.attname in fields:
            loaded[f.attname] = f.value_from_object(instance)
