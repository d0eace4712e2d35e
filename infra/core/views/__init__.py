"""Generic views that every model's pages are made of, one module per job: lists, one object's pages,
edit and delete, bulk actions, the search picker, preferences, the wiring of a model's pages,
and the global search.

Each app's views.py only names its model, queryset, filter set, table and form. Permissions are
asked of core.permissions on the server for every request, whatever the page shows.
"""

from .account import PasswordChangeView
from .base import ModelViewMixin, safe_return_url, view_name
from .bulk import BulkActionMixin, BulkDeleteView, BulkEditView
from .edit import ObjectDeleteView, ObjectEditView, check_version, deletion_summary
from .lists import DEFAULT_PAGE_SIZE, PAGE_SIZES, ObjectListView
from .objects import ObjectDetailView, ObjectHistoryView, object_fields
from .pages import ModelPages
from .picker import PickView
from .preferences import TableConfigView
from .search import SearchView
from .signins import FailedSignInListView, SignInListView

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "PAGE_SIZES",
    "BulkActionMixin",
    "BulkDeleteView",
    "BulkEditView",
    "FailedSignInListView",
    "ModelPages",
    "ModelViewMixin",
    "ObjectDeleteView",
    "ObjectDetailView",
    "ObjectEditView",
    "ObjectHistoryView",
    "ObjectListView",
    "PasswordChangeView",
    "PickView",
    "SearchView",
    "SignInListView",
    "TableConfigView",
    "check_version",
    "deletion_summary",
    "object_fields",
    "safe_return_url",
    "view_name",
]
