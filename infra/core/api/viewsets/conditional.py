"""Conditional writes through the API: what the request says it read, and the 412 answer.

A write names the version it was based on with the ``If-Match`` header (ETags, as a GET gave them)
and, in the body, the ``last_updated`` it read (of the object, or of each item of a bulk write). Both
are optional: without them the write is unconditional, as HTTP has it. The check itself is made by
``core.versions`` with the rows locked, inside the write's transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status

from ... import versions
from ...versions import etag_for

__all__ = ["VERSION_FIELD", "PreconditionFailed", "StaleItems", "etag_for", "if_match", "sent_version"]

# The body's key for the version a write is based on: the object's last_updated, as read.
VERSION_FIELD = "last_updated"


class PreconditionFailed(exceptions.APIException):
    """412 for one object; ``etag`` is its current ETag, given back in the answer's ETag header."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "The object changed since you read it (If-Match does not match its ETag). Read it again."
    )
    default_code = "precondition_failed"

    def __init__(self, detail=None, *, etag: str | None = None) -> None:
        super().__init__(detail)
        self.etag = etag


class StaleItems(exceptions.APIException):
    """412 for a bulk write: every item whose object changed since it was read, nothing written."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, stale: dict[int, models.Model]) -> None:
        """``stale``: by the item's index, its object as it is now."""
        ids = ", ".join(str(obj.pk) for _index, obj in sorted(stale.items()))
        super().__init__(
            _("Nothing was saved: %(n)d object(s) changed since you read them (ids %(ids)s). Read them again.")
            % {"n": len(stale), "ids": ids}
        )
        self.payload = {
            "detail": str(self.detail),
            "stale": [obj.pk for _index, obj in sorted(stale.items())],
            "items": [
                {
                    "index": index,
                    "id": obj.pk,
                    "errors": {
                        VERSION_FIELD: [
                            _("Changed since you read it; its last_updated is now %(stamp)s.")
                            % {"stamp": serializers.DateTimeField().to_representation(versions.stamp_of(obj))}
                        ]
                    },
                    "etag": etag_for(obj),
                }
                for index, obj in sorted(stale.items())
            ],
        }


def if_match(request) -> frozenset[str] | None:
    """The ETags the request's If-Match header accepts (``*`` for any), None without the header.

    An empty or malformed header is the client's mistake (400), never taken as no condition.
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    try:
        return versions.parse_if_match(raw)
    except ValueError:
        raise exceptions.ParseError(
            _(
                "The If-Match header must be * or one or more ETags in double quotes, separated by commas, "
                "as the ETag header gave them."
            )
        ) from None


def sent_version(model: type[models.Model], pk: object, item: object) -> frozenset[str] | None:
    """The version a body (one object, or an item of a bulk write) says it read: its ``last_updated``
    as the ETag it stands for; None when the body does not send one. Raises ValidationError (400)
    for a value that is not a date and time."""
    if not isinstance(item, dict) or VERSION_FIELD not in item:
        return None
    value = item[VERSION_FIELD]
    if value is None:
        return frozenset([versions.etag_of(model, pk, None)])
    try:
        stamp = serializers.DateTimeField().to_internal_value(value)
    except exceptions.ValidationError:
        raise exceptions.ValidationError(
            {
                VERSION_FIELD: [
                    _("Send the last_updated you read, as the API gave it (an ISO 8601 date and time with its offset).")
                ]
            }
        ) from None
    return frozenset([versions.etag_of(model, pk, stamp)])
