from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template/<str:kind>.<str:fmt>", views.ImportTemplateView.as_view(), name="import_template"),
    *[pattern for pages in views.PAGES for pattern in pages.urls()],
]
