"""Every API error is JSON: field messages for bad input, never a 500 for what the client sent."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..deletion import refusal_message


def exception_handler(exc, context):
    from .viewsets import BulkValidationError, StaleItems

    if isinstance(exc, (BulkValidationError, StaleItems)):
        return Response(exc.payload, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        protected = list(exc.args[1]) if len(exc.args) > 1 else []
        related = sorted({str(o._meta.verbose_name) for o in protected[:50]})
        head = _("This cannot be deleted while other records refer to it.")
        return Response(
            {"detail": refusal_message(protected, head), "referred_by": related},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, IntegrityError):
        return Response(
            {"detail": _("The database refused the change: %(error)s") % {"error": str(exc).splitlines()[0]}},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("The request body is too large: send fewer objects at once.")},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, OverflowError):
        # SQLite cannot hold the number a filter was given (?organization=99999999999999999999).
        return Response({"detail": _("A number in the request is too large.")}, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, (Http404, PermissionDenied)):
        pass  # DRF turns these into 404 and 403
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # A bare list of messages (ValidationError("...")) becomes an object like every other error.
        response.data = {"non_field_errors": response.data}
    return response
