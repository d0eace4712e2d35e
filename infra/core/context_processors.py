"""Template context: the signed-in user's role, for showing only what they may use."""

from .permissions import role_of


def roles(request) -> dict:
    return {"user_role": role_of(getattr(request, "user", None))}
