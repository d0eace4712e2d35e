"""The diagrams' API address, included under /api/ by the project's urls.py."""

from django.urls import path

from .views import DiagramView

urlpatterns = [path("diagrams/", DiagramView.as_view(), name="diagrams")]
