"""Bulk edit and bulk delete of the objects selected on a list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from ..permissions import CHANGE, DELETE, can, editable
from ..services.bulk import BulkInvalid, delete_objects, set_values
from ..validation import as_id
from .base import ModelViewMixin, safe_return_url, view_name
from .edit import deletion_summary


class BulkActionMixin(ModelViewMixin):
    def selected(self, request: HttpRequest, action: str) -> list[models.Model]:
        pks = [pk for pk in request.POST.getlist("pk") if as_id(pk) is not None]
        if not pks:
            raise Http404(_("Nothing was selected."))
        objs = list(self.queryset.filter(pk__in=pks))
        allowed = set(editable(request.user, self.model._base_manager.filter(pk__in=pks)).values_list("pk", flat=True))
        refused = [o for o in objs if o.pk not in allowed or not can(request.user, action, o)]
        if refused:
            raise PermissionDenied(_("You may not change: %(objs)s") % {"objs": ", ".join(map(str, refused[:10]))})
        return objs


class BulkEditView(BulkActionMixin, View):
    """Set the same values on many selected objects; every object must pass, or none is saved."""

    form_class = None
    template_name = "generic/bulk_edit.html"

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check(request, CHANGE)
        objs = self.selected(request, CHANGE)
        return_url = safe_return_url(request, reverse(view_name(self.model, "list")))
        if "_apply" not in request.POST:
            form = self.form_class(user=request.user)
            return self._render(request, objs, form, return_url)
        form = self.form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                set_values(objs, form.changed_values(), may_save=lambda obj: can(request.user, CHANGE, obj))
            except BulkInvalid as exc:
                for index, found in exc.errors.items():
                    form.add_error(None, f"{objs[index]}: {'; '.join(found)}")
            else:
                messages.success(
                    request, ngettext("Updated %(n)d object.", "Updated %(n)d objects.", len(objs)) % {"n": len(objs)}
                )
                return HttpResponseRedirect(return_url)
        return self._render(request, objs, form, return_url, status=400)

    def _render(self, request, objs, form, return_url, status=200):
        return render(
            request,
            self.template_name,
            {
                **self.base_context(request),
                "objects": objs,
                "form": form,
                "return_url": return_url,
            },
            status=status,
        )


class BulkDeleteView(BulkActionMixin, View):
    template_name = "generic/bulk_delete.html"

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check(request, DELETE)
        objs = self.selected(request, DELETE)
        return_url = safe_return_url(request, reverse(view_name(self.model, "list")))
        if "_confirm" not in request.POST:
            cascades, protected, reasons = deletion_summary(objs)
            return render(
                request,
                self.template_name,
                {
                    **self.base_context(request),
                    "objects": objs,
                    "cascades": cascades,
                    "protected": protected,
                    "reasons": reasons,
                    "return_url": return_url,
                },
            )
        try:
            delete_objects(objs)
        except BulkInvalid as exc:
            head = _("Nothing was deleted: other records still refer to some of them.")
            messages.error(request, " ".join([head, *exc.reasons]))
        else:
            messages.success(
                request, ngettext("Deleted %(n)d object.", "Deleted %(n)d objects.", len(objs)) % {"n": len(objs)}
            )
        return HttpResponseRedirect(return_url)
