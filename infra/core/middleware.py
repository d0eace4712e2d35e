"""Request middleware: gives each request an id and a change context."""

import uuid

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse

from .choices import ChangeSource
from .context import change_context


class ChangeContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = uuid.uuid4()
        source = ChangeSource.API if request.path.startswith("/api/") else ChangeSource.WEB
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with change_context(user=user, source=source, request_id=request.id):
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
