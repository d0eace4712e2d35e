"""Secrets at rest: encrypted with the keys of ``settings.SIMPUL_SECRET_KEYS`` (Fernet, AES-128-CBC with
HMAC-SHA256). MultiFernet decrypts with any of the keys and encrypts with the first, so keys rotate
without downtime: put a new key first, run ``manage.py rotate_secrets``, then drop the old key."""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "fernet", "rotate"]


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("SIMPUL_SECRET_KEYS holds no key: secrets cannot be stored.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "A key in SIMPUL_SECRET_KEYS is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SIMPUL_SECRET_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same secret encrypted with the first key (MultiFernet.rotate)."""
    return fernet().rotate(token.encode()).decode()
