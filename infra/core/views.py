"""Generic views that every model's pages are made of: list, detail, history, edit, delete, bulk.

Each app's views.py only names its model, queryset, filter set, table and form. Permissions are
asked of core.permissions on the server for every request, whatever the page shows.
"""

import datetime
import decimal
import functools
import operator
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django_tables2 import RequestConfig

from . import exports
from .models import ObjectChange, UserPreference
from .permissions import ADD, CHANGE, DELETE, VIEW, can, editable
from .validation import as_id
from .widgets import ObjectPicker

PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50


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


class ObjectListView(ModelViewMixin, View):
    """A table with filters, quick search, sorting, pages, chosen columns and CSV/XLSX export."""

    filterset_class = None
    table_class = None
    template_name = "generic/object_list.html"
    bulk_edit = True
    bulk_delete = True

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check(request, VIEW)
        filterset = self.filterset_class(request.GET, queryset=self.queryset.all(), request=request)
        queryset = filterset.qs if filterset.is_valid() else self.queryset.none()
        table = self.table_class(queryset, user=request.user, selectable=self.bulk_edit or self.bulk_delete)

        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            RequestConfig(request, paginate=False).configure(table)
            rows = table.as_values(exclude_columns=[*table.hidden_column_names, "pk"])
            return exports.response(rows, str(self.model._meta.verbose_name_plural), export)

        per_page = self._page_size(request, table)
        RequestConfig(request, paginate={"per_page": per_page, "paginator_class": Paginator}).configure(table)
        context = {
            **self.base_context(request),
            "table": table,
            "filterset": filterset,
            "filter_form": filterset.panel_form,
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "query": request.GET.urlencode(),
            "bulk_edit": self.bulk_edit and can(request.user, CHANGE, self.model),
            "bulk_delete": self.bulk_delete and can(request.user, DELETE, self.model),
        }
        return render(request, self.template_name, context)

    def _page_size(self, request: HttpRequest, table) -> int:
        key = table.preference_key
        asked = request.GET.get("per_page")
        if asked and asked.isdigit() and int(asked) in PAGE_SIZES:
            if UserPreference.get(request.user, key).get("per_page") != int(asked):
                UserPreference.update(request.user, key, per_page=int(asked))
            return int(asked)
        return UserPreference.get(request.user, key).get("per_page") or DEFAULT_PAGE_SIZE


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


class PickView(View):
    """The options an edit form's picker offers for a search (``?q=``): the chosen objects (sent back
    under the field's name) first, then up to ``ObjectPicker.limit`` matches. Every word of the search must
    appear in one of the fields the form names for it, so "srv-dinkes eth0" finds an interface by
    its device and its own name. The choices are the form's own, for the user asking."""

    def get(self, request: HttpRequest, form: str, field: str) -> HttpResponse:
        from .forms import FORMS

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
        options = []
        if getattr(bound_field, "empty_label", None) is not None:
            options.append(f'<option value="">{escape(bound_field.empty_label)}</option>')
        for obj, selected in [*((o, True) for o in chosen), *((o, False) for o in found[: ObjectPicker.limit])]:
            label = escape(bound_field.label_from_instance(obj))
            options.append(f'<option value="{obj.pk}"{" selected" if selected else ""}>{label}</option>')
        if not found:
            nothing = _("Nothing matches.")
            options.append(f"<option disabled>{escape(nothing)}</option>")
        elif len(found) > ObjectPicker.limit:
            more = _("More match than shown: type more of the name.")
            options.append(f"<option disabled>{escape(more)}</option>")
        return HttpResponse("".join(options))


