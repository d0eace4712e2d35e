"""Request middleware: each request's id and change context, sign-in required, session timeouts,
and the password change an administrator's reset asks for."""

import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .choices import ChangeSource
from .context import change_context
from .security import SEEN_AT, SIGNED_IN_AT


class ChangeContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = uuid.uuid4()
        source = ChangeSource.API if request.path.startswith("/api/") else ChangeSource.WEB
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        # Whoever signed in enters what the request changes (nobody, until the API authenticates).
        with change_context(user=user, source=source, request_id=request.id, entered_by=user):
            response = self.get_response(request)
        response["X-Request-ID"] = str(request.id)
        return response


# The API's pages for people (Swagger UI, Redoc): like the web UI, they send a stranger to sign in.
API_PAGES_FOR_PEOPLE = ("api-docs", "api-redoc")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Login everywhere but the login page; the API answers for itself (tokens, 401/403 in JSON)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            match = getattr(request, "resolver_match", None)
            if getattr(match, "url_name", None) in API_PAGES_FOR_PEOPLE and not request.user.is_authenticated:
                # DRF marks its views login_required=False; these pages want the login page all the same.
                return self.handle_no_permission(request, view_func)
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionTimeoutMiddleware:
    """Signs a user out after ``SIMPUL_SESSION_IDLE_MINUTES`` without a request, and in any case
    ``SIMPUL_SESSION_MAX_HOURS`` after signing in (Django's own expiry moves with every save of the
    session, so it is no absolute limit).

    The time of the last request is written back at most every few minutes, not on every request,
    so a page costs no extra query for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if not self._expired(request.session):
            return None
        logout(request)  # flushes the session: a new key, nothing of the old one kept
        if request.path_info.startswith("/api/"):
            return None  # the API answers for an anonymous request itself (401/403)
        messages.info(request, _("Your session has ended. Please sign in again."))
        return redirect_to_login(request.get_full_path())

    @staticmethod
    def _expired(session) -> bool:
        now = int(time.time())
        idle = settings.SIMPUL_SESSION_IDLE_MINUTES * 60
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None or seen_at is None:  # a session from before these limits: start the clock
            session[SIGNED_IN_AT] = signed_in_at or now
            session[SEEN_AT] = now
            return False
        if now - seen_at > idle or now - signed_in_at > settings.SIMPUL_SESSION_MAX_HOURS * 3600:
            return True
        if now - seen_at > min(300, idle // 4):
            session[SEEN_AT] = now
        return False


class PasswordChangeRequiredMiddleware:
    """A user whose password an administrator set must choose their own before anything else.

    Pages lead to the password change page; the API (with a session) answers 403. Signing out,
    changing the language and static files stay open.
    """

    OPEN_URL_NAMES = ("password_change", "password_change_done", "logout", "set_language", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return None
        match = getattr(request, "resolver_match", None)
        if getattr(match, "url_name", None) in self.OPEN_URL_NAMES:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": str(_("Change your password before going on."))}, status=403)
        return HttpResponseRedirect(reverse("password_change"))
