"""The API asks the same role policy as the web UI (core.permissions), plus read-only tokens."""

from rest_framework import permissions

from ..choices import Role
from ..models import Token
from ..permissions import ADD, CHANGE, DELETE, VIEW, can, role_of

_ACTION_FOR_METHOD = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "POST": ADD,
    "PUT": CHANGE,
    "PATCH": CHANGE,
    "DELETE": DELETE,
}


def is_read_only(request) -> bool:
    """Read-only tokens, and any token or session of an auditor, may only read."""
    token = request.auth if isinstance(request.auth, Token) else None
    return (token is not None and token.read_only) or role_of(request.user) == Role.AUDITOR


class RolePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, "action", "") is None:
            return True  # no handler for this method: DRF answers 405, which says more than 403
        if request.method not in permissions.SAFE_METHODS and is_read_only(request):
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        return can(request.user, _ACTION_FOR_METHOD.get(request.method, VIEW), model)

    def has_object_permission(self, request, view, obj) -> bool:
        return can(request.user, _ACTION_FOR_METHOD.get(request.method, VIEW), obj)
