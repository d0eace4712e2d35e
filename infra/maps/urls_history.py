"""The diagrams' addresses over time (under /diagrams/, in the ``maps`` namespace): snapshots and comparisons.

Included by ``infra/maps/urls.py``; the names follow the project's rule (``maps:diagramsnapshot`` is a
snapshot's page, ``maps:diagramsnapshot_list`` the list), so the change log links to snapshots too.
"""

from django.urls import path

from .views_history import (
    CompareFileView,
    CompareView,
    SnapshotDetailView,
    SnapshotFileView,
    SnapshotListView,
    SnapshotTakeView,
)

urlpatterns = [
    path("snapshots/", SnapshotListView.as_view(), name="diagramsnapshot_list"),
    path("snapshots/take/", SnapshotTakeView.as_view(), name="diagramsnapshot_take"),
    path("snapshots/<int:pk>/", SnapshotDetailView.as_view(), name="diagramsnapshot"),
    path("snapshots/<int:pk>/file/", SnapshotFileView.as_view(), name="diagramsnapshot_file"),
    path("compare/", CompareView.as_view(), name="compare"),
    path("compare/file/", CompareFileView.as_view(), name="compare_file"),
]
