"""Ordering that means the same on SQLite and PostgreSQL."""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from rest_framework import filters


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=-purchase_year,name`` with empty values last in both directions (PostgreSQL puts
    NULLs first when descending, SQLite last), and the id as the final tie-break so pages are stable.
    A column without NULLs is ordered plainly, so an index can give its order."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms = []
        for term in ordering:
            name = term.lstrip("-")
            try:
                field = queryset.model._meta.get_field(name) if "__" not in name else None
            except FieldDoesNotExist:
                field = None
            if field is None or field.is_relation:
                terms.append(term)  # a relation orders by its model's own ordering, as Django does
            elif not field.null:
                # No NULLs to place: a plain term, which PostgreSQL can read off an index. "DESC NULLS
                # LAST" does not match a b-tree index and sorted the whole change log for each page.
                terms.append(term)
            elif term.startswith("-"):
                terms.append(F(name).desc(nulls_last=True))
            else:
                terms.append(F(name).asc(nulls_last=True))
        if not any(t.lstrip("-") in ("pk", "id") for t in ordering):
            terms.append("pk")
        return queryset.order_by(*terms)
