"""Who is changing things, and through which door, for the change log.

A context variable carries the acting user, a request id and the entry point (web, api, import,
command) so that every change is recorded the same way whatever code path saved it.
"""

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils import formats, timezone
from django.utils.translation import gettext as _


class BackdatingRefused(PermissionDenied):
    """History dated other than now entered by someone who is not an administrator: refused (a 403
    wherever a request reaches it; Django and DRF both answer PermissionDenied so)."""


# Who entered the changes of a command, the demo loader or background work (no person signed in).
SYSTEM = "system"
_INHERIT = object()


@dataclass(frozen=True)
class ChangeContext:
    user: object | None = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    source: str = "other"
    # When the changes happened, for history written after the fact (the demo city's two years);
    # None: now, as for everything users do.
    at: datetime.datetime | None = None
    # Who is entering them: the signed-in person (a user, or None when nobody signed in), or SYSTEM.
    entered_by: object | None = SYSTEM


def _may_backdate(entered_by: object | None) -> bool:
    from .choices import Role
    from .permissions import role_of

    return entered_by == SYSTEM or role_of(entered_by) == Role.ADMINISTRATOR


def _check_backdating(at: datetime.datetime | None, entered_by: object | None) -> None:
    if at is not None and not _may_backdate(entered_by):
        raise BackdatingRefused(
            _(
                "Only administrators may enter changes dated %(at)s: changes are recorded at the time they "
                "are made. Nothing was changed."
            )
            % {"at": formats.localize(timezone.localtime(at) if timezone.is_aware(at) else at)}
        )


_current: ContextVar[ChangeContext | None] = ContextVar("simpul_change_context", default=None)


def current_context() -> ChangeContext:
    """The active context, or a fresh anonymous one (for example code run from a shell)."""
    return _current.get() or ChangeContext()


@contextmanager
def change_context(
    *,
    user: object | None = None,
    source: str,
    request_id: uuid.UUID | None = None,
    at: datetime.datetime | None = None,
    entered_by: object | None = _INHERIT,
) -> Iterator[ChangeContext]:
    """Changes inside are recorded as by ``user`` through ``source``, dated ``at`` (default: now).

    ``entered_by``, who is entering them, is the enclosing context's (a request's signed-in person),
    or outside any context the system (a command, the shell, background work) unless a person is
    named with another source. Only an administrator or the system may date changes (``at``):
    anyone else gets BackdatingRefused, before anything is written.
    """
    if entered_by is _INHERIT:
        outer = _current.get()
        if outer is not None:
            entered_by = outer.entered_by
        elif source == "command" or not getattr(user, "pk", None):
            entered_by = SYSTEM
        else:
            entered_by = user
    _check_backdating(at, entered_by)
    ctx = ChangeContext(user=user, source=source, request_id=request_id or uuid.uuid4(), at=at, entered_by=entered_by)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_context_user(user: object) -> None:
    """Name the acting user once it is known (the API authenticates inside the view, after the
    middleware opened the request's context); the request id and source stay."""
    ctx = current_context()
    entered_by = SYSTEM if ctx.entered_by == SYSTEM else user
    _check_backdating(ctx.at, entered_by)
    _current.set(
        ChangeContext(user=user, request_id=ctx.request_id, source=ctx.source, at=ctx.at, entered_by=entered_by)
    )


def entered_by_name(entered_by: object | None) -> str:
    """What a change record keeps of who entered it: the username, or the system's marker."""
    from .models.changes import SYSTEM_ENTERER

    if entered_by == SYSTEM:
        return SYSTEM_ENTERER
    if getattr(entered_by, "pk", None) is None:
        return ""  # nobody signed in
    return entered_by.username
