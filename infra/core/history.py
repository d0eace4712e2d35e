"""The inventory as it was: rebuilt from the change log, for auditors' ``as_of`` questions."""

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from .choices import ChangeAction
from .models import ObjectChange


def state_as_of(model, as_of: datetime.datetime, ids: Iterable[int] | None = None) -> list[dict]:
    """Every object of ``model`` that existed at ``as_of`` (or those of ``ids``), with its field
    values at that moment.

    Each object's last change record at or before ``as_of`` holds its state then ("after"); an
    object whose last record is a delete did not exist. One query, whatever the history's length.
    """
    ct = ContentType.objects.get_for_model(model)
    records = ObjectChange.objects.filter(content_type=ct, time__lte=as_of)
    if ids is not None:
        records = records.filter(object_id__in=list(ids))
    # The latest by the time a record is about, then by the order written: history entered later
    # (an earlier ``time``, a higher id) does not override what came after it.
    latest = Window(RowNumber(), partition_by=[F("object_id")], order_by=[F("time").desc(), F("id").desc()])
    rows = (
        records.annotate(rank=latest)
        .filter(rank=1)
        .order_by("object_id")
        .values("object_id", "object_repr", "after", "time", "action")
    )
    # The record's object_id names the object: an "id" inside "after" cannot say otherwise. An object
    # whose latest record is a delete did not exist then.
    return [
        {**(r["after"] or {}), "id": r["object_id"], "display": r["object_repr"], "as_of_change": r["time"]}
        for r in rows
        if r["action"] != ChangeAction.DELETE
    ]


def as_of_columns(model) -> list[str]:
    """The keys of a historical row, in a stable order (for exports, even of an empty list)."""
    from .changelog import _logged_fields

    names = [f.attname for f in _logged_fields(model) if f.attname != "id"]
    names += [f.name for f in model._meta.many_to_many]
    return ["id", "display", "as_of_change", *names]


def history_starts() -> datetime.datetime | None:
    """The time of the change log's first record: before it, the log cannot say what the inventory
    was (None: no record yet). One query on the log's time index."""
    return ObjectChange.objects.order_by("time").values_list("time", flat=True).first()