class ObjectDetailView(ModelViewMixin, View):
    template_name: str = ""

    def get_object(self, pk: int):
        return get_object_or_404(self.queryset, pk=pk)

    def get_extra_context(self, request: HttpRequest, obj) -> dict:
        return {}

    def object_context(self, request: HttpRequest, obj) -> dict:
        return {
            **self.base_context(request),
            "object": obj,
            "can_change": can(request.user, CHANGE, obj),
            "can_delete": can(request.user, DELETE, obj),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.check(request, VIEW)
        obj = self.get_object(pk)
        context = {
            **self.object_context(request, obj),
            "active_tab": "detail",
            "object_fields": object_fields(obj),
            **self.get_extra_context(request, obj),
        }
        names = [self.template_name] if self.template_name else []
        names += [f"{obj._meta.app_label}/{obj._meta.model_name}.html", "generic/object_detail.html"]
        return render(request, names, context)


def object_fields(obj: models.Model) -> list[tuple[str, object, str]]:
    """(label, display value, link) of each editable field, for a detail page's attribute table."""
    rows = []
    for f in obj._meta.fields:
        if f.primary_key or f.name in ("created", "last_updated"):
            continue
        if f.is_relation:
            value = getattr(obj, f.name)
            rows.append(
                (
                    f.verbose_name,
                    value,
                    value.get_absolute_url() if value is not None and hasattr(value, "get_absolute_url") else "",
                )
            )
        elif f.choices:
            rows.append((f.verbose_name, getattr(obj, f"get_{f.name}_display")(), ""))
        else:
            rows.append((f.verbose_name, _display_value(getattr(obj, f.attname)), ""))
    return rows


def _display_value(value: object) -> object:
    """Dates as people write them ("6 Oktober 2025"), times in WIB, decimals in the user's language."""
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(value, (decimal.Decimal, float)):
        return number_format(value)  # 2,5 in Indonesian, 2.5 in English
    return value


class ObjectHistoryView(ObjectDetailView):
    """The History tab: the object's change records (its children's too), newest first."""

    template_name = "generic/object_history.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.check(request, VIEW)
        obj = self.get_object(pk)
        changes = ObjectChange.objects.for_object(obj).select_related("content_type")
        page = Paginator(changes, 50).get_page(request.GET.get("page"))
        context = {**self.object_context(request, obj), "active_tab": "history", "page": page}
        return render(request, self.template_name, context)


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
        if form.is_valid():
            # The object as it will be saved must be allowed too (an operator cannot move a
            # device to another organization).
            if not can(
                request.user, CHANGE if obj.pk else ADD, form.instance, getattr(form.instance, "organization_id", None)
            ):
                form.add_error(None, _("You may not save this record with these values."))
            else:
                try:
                    with transaction.atomic():
                        if obj.pk:
                            self._check_version(request, form)
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

    def _check_version(self, request: HttpRequest, form) -> None:
        sent = form.cleaned_data.get("_version")
        current = (
            type(form.instance)
            .objects.select_for_update()
            .filter(pk=form.instance.pk)
            .values_list("last_updated", flat=True)
            .first()
        )
        if sent and current and current.isoformat() != sent:
            last = ObjectChange.objects.filter(
                content_type=ContentType.objects.get_for_model(form.instance), object_id=form.instance.pk
            ).first()
            who = last.user_name if last and last.user_name else _("someone else")
            raise ValidationError(
                _(
                    "%(who)s changed this record after you opened it. Your changes were not saved: "
                    "reload the page to see the current values, then edit again."
                )
                % {"who": who},
                code="stale",
            )

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


def deletion_summary(objs: list[models.Model]) -> tuple[list[tuple[str, int]], list[str]]:
    """What deleting ``objs`` also deletes (per kind, counted) and what prevents it."""
    collector = NestedObjects(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    own = set(objs)
    counts: dict[str, int] = {}
    for model, instances in collector.data.items():
        others = [i for i in instances if i not in own]
        if others:
            counts[str(model._meta.verbose_name_plural)] = len(others)
    protected = [f"{p._meta.verbose_name}: {p}" for p in list(collector.protected)[:20]]
    return sorted(counts.items()), protected


class ObjectDeleteView(ModelViewMixin, View):
    template_name = "generic/object_delete.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.queryset, pk=pk)
        self.check(request, DELETE, obj)
        cascades, protected = deletion_summary([obj])
        return render(
            request,
            self.template_name,
            {
                **self.base_context(request),
                "object": obj,
                "objects": [obj],
                "cascades": cascades,
                "protected": protected,
                "return_url": safe_return_url(request, obj.get_absolute_url()),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.queryset, pk=pk)
        self.check(request, DELETE, obj)
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError):
            messages.error(request, _("%(obj)s cannot be deleted: other records still refer to it.") % {"obj": obj})
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted %(kind)s %(obj)s") % {"kind": obj._meta.verbose_name, "obj": obj})
        return HttpResponseRedirect(reverse(view_name(self.model, "list")))


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
            changes = form.changed_values()
            errors = []
            try:
                with transaction.atomic():
                    for obj in objs:
                        for name, value in changes.items():
                            setattr(obj, name, value)
                        try:
                            obj.full_clean()
                        except ValidationError as exc:
                            errors.append(f"{obj}: {'; '.join(exc.messages)}")
                            continue
                        if not can(request.user, CHANGE, obj):
                            # Outside the f-string: xgettext 0.21 does not extract calls inside one.
                            refused = _("you may not save it with these values")
                            errors.append(f"{obj}: {refused}")
                            continue
                        obj.save()
                    if errors:
                        raise ValidationError(errors)
            except ValidationError:
                for message in errors:
                    form.add_error(None, message)
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
            cascades, protected = deletion_summary(objs)
            return render(
                request,
                self.template_name,
                {
                    **self.base_context(request),
                    "objects": objs,
                    "cascades": cascades,
                    "protected": protected,
                    "return_url": return_url,
                },
            )
        try:
            with transaction.atomic():
                for obj in objs:
                    obj.delete()
        except (ProtectedError, RestrictedError):
            messages.error(request, _("Nothing was deleted: other records still refer to some of them."))
        else:
            messages.success(
                request, ngettext("Deleted %(n)d object.", "Deleted %(n)d objects.", len(objs)) % {"n": len(objs)}
            )
        return HttpResponseRedirect(return_url)


@dataclass
class ModelPages:
    """Every page of one model, wired from its parts: ``pages.urls()`` gives the URL patterns."""

    slug: str
    queryset: models.QuerySet
    filterset: type
    table: type
    form: type
    bulk_form: type | None = None
    detail: type[ObjectDetailView] = None
    detail_queryset: models.QuerySet | None = None
    list_view: type[ObjectListView] = None
    list_template: str = ObjectListView.template_name
    extra: list = field(default_factory=list)

    @property
    def object_queryset(self) -> models.QuerySet:
        """The queryset one object's pages (and the global search) load objects from."""
        return self.detail_queryset if self.detail_queryset is not None else self.queryset

    def urls(self) -> list:
        name = self.queryset.model._meta.model_name
        detail_qs = self.object_queryset
        list_view = self.list_view or ObjectListView
        patterns = [
            path(
                f"{self.slug}/",
                list_view.as_view(
                    queryset=self.queryset,
                    filterset_class=self.filterset,
                    table_class=self.table,
                    template_name=self.list_template,
                    bulk_edit=self.bulk_form is not None,
                ),
                name=f"{name}_list",
            ),
            path(
                f"{self.slug}/add/",
                ObjectEditView.as_view(queryset=detail_qs, form_class=self.form),
                name=f"{name}_add",
            ),
            # Bulk actions load whole objects (they validate and log them), not the list's display rows.
            path(f"{self.slug}/bulk-delete/", BulkDeleteView.as_view(queryset=detail_qs), name=f"{name}_bulk_delete"),
            path(f"{self.slug}/<int:pk>/", (self.detail or ObjectDetailView).as_view(queryset=detail_qs), name=name),
            path(
                f"{self.slug}/<int:pk>/edit/",
                ObjectEditView.as_view(queryset=detail_qs, form_class=self.form),
                name=f"{name}_edit",
            ),
            path(f"{self.slug}/<int:pk>/delete/", ObjectDeleteView.as_view(queryset=detail_qs), name=f"{name}_delete"),
            path(
                f"{self.slug}/<int:pk>/history/", ObjectHistoryView.as_view(queryset=detail_qs), name=f"{name}_history"
            ),
        ]
        if self.bulk_form is not None:
            patterns.append(
                path(
                    f"{self.slug}/bulk-edit/",
                    BulkEditView.as_view(queryset=detail_qs, form_class=self.bulk_form),
                    name=f"{name}_bulk_edit",
                )
            )
        return patterns + self.extra
