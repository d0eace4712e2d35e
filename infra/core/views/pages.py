"""Every page of one model wired from its parts: an app declares ModelPages, its urls.py lists them."""

from dataclasses import dataclass, field

from django.db import models
from django.urls import path

from .bulk import BulkDeleteView, BulkEditView
from .edit import ObjectDeleteView, ObjectEditView
from .lists import ObjectListView
from .objects import ObjectDetailView, ObjectHistoryView


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
