"""Conditional writes: an object's version, and the one check made with its row locked.

An object's version is its ``last_updated``: every save moves it forward and never gives it a value
it had before (``models.features.VersionStampField``), so a version that matches means the row is the
one the writer read. Its ETag is a hash of the model, the id and that stamp.

A writer says which version it read (the API's ``If-Match`` header or an item's ``last_updated``, the
web form's ``_version``); the write is then checked and made in one transaction with the rows
locked, so two writers who read the same version cannot both pass the check. Every door (the API's
single and bulk writes, the web's edit page, a migration's transition) goes through this module:

    with transaction.atomic():
        objects = versions.lock(queryset, ids)      # SELECT ... FOR UPDATE, in id order
        versions.check(objects, expected)           # raises Stale naming every changed object
        ... write ...

On PostgreSQL the lock is the row lock of ``SELECT ... FOR UPDATE`` (only the object's own table:
``of=("self",)``); rows are locked in id order, so two bulk writes over the same objects wait for each
other instead of deadlocking. SQLite has no row locks: its transactions are ``BEGIN IMMEDIATE``
(settings), which takes the database's write lock when the transaction begins, so the check and the
write of one transaction run while no other writer can.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Collection, Mapping

from django.db import models, transaction
from django.db.transaction import TransactionManagementError

ANY = "*"
_UTC = datetime.UTC
# RFC 9110 entity-tag: an optional weak prefix, then a quoted opaque tag (no quote inside).
_ENTITY_TAG = re.compile(r'\s*((?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


class Stale(Exception):
    """Objects whose version is not the one the writer read: by id, each object as it is now."""

    def __init__(self, current: dict[object, models.Model]) -> None:
        super().__init__(sorted(current, key=str))
        self.current = current


def stamp_of(obj: models.Model) -> datetime.datetime | None:
    """The object's version stamp (its last_updated), or None for a model without one."""
    return getattr(obj, "last_updated", None)


def etag_of(model: type[models.Model], pk: object, stamp: datetime.datetime | None) -> str:
    """The ETag of ``model`` ``pk`` at version ``stamp`` (a strong entity-tag, quoted)."""
    if stamp is not None and stamp.tzinfo is not None:
        stamp = stamp.astimezone(_UTC)  # the same moment gives the same tag, whatever its offset
    raw = f"{model._meta.label}:{pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'


def etag_for(obj: models.Model) -> str:
    """The object's current ETag."""
    return etag_of(type(obj), obj.pk, stamp_of(obj))


def parse_if_match(value: str) -> frozenset[str]:
    """The entity-tags of an If-Match header value: ``*``, or a comma-separated list of quoted tags.

    Raises ValueError for an empty or malformed value (a tag without quotes, say): the client meant
    a condition, and a condition that cannot be read must not be taken as none.
    """
    value = value.strip()
    if value == ANY:
        return frozenset([ANY])
    tags, position = [], 0
    while position < len(value):
        found = _ENTITY_TAG.match(value, position)
        if found is None or found.end() == position:
            raise ValueError(value)
        tags.append(found.group(1))
        position = found.end()
    if not tags:
        raise ValueError(value)
    return frozenset(tags)


def both(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    """The tags that satisfy two conditions at once (None: no condition)."""
    if first is None or ANY in first:
        return second if second is not None else first
    if second is None or ANY in second:
        return first
    return first & second


def matches(obj: models.Model, tags: Collection[str] | None) -> bool:
    """Whether the object's current version is one of ``tags`` (None: no condition)."""
    return tags is None or ANY in tags or etag_for(obj) in tags


def lock(queryset: models.QuerySet, ids: Collection[object]) -> dict[object, models.Model]:
    """The objects of ``queryset`` with these ids, read with their rows locked until the transaction
    ends (call inside ``transaction.atomic``); ids without an object are left out."""
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise TransactionManagementError("versions.lock() needs a transaction: the lock ends with it.")
    return for_update(queryset).in_bulk(list(ids))


def for_update(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` read with its rows locked (only the model's own table), in id order."""
    return queryset.select_for_update(of=("self",)).order_by("pk")


def check(objects: Mapping[object, models.Model], expected: Mapping[object, Collection[str] | None]) -> None:
    """Raise :class:`Stale` naming every object whose current version is not one it was expected
    to have (``expected``: acceptable ETags by id; an id missing or None there is not conditional)."""
    stale = {pk: objects[pk] for pk, tags in expected.items() if pk in objects and not matches(objects[pk], tags)}
    if stale:
        raise Stale(stale)
