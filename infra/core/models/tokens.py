"""API tokens: shown once, stored only as a hash, with an expiry and a read-only flag."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_BYTES = 24
PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    """SHA-256 of the key: tokens are long random strings, so a fast hash is safe and lookups stay cheap."""
    return hashlib.sha256(key.encode()).hexdigest()


class Token(models.Model):
    """A key for scripts and audit tools. Auditors' tokens are read-only whatever the flag says."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="tokens"
    )
    prefix = models.CharField(
        _("prefix"),
        max_length=PREFIX_LENGTH,
        editable=False,
        help_text=_("The first characters of the key, to tell tokens apart."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    read_only = models.BooleanField(_("read-only"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @classmethod
    def issue(cls, user, *, description: str = "", read_only: bool = True, expires=None) -> tuple["Token", str]:
        """Create a token; the plain key is returned once and never stored."""
        key = secrets.token_urlsafe(TOKEN_BYTES)
        token = cls.objects.create(
            user=user,
            prefix=key[:PREFIX_LENGTH],
            key_hash=hash_key(key),
            description=description,
            read_only=read_only,
            expires=expires,
        )
        return token, key

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    def revoke(self) -> None:
        self.revoked = timezone.now()
        self.save(update_fields=["revoked"])
