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


@dataclass(frozen=True)
class ChangeContext:
    user: object | None = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    source: str = "other"
    # When the changes happened, for history written after the fact (the demo city's two years);
    # None: now, as for everything users do.
    at: datetime.datetime | None = None


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
) -> Iterator[ChangeContext]:
    ctx = ChangeContext(user=user, source=source, request_id=request_id or uuid.uuid4(), at=at)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_context_user(user: object) -> None:
    """Name the acting user once it is known (the API authenticates inside the view, after the
    middleware opened the request's context); the request id and source stay."""
    ctx = current_context()
    _current.set(ChangeContext(user=user, request_id=ctx.request_id, source=ctx.source, at=ctx.at))
