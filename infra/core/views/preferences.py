"""A user's saved choices for a page (a table's columns)."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View

from ..models import UserPreference
from .base import safe_return_url


class TableConfigView(View):
    """Saves the columns a user chose for one table (POST from the column chooser)."""

    def post(self, request: HttpRequest, table: str) -> HttpResponse:
        columns = [c for c in request.POST.getlist("columns") if c]
        key = f"table.{table}"
        if request.POST.get("reset"):
            UserPreference.update(request.user, key, columns=[])
        else:
            UserPreference.update(request.user, key, columns=columns)
        return HttpResponseRedirect(safe_return_url(request, reverse("home")))
