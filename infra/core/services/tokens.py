"""API tokens: the rules of issuing and revoking one, whatever door the request came through."""

from __future__ import annotations

import datetime

from ..choices import Role
from ..models import Token
from ..permissions import role_of


def issue_token(
    *, user, description: str = "", read_only: bool = True, expires: datetime.datetime | None = None
) -> tuple[Token, str]:
    """A new token for ``user`` and its plain key (shown once, stored hashed).

    An auditor's token is read-only whatever was asked: auditors change nothing, by any door.
    """
    read_only = read_only or role_of(user) == Role.AUDITOR
    return Token.issue(user, description=description, read_only=read_only, expires=expires)


def revoke_token(*, token: Token) -> None:
    """Revoke ``token``; revoking it again keeps the first revocation on record."""
    if token.revoked is None:
        token.revoke()
