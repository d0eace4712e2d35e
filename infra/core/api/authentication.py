"""Token authentication: ``Authorization: Token <key>``, the key looked up by its hash."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ..models import Token
from ..models.tokens import hash_key


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"token", b"bearer"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give `Token <key>`."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = Token.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This user is deactivated."))
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            Token.objects.filter(pk=token.pk).update(last_used=now)  # at most once a minute
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
