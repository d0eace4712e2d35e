"""The options an edit form's search picker offers."""

import functools
import operator

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from ..forms import FORMS
from ..permissions import VIEW, can
from ..validation import as_id
from ..widgets import ObjectPicker


class PickView(View):
    """The options an edit form's picker offers for a search (``?q=``): the chosen objects (sent back
    under the field's name) first, then up to ``ObjectPicker.limit`` matches. Every word of the search must
    appear in one of the fields the form names for it, so "srv-dinkes eth0" finds an interface by
    its device and its own name. The choices are the form's own, for the user asking."""

    def get(self, request: HttpRequest, form: str, field: str) -> HttpResponse:
        form_class = FORMS.get(form)
        fields = form_class(user=request.user).fields if form_class is not None else {}
        if field not in fields:  # unknown, or only there for an object being edited (a primary address)
            raise Http404
        bound_field = fields[field]
        queryset = getattr(bound_field, "queryset", None)
        if queryset is None or not can(request.user, VIEW, queryset.model):
            raise Http404 if queryset is None else PermissionDenied
        search = form_class.picker_search.get(field) or getattr(queryset.model, "display_fields", ()) or ("pk",)
        chosen_ids = [v for v in request.GET.getlist(field)[: ObjectPicker.limit] if as_id(v) is not None]
        chosen = list(queryset.filter(pk__in=chosen_ids))
        matches = queryset.exclude(pk__in=chosen_ids)
        for word in request.GET.get("q", "").split()[:8]:
            matches = matches.filter(
                functools.reduce(operator.or_, (models.Q(**{f"{name}__icontains": word}) for name in search))
            )
        found = list(matches[: ObjectPicker.limit + 1])
        shown = found[: ObjectPicker.limit]
        options = [(obj, True) for obj in chosen] + [(obj, False) for obj in shown]
        context = {
            "empty_label": getattr(bound_field, "empty_label", None),
            "options": [(obj.pk, bound_field.label_from_instance(obj), selected) for obj, selected in options],
            "nothing": not found,
            "more": len(found) > ObjectPicker.limit,
        }
        return render(request, "generic/picker_options.html", context)
