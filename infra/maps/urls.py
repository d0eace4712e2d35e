"""The diagrams' web addresses (under /diagrams/): the page, its files, and the wall screen."""

from django.urls import path

from .urls_history import urlpatterns as history_patterns  # snapshots and comparisons (helper snapweb)
from .views import DiagramDownloadView, DiagramView, WallView

app_name = "maps"

urlpatterns = [
    path("", DiagramView.as_view(), name="diagram"),
    path("download/", DiagramDownloadView.as_view(), name="download"),
    path("wall/", WallView.as_view(), name="wall"),
    *history_patterns,
]
