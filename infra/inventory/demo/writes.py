"""How the demo writes: the change log's moment and user for each part of the history, and the bulk
writes, each logged as single saves would be.

The demo's bulk writes all pass through :func:`bulk_create` and :func:`bulk_update`, which use the one
write path (``infra.core.bulk``); everything else is a
single ``save()``/``create()`` or a migration service call, which logs itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.db import models

from infra.core import changelog
from infra.core.bulk import create_many, snapshot, update_many
from infra.core.choices import ChangeSource
from infra.core.context import ChangeContext, change_context, current_context
from infra.core.models import User

BATCH_SIZE = 500


def logged_at(moment: datetime.datetime, user: User | None = None) -> AbstractContextManager[ChangeContext]:
    """The change log's time (and user) for what is written inside: the demo's history, not the load."""
    return change_context(user=user, source=ChangeSource.COMMAND, request_id=current_context().request_id, at=moment)


def bulk_create(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert through the write path, which logs one create per object as single saves do. The demo's
    objects are made by the program, so they are not validated again."""
    create_many(model, objects, validate=False, batch_size=BATCH_SIZE)
    _remember(objects)


def bulk_update(model: type[models.Model], objects: list[models.Model], values: list[dict[str, Any]]) -> None:
    """Set each object's ``values`` (one dict per object, the same fields in each) and write them in one
    bulk_update that logs one update per object, as single saves do."""
    changes = []
    for obj, new in zip(objects, values, strict=True):
        before = snapshot(obj)
        for name, value in new.items():
            setattr(obj, name, value)
        changes.append((obj, before, snapshot(obj)))
    update_many(model, changes, batch_size=BATCH_SIZE)
    _remember(objects)


def _remember(objects: Iterable[models.Model]) -> None:
    for obj in objects:
        changelog.remember_saved_state(obj)
