"""The sign-in log: successful and failed sign-ins, for administrators and auditors.

The records are django-axes' (AccessLog, AccessFailureLog): user name, address, browser and time,
never a password. The pages are the generic list (filters, paging, columns, export) over them.
"""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..filtersets import FailedSignInFilterSet, SignInFilterSet
from ..tables import FailedSignInTable, SignInTable
from .lists import ObjectListView


class _SignInListView(ObjectListView):
    template_name = "generic/signin_list.html"
    bulk_edit = False
    bulk_delete = False
    title = ""
    url_name = ""

    def base_context(self, request: HttpRequest) -> dict:
        """The generic list's context; these pages are core's own, not a registry model's URLs."""
        meta = self.model._meta
        return {
            "app_label": meta.app_label,
            "model_name": meta.model_name,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": self.title,
            "model": self.model,
            "list_url": reverse(self.url_name),
            "can_add": False,
            "can_change_any": False,
            "can_delete_any": False,
            "signin_tab": self.url_name,
        }


class SignInListView(_SignInListView):
    queryset = SignInFilterSet._meta.model.objects.all()
    filterset_class = SignInFilterSet
    table_class = SignInTable
    title = _("Sign-ins")
    url_name = "signin_list"


class FailedSignInListView(_SignInListView):
    queryset = FailedSignInFilterSet._meta.model.objects.all()
    filterset_class = FailedSignInFilterSet
    table_class = FailedSignInTable
    title = _("Failed sign-ins")
    url_name = "failed_signin_list"
