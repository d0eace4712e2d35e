
from . import views

app_name = "inventory"

urlpatterns = [pattern for pages in views.PAGES for pattern in pages.urls()]
