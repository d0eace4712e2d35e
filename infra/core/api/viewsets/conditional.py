"""Conditional writes: an object's ETag and the If-Match check."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object changed since you read it (If-Match does not match its ETag). Read it again.")
    default_code = "precondition_failed"


def etag_for(obj) -> str:
    stamp = getattr(obj, "last_updated", None)
    raw = f"{obj._meta.label}:{obj.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'
