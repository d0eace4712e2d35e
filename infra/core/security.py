"""Sign-in helpers: the client's address for the lock-out, the session's clock, one-time passwords.

The lock-out itself is django-axes (settings ``AXES_*``); the session timeouts are enforced by
``core.middleware.SessionTimeoutMiddleware`` from the two times kept here in the session.
"""

import ipaddress
import logging
import math
import secrets
import time

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

# Session keys: when the user signed in, and when the last request was seen (epoch seconds).
SIGNED_IN_AT = "simpul_signed_in_at"
SEEN_AT = "simpul_seen_at"

# Letters and digits that cannot be mistaken for each other when read aloud or copied by hand.
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the lock-out and the sign-in log.

    ``REMOTE_ADDR`` unless ``SIMPUL_CLIENT_IP_HEADER`` names the header a trusted reverse proxy
    sets: then the right-most address in it, the one the proxy itself added (whatever a client
    put in front of it is not believed). A header that is missing or holds no address gives
    ``REMOTE_ADDR``, so a request that bypasses the proxy is still counted by its real address.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "")
    header = settings.SIMPUL_CLIENT_IP_HEADER
    if not header:
        return remote
    value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    candidates = [part for part in value.split(",") if part.strip()]
    return (_valid_ip(candidates[-1]) if candidates else None) or remote


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page a locked-out sign-in gets (429), in the user's language, saying how long to wait.

    It names neither the user nor whether such a user exists.
    """
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def one_time_password() -> str:
    """A random password to hand to a user who must change it at once: 4 groups of 4 (80 bits)."""
    groups = ["".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


@receiver(user_logged_in, dispatch_uid="simpul_session_clock")
def start_session_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    """Note when the session began (the absolute timeout counts from here) and was last used."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SIGNED_IN_AT] = now
        session[SEEN_AT] = now
