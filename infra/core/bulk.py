"""The one way to write many rows: validate the batch, insert it fast, log it in the same transaction.

Every bulk writer calls these: the API's bulk requests (core.services.bulk), the spreadsheet import,
the fiber service (a link's cores), the benchmarks' synthetic city and, later, the probes' workers.
A model with change logging gets one change record per object, written in the transaction that
writes the objects (a failure rolls both back); a plain model (probe results, hundreds of millions
of rows) gets none and pays nothing for it.

    links = create_many(FiberLink, links)                   # validated, inserted, logged; ids set
    create_many(ProbeResult, results, validate=False)       # a plain model: inserted only
    update_many(Device, [(device, before, after), ...])     # only the changed fields, logged

It lives beside ``validation.py`` and ``changelog.py`` rather than in ``services/``: it is the
mechanism under every service (it knows no business rule, no request and no user), and a service
that owns a rule (a link's cores, a migration's first transition) calls it.

Insert speed, measured here on PostgreSQL for 10,000 devices (one Device list, six runs on the
shared 2-CPU machine, load average ~7; best / median wall time, then CPU time of this process):
one multi-row ``INSERT ... RETURNING id`` per 1,000 rows, 3.01 / 3.29 s (CPU 0.84 / 0.92 s); keys
reserved with ``SELECT nextval(...) FROM generate_series(1, n)`` and the rows sent with ``COPY``,
0.61 / 0.67 s (CPU 0.11 / 0.11 s). COPY is five times faster, so PostgreSQL gets COPY; SQLite
(and a model with a database default, which COPY cannot leave to the database) gets the batched
INSERT ... RETURNING.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import changelog
from .choices import ChangeAction
from .events import bulk_written
from .models import ChangeLoggingMixin
from .models.features import next_stamp, write_time
from .validation import validate_instances

BATCH_SIZE = 1000
_MISSING = object()

M = TypeVar("M", bound=models.Model)


class InvalidItems(Exception):
    """A batch with bad items: nothing was written. ``errors`` holds each bad item's ValidationError
    by its position in the batch, every bad item named."""

    def __init__(self, errors: dict[int, ValidationError]) -> None:
        self.errors = dict(sorted(errors.items()))
        super().__init__(str(self))

    def __str__(self) -> str:
        head = ngettext(
            "Nothing was saved: %(n)d item is not valid.",
            "Nothing was saved: %(n)d items are not valid.",
            len(self.errors),
        ) % {"n": len(self.errors)}
        lines = [
            _("Item %(index)d: %(messages)s") % {"index": index, "messages": "; ".join(error.messages)}
            for index, error in self.errors.items()
        ]
        return "\n".join([head, *lines])


def logs_changes(model: type[models.Model]) -> bool:
    """Whether writes of ``model`` are recorded in the change log."""
    return issubclass(model, ChangeLoggingMixin)


def create_many(
    model: type[M],
    instances: Sequence[M],
    *,
    validate: bool = True,
    resolved: Iterable[str] = (),
    log: bool = True,
    batch_size: int = BATCH_SIZE,
) -> list[M]:
    """Insert ``instances`` (new, unsaved, all of ``model``) and return them with their primary keys.

    ``validate``: check them first by the model's rules (those of ``full_clean()``, one query per
    unique rule for the whole batch); any bad item raises :class:`InvalidItems` naming every bad one,
    and nothing is written. Pass False for rows checked already (an import) or made by the program.
    ``resolved``: foreign keys whose objects the caller just read, so their existence is not asked
    again. ``log``: record one "create" per object in the change log, in the same transaction, when
    the model has change logging (a plain model never gets records); pass False when the caller logs
    the final state itself (an import that fills in relations afterwards).

    Like bulk_create, no signals are sent and ``save()`` is not called: what a model needs besides
    its row (a fiber link's cores) is its service's job, which calls this.
    """
    instances = list(instances)
    if not instances:
        return instances
    if validate:
        errors = validate_instances(instances, resolved=resolved)
        if errors:
            raise InvalidItems(errors)
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        insert(model, instances, batch_size=batch_size)
        if log and logs_changes(model):
            changelog.record_bulk((obj, ChangeAction.CREATE, None, changelog.serialize(obj)) for obj in instances)
        bulk_written.send(sender=model, pks=[obj.pk for obj in instances])
    return instances


def snapshot(instance: models.Model) -> dict[str, object]:
    """The instance's values by attname, as ``update_many`` compares them: the change log's form for a
    logged model, the raw column values for a plain one. Take it before changing the instance."""
    if isinstance(instance, ChangeLoggingMixin):
        return changelog.serialize(instance)
    return {f.attname: f.value_from_object(instance) for f in instance._meta.concrete_fields}


def update_many(
    model: type[M],
    items: Iterable[tuple[M, dict | None, dict | None]],
    *,
    log: bool = True,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Write the changes of stored instances: ``items`` are (instance, before, after), the values by
    attname before and after the change (:func:`snapshot`). Each group of instances with the same
    changed fields is one bulk UPDATE of only those fields (and ``last_updated``); an item whose
    values did not change is not written. ``log``: record one "update" per changed object in the same
    transaction, when the model has change logging. Returns how many objects were written.
    """
    concrete = model._meta.concrete_fields
    by_attname = {f.attname: f.name for f in concrete}
    has_last_updated = any(f.name == "last_updated" for f in concrete)
    now = write_time()
    groups: dict[tuple[str, ...], list[M]] = defaultdict(list)
    changed_items = []
    for instance, before, after in items:
        old, new = before or {}, after or {}
        changed = tuple(sorted(by_attname[k] for k in new if k in by_attname and old.get(k) != new[k]))
        if not changed:
            continue
        if has_last_updated:
            instance.last_updated = next_stamp(instance.last_updated, now)  # the version moves (core.versions)
            changed += ("last_updated",)
        groups[changed].append(instance)
        changed_items.append((instance, before, after))
    if not groups:
        return 0
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        for fields, instances in groups.items():
            model._base_manager.using(using).bulk_update(instances, list(fields), batch_size=batch_size)
        if log and logs_changes(model):
            changelog.record_bulk((obj, ChangeAction.UPDATE, before, after) for obj, before, after in changed_items)
        bulk_written.send(sender=model, pks=[obj.pk for obj, _, _ in changed_items])
    return len(changed_items)


def insert(model: type[models.Model], objs: list[models.Model], batch_size: int = BATCH_SIZE) -> None:
    """Insert new objects and give them their primary keys: bulk_create's steps, leaner.

    Each value goes through its field's get_db_prep_save, as in bulk_create (each distinct value
    once per field), and fields with auto_now(_add) get one timestamp for the whole call. On
    PostgreSQL the keys are reserved from the table's sequence in one query and the rows go in
    with COPY (measured above); elsewhere one multi-row INSERT ... RETURNING per batch. Where the
    database cannot return keys from a multi-row insert (or the key is not an auto field), this is
    bulk_create itself. Like bulk_create it sends no signals and logs nothing: call
    :func:`create_many` unless you log yourself.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    if not connection.features.can_return_rows_from_bulk_insert or not isinstance(opts.pk, models.AutoField):
        model._base_manager.using(connection.alias).bulk_create(objs, batch_size=batch_size)
        return
    fields = [f for f in opts.concrete_fields if f is not opts.pk and not f.generated]
    relations = [f for f in fields if f.is_relation]
    for obj in objs:
        for f in relations:  # an object saved after being assigned: take its key now
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                related = f.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{model.__name__}.{f.name} points to an unsaved object.")
                    setattr(obj, f.attname, getattr(related, f.target_field.attname))
    rows = _prepared_rows(objs, fields, connection)
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        # COPY cannot leave a value to the database: a field with a database default is inserted.
        if connection.vendor == "postgresql" and not any(f.has_db_default() for f in fields):
            pks = _copy(cursor, opts, fields, rows, len(objs), connection)
        else:
            pks = _insert_returning(cursor, opts, fields, rows, len(objs), batch_size, connection)
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def _prepared_rows(objs: list[models.Model], fields: list[models.Field], connection) -> Iterator[list[object]]:
    """Each object's values ready for the database, in the order of ``fields``."""
    now = write_time()  # history entered after the fact: its time
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    plain_pre_save = (models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save)
    custom = [f for f in fields if f not in stamped and type(f).pre_save not in plain_pre_save]
    columns = [(f.attname, {}, f) for f in fields]
    for obj in objs:
        for f in stamped:
            setattr(obj, f.attname, now)
        for f in custom:
            setattr(obj, f.attname, f.pre_save(obj, True))
        values = obj.__dict__  # a new instance holds every field there
        row = []
        for attname, cache, f in columns:
            value = values[attname]
            try:
                key = (value.__class__, value)
                prepared = cache.get(key, _MISSING)
                if prepared is _MISSING:
                    # Most cells repeat (the same OPD, site, kind, status...): prepared once each.
                    prepared = cache[key] = f.get_db_prep_save(value, connection)
            except TypeError:  # unhashable (a dict for a JSON field)
                prepared = f.get_db_prep_save(value, connection)
            row.append(prepared)
        yield row


def _insert_returning(cursor, opts, fields, rows, count: int, batch_size: int, connection) -> list[object]:
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(quote(opts.db_table), ", ".join(quote(f.column) for f in fields))
    row_sql = "({})".format(", ".join(["%s"] * len(fields)))
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, [None] * min(count, batch_size))))
    pks = []
    while len(pks) < count:
        batch = list(itertools.islice(rows, size))
        params = [value for row in batch for value in row]
        cursor.execute(f"{head}{', '.join([row_sql] * len(batch))} RETURNING {quote(opts.pk.column)}", params)
        pks += [pk for (pk,) in cursor.fetchall()]
    return pks


def _copy(cursor, opts, fields, rows, count: int, connection) -> list[int]:
    """Reserve ``count`` keys from the table's sequence, then COPY the rows in with them."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [opts.db_table, opts.pk.column, count],
    )
    pks = [pk for (pk,) in cursor.fetchall()]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in [opts.pk.column, *(f.column for f in fields)])
    # Django's own errors, as its cursor would raise them (an IntegrityError, not psycopg's).
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for pk, row in zip(pks, rows, strict=True):
            copy.write_row([pk, *row])
    return pks
