"""How the demo writes: the change log's moment and user for each part of the history, and the bulk
writes, each logged as single saves would be.

The demo's bulk writes all pass through :func:`bulk_create` and :func:`bulk_update`; everything else is a
single ``save()``/``create()`` or a migration service call, which logs itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.db import models
from django.utils import timezone

from infra.core import changelog
from infra.core.choices import ChangeAction, ChangeSource
from infra.core.context import ChangeContext, change_context, current_context
from infra.core.models import User

BATCH_SIZE = 500


def logged_at(moment: datetime.datetime, user: User | None = None) -> AbstractContextManager[ChangeContext]:
    """The change log's time (and user) for what is written inside: the demo's history, not the load."""
    return change_context(user=user, source=ChangeSource.COMMAND, request_id=current_context().request_id, at=moment)


def bulk_create(model: type[models.Model], objects: list[models.Model]) -> None:
    """bulk_create that logs one create per object, as single saves do."""
    model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    changelog.record_bulk((obj, ChangeAction.CREATE, None, changelog.serialize(obj)) for obj in objects)
    _remember(objects)


def bulk_update(model: type[models.Model], objects: list[models.Model], values: list[dict[str, Any]]) -> None:
    """Set each object's ``values`` (one dict per object, the same fields in each) and write them in one
    bulk_update that logs one update per object, as single saves do."""
    if not objects:
        return
    now = timezone.now()
    changes = []
    for obj, new in zip(objects, values, strict=True):
        before = changelog.serialize(obj)
        for name, value in new.items():
            setattr(obj, name, value)
        obj.last_updated = now
        changes.append((obj, ChangeAction.UPDATE, before, changelog.serialize(obj)))
    model.objects.bulk_update(objects, [*values[0], "last_updated"], batch_size=BATCH_SIZE)
    changelog.record_bulk(changes)
    _remember(objects)


def _remember(objects: Iterable[models.Model]) -> None:
    for obj in objects:
        changelog.remember_saved_state(obj)
