"""Limit/offset pages, as NetBox's API: ``?limit=100&offset=200``, at most MAX_PAGE_SIZE a page."""

from django.conf import settings
from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = settings.REST_FRAMEWORK["PAGE_SIZE"]
    max_limit = settings.REST_FRAMEWORK["MAX_PAGE_SIZE"]
