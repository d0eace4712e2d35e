"""Create, edit and delete one object."""

from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from .. import versions
from ..deletion import protection_reasons, refusal_message
from ..models import ObjectChange
from ..permissions import ADD, CHANGE, DELETE, can
from .base import ModelViewMixin, safe_return_url, view_name


class ObjectEditView(ModelViewMixin, View):
    """Create or edit one object; saving over someone else's newer change is refused."""

    form_class = None
    template_name = "generic/object_edit.html"

    def get_object(self, pk: int | None):
        if pk is None:
            return self.model()
        return get_object_or_404(self.queryset, pk=pk)

    def initial(self, request: HttpRequest) -> dict:
        return {k: v for k, v in request.GET.items() if k != "return_url"}

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        self._check_object(request, obj)
        form = self.form_class(instance=obj, initial=self.initial(request) if pk is None else None, user=request.user)
        return self._render(request, obj, form)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        self._check_object(request, obj)
        form = self.form_class(request.POST, instance=obj, user=request.user)
        if obj.pk and not request.POST.get("_version", "").strip():
            # Without the version the page was opened at, a save could overwrite a newer change.
            form.is_valid()
            form.add_error(None, ValidationError(no_version_message(), code="no_version"))
        elif form.is_valid():
            # The object as it will be saved must be allowed too (an operator cannot move a
            # device to another organization).
            if not can(
                request.user, CHANGE if obj.pk else ADD, form.instance, getattr(form.instance, "organization_id", None)
            ):
                form.add_error(None, _("You may not save this record with these values."))
            else:
                if obj.pk and not [name for name in form.changed_data if name != "_version"]:
                    # Nothing changed: nothing saved, so last_updated does not move without a change record.
                    messages.info(request, _("Nothing changed: %(object)s was not saved.") % {"object": obj})
                    return HttpResponseRedirect(safe_return_url(request, obj.get_absolute_url()))
                try:
                    with transaction.atomic():
                        if obj.pk:
                            check_version(form.instance, form.cleaned_data.get("_version", ""))
                        saved = form.save()
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    verb = _("Updated") if pk else _("Created")
                    messages.success(request, f"{verb} {saved._meta.verbose_name} {saved}")
                    return HttpResponseRedirect(safe_return_url(request, saved.get_absolute_url()))
        return self._render(request, obj, form, status=400 if request.method == "POST" else 200)

    def _check_object(self, request: HttpRequest, obj) -> None:
        if obj.pk:
            self.check(request, CHANGE, obj)
        else:
            self.check(request, ADD)

    def _render(self, request, obj, form, status: int = 200) -> HttpResponse:
        context = {
            **self.base_context(request),
            "object": obj,
            "form": form,
            # Given back only when the page was opened with one; else a save shows the saved object.
            "return_url": safe_return_url(request, ""),
            "cancel_url": safe_return_url(
                request, obj.get_absolute_url() if obj.pk else reverse(view_name(self.model, "list"))
            ),
        }
        return render(request, self.template_name, context, status=status)


def no_version_message() -> str:
    return _(
        "This page was sent without the version of the record it was opened at, so saving it could "
        "overwrite someone else's newer change. Nothing was saved: reload the page, then edit again."
    )


def check_version(obj: models.Model, sent: str) -> None:
    """Refuse (ValidationError) a save of ``obj`` opened at version ``sent`` if the stored object has
    another version now: its row is locked first, so call it inside the save's transaction."""
    model = type(obj)
    sent = (sent or "").strip()
    if not sent or sent == versions.ANY:  # the page always sends one version; "*" would match any
        raise ValidationError(no_version_message(), code="no_version")
    locked = versions.lock(model._base_manager.all(), [obj.pk])
    if obj.pk not in locked:
        # Deleted since the page was read: saving would insert it again, without what its delete took.
        raise ValidationError(_("Someone deleted this record after you opened it. Nothing was saved."), code="deleted")
    try:
        versions.check(locked, {obj.pk: {sent}})
    except versions.Stale:
        last = ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=obj.pk
        ).first()
        who = last.user_name if last and last.user_name else _("someone else")
        raise ValidationError(
            _(
                "%(who)s changed this record after you opened it. Your changes were not saved: "
                "reload the page to see the current values, then edit again."
            )
            % {"who": who},
            code="stale",
        ) from None


def deletion_summary(objs: list[models.Model]) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    """What deleting ``objs`` also deletes (per kind, counted), which records prevent it, and why.

    A kind of record that gives a reason (``protect_reason``: a migration's transitions) is counted
    on one line and its reason shown; the others are named one by one (the first twenty).
    """
    collector = NestedObjects(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    own = set(objs)
    counts: dict[str, int] = {}
    for model, instances in collector.data.items():
        others = [i for i in instances if i not in own]
        if others:
            counts[str(model._meta.verbose_name_plural)] = len(others)
    by_model: dict[type, list] = {}
    for p in collector.protected:
        by_model.setdefault(type(p), []).append(p)
    protected = []
    for model, found in by_model.items():
        if getattr(model, "protect_reason", None):
            protected.append(
                f"{len(found)} {model._meta.verbose_name_plural if len(found) > 1 else model._meta.verbose_name}"
            )
        else:
            protected += [f"{model._meta.verbose_name}: {p}" for p in found[:20]]
    return sorted(counts.items()), protected[:20], protection_reasons(collector.protected)


class ObjectDeleteView(ModelViewMixin, View):
    template_name = "generic/object_delete.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.queryset, pk=pk)
        self.check(request, DELETE, obj)
        cascades, protected, reasons = deletion_summary([obj])
        return render(
            request,
            self.template_name,
            {
                **self.base_context(request),
                "object": obj,
                "objects": [obj],
                "cascades": cascades,
                "protected": protected,
                "reasons": reasons,
                "return_url": safe_return_url(request, obj.get_absolute_url()),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.queryset, pk=pk)
        self.check(request, DELETE, obj)
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError) as exc:
            head = _("%(obj)s cannot be deleted: other records still refer to it.") % {"obj": obj}
            messages.error(request, refusal_message(exc.args[1], head))
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted %(kind)s %(obj)s") % {"kind": obj._meta.verbose_name, "obj": obj})
        return HttpResponseRedirect(reverse(view_name(self.model, "list")))
