"""A user's saved choices for a page (a table's columns)."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ..models import UserPreference
from .base import safe_return_url

# A table has a few dozen columns with short names: more, or longer, is not a choice the page offers.
MAX_COLUMNS = 100
MAX_COLUMN_NAME = 100


class TableConfigView(View):
    """Saves the columns a user chose for one table (POST from the column chooser)."""

    def post(self, request: HttpRequest, table: str) -> HttpResponse:
        columns = [c for c in request.POST.getlist("columns") if c]
        key = f"table.{table}"
        if (
            len(key) > UserPreference._meta.get_field("key").max_length
            or len(columns) > MAX_COLUMNS
            or any(len(c) > MAX_COLUMN_NAME for c in columns)
        ):
            message = _("These columns are not a choice this page offers; nothing was saved.")
            return render(request, "400.html", {"message": message}, status=400)
        if request.POST.get("reset"):
            UserPreference.update(request.user, key, columns=[])
        else:
            UserPreference.update(request.user, key, columns=columns)
        return HttpResponseRedirect(safe_return_url(request, reverse("home")))
