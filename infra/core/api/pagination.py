"""Pages of a list, as NetBox's API: ``?limit=100&offset=200``, at most MAX_PAGE_SIZE a page; and
keyset pages, ``?after_id=<id>``, for reading a long list to its end.

``count`` is exact up to COUNT_CAP rows and ``null`` past it: counting every row of the change log
(or, later, of probe results) on every page cost more than the page itself; see infra.core.paging.
``next`` then comes from reading one row past the page.

OFFSET makes the database read and drop every row before the page, so page 400 of a list costs 400
pages. ``?after_id=`` pages are ordered by id and start after the given one
(``WHERE id > after_id ORDER BY id LIMIT limit``): each costs one page however deep, and a client
keeping the last id it read can resume there (the change log read as a feed).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.utils.urls import replace_query_param

from .. import paging
from ..validation import MAX_ID, as_id


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = settings.REST_FRAMEWORK["PAGE_SIZE"]
    max_limit = settings.REST_FRAMEWORK["MAX_PAGE_SIZE"]
    after_query_param = "after_id"
    after_query_description = (
        "Keyset pages: the objects with a larger id than this one, ordered by id (`offset` and `ordering` "
        "do not apply; `count` is null). Start with 0 and follow `next`: each page costs the same however deep."
    )

    def paginate_queryset(self, queryset, request, view=None) -> list | None:
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.after = self.get_after(request)
        self.offset = 0 if self.after is not None else self.get_offset(request)
        if self.after is not None:
            return self._keyset_page(queryset)
        counted = paging.capped_count(queryset, paging.COUNT_CAP)
        self.count = counted if counted <= paging.COUNT_CAP else None
        if self.count is not None:
            self.has_more = self.offset + self.limit < self.count
            rows = (
                [] if self.count == 0 or self.offset > self.count else queryset[self.offset : self.offset + self.limit]
            )
        elif self.offset > MAX_ID:  # past what a database can skip: past the end
            self.has_more, rows = False, []
        else:  # more rows than the cap: one row past the page says whether there is a next one
            rows = list(queryset[self.offset : self.offset + self.limit + 1])
            self.has_more = len(rows) > self.limit
        rows = list(rows)[: self.limit]
        self.display_page_controls = self.template is not None and (self.has_more or self.offset > 0)
        return rows

    def get_after(self, request) -> int | None:
        """The id of ``?after_id=``: 0 or an object id; anything else is a 400."""
        raw = request.query_params.get(self.after_query_param)
        if raw is None:
            return None
        after = 0 if raw == "0" else as_id(raw)
        if after is None:
            raise exceptions.ValidationError({self.after_query_param: [_("Give 0 or an object id.")]})
        return after

    def _keyset_page(self, rows) -> list:
        self.count = None
        if isinstance(rows, QuerySet):
            page = list(rows.filter(pk__gt=self.after).order_by("pk")[: self.limit + 1])
        else:  # rows built in memory (as_of): dicts with their id
            page = sorted((row for row in rows if _id(row) > self.after), key=_id)[: self.limit + 1]
        self.has_more = len(page) > self.limit
        page = page[: self.limit]
        self.last_id = _id(page[-1]) if page else None
        self.display_page_controls = self.template is not None and self.has_more
        return page

    def get_next_link(self) -> str | None:
        if not self.has_more:
            return None
        url = replace_query_param(self.request.build_absolute_uri(), self.limit_query_param, self.limit)
        if self.after is not None:
            return replace_query_param(url, self.after_query_param, self.last_id)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self) -> str | None:
        if self.after is not None:
            return None  # keyset pages go forward only
        return super().get_previous_link()

    def get_html_context(self) -> dict:
        if self.count is not None:
            return super().get_html_context()
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link(), "page_links": []}

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "How many objects the list holds; null when more than 10,000 (then follow `next`) "
            "and on `after_id` pages.",
        }
        return response

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.after_query_param,
                "required": False,
                "in": "query",
                "description": self.after_query_description,
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
            },
        ]


def _id(row) -> int:
    return row["id"] if isinstance(row, dict) else row.pk
