"""The inventory as it was: rebuilt from the change log, for auditors' ``as_of`` questions."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max

from .choices import ChangeAction
from .models import ObjectChange


def state_as_of(model, as_of: datetime.datetime) -> list[dict]:
    """Every object of ``model`` that existed at ``as_of``, with its field values at that moment.

    Each object's last change record at or before ``as_of`` holds its state then ("after"); an
    object whose last record is a delete did not exist. Two queries, whatever the history's length.
    """
    ct = ContentType.objects.get_for_model(model)
    last_ids = (
        ObjectChange.objects.filter(content_type=ct, time__lte=as_of)
        .values("object_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    rows = (
        ObjectChange.objects.filter(id__in=list(last_ids))
        .exclude(action=ChangeAction.DELETE)
        .order_by("object_id")
        .values("object_id", "object_repr", "after", "time")
    )
    return [
        {"id": r["object_id"], "display": r["object_repr"], "as_of_change": r["time"], **(r["after"] or {})}
        for r in rows
    ]
