"""The demo city for the diagrams' web, API and CLI tests: loaded once per module, rolled back after.

Import ``demo_city_fixture`` into a test module to use ``demo_city`` there as a fixture.
"""

import io
import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from infra.inventory import demo
from infra.inventory.choices import SiteKind
from infra.inventory.models import Organization, Site


@pytest.fixture(scope="module", name="demo_city")
def demo_city_fixture(django_db_setup, django_db_blocker):
    """The demo city, with the tests' fast password hashers (a module fixture does not get conftest's)."""
    hashers = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    )
    with django_db_blocker.unblock(), hashers, transaction.atomic():
        demo.load_demo()
        yield
        transaction.set_rollback(True)


def view_queries() -> dict[str, str]:
    """Each view's query string on the demo city: the views that need an object are given one."""
    data_center = Site.objects.filter(kind=SiteKind.DATA_CENTER).order_by("pk").first()
    organization = Organization.objects.filter(devices__isnull=False).order_by("pk").first()
    from infra.maps.builders import VIEWS

    needs = {"site": f"&site={data_center.pk}", "organization": f"&organization={organization.pk}"}
    return {view: f"view={view}{needs.get(view, '')}" for view in VIEWS}


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """Each page's size in points (its media box), read with pypdf."""
    from pypdf import PdfReader

    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in PdfReader(io.BytesIO(data)).pages]


MAGIC = {
    "svg": lambda b: b"<svg" in b[:2000],
    "pdf": lambda b: b.startswith(b"%PDF-"),
    "png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "dot": lambda b: re.match(rb"\s*(strict\s+)?(di)?graph\b", b) is not None,
}
