"""What every model page shares: its names, its URLs, the permission check, a safe way back."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ..permissions import ADD, CHANGE, DELETE, VIEW, can


def _meta_names(model: type[models.Model]) -> dict[str, str]:
    meta = model._meta
    return {
        "app_label": meta.app_label,
        "model_name": meta.model_name,
        "verbose_name": meta.verbose_name,
        "verbose_name_plural": meta.verbose_name_plural,
    }


def view_name(model: type[models.Model], action: str = "") -> str:
    meta = model._meta
    return f"{meta.app_label}:{meta.model_name}{'_' + action if action else ''}"


def safe_return_url(request: HttpRequest, fallback: str) -> str:
    url = request.POST.get("return_url") or request.GET.get("return_url")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return fallback


class ModelViewMixin:
    queryset: models.QuerySet = None
    action = VIEW

    @property
    def model(self) -> type[models.Model]:
        return self.queryset.model

    def check(self, request: HttpRequest, action: str, obj=None, organization_id=None) -> None:
        if not can(request.user, action, obj if obj is not None else self.model, organization_id):
            raise PermissionDenied(_("You may not do this."))

    def base_context(self, request: HttpRequest) -> dict:
        model = self.model
        return {
            **_meta_names(model),
            "model": model,
            "list_url": reverse(view_name(model, "list")),
            "can_add": can(request.user, ADD, model),
            "can_change_any": can(request.user, CHANGE, model),
            "can_delete_any": can(request.user, DELETE, model),
        }
