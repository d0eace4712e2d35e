"""Where the diagram page and ``manage.py diagram`` meet snapshots and comparisons: the page's links and
its "keep as a snapshot" button (engineers and administrators only), and ``--compare-from``."""

import io

import pytest
from django.core.management import call_command

from infra.maps.models import DiagramSnapshot

from .history_city import HistoryCity

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return HistoryCity()


def test_the_diagram_page_keeps_its_view_as_a_snapshot(client, city, engineer):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    page = client.get("/diagrams/", {"view": "fiber", "as_of": "2025-12-31", "format": "png"}).content.decode()
    assert 'data-testid="snapshots-link"' in page and 'href="/diagrams/compare/?view=fiber"' in page
    form = page[page.index('data-testid="take-this-snapshot"') : page.index("Keep as a snapshot")]
    assert 'name="view" value="fiber"' in form and 'name="as_of" value="2025-12-31"' in form
    assert 'name="format"' not in form
    response = client.post("/diagrams/snapshots/take/", {"view": "fiber", "as_of": "2025-12-31"})
    snapshot = DiagramSnapshot.objects.get()
    assert response.status_code == 302 and snapshot.view == "fiber" and snapshot.taken_by == engineer


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_others_see_the_links_but_no_button(client, city, role, request):
    client.force_login(request.getfixturevalue(role))
    page = client.get("/diagrams/", {"view": "fiber"}).content.decode()
    assert 'data-testid="snapshots-link"' in page and 'data-testid="take-this-snapshot"' not in page


def test_manage_py_diagram_compares_two_dates(city, tmp_path):
    out = tmp_path / "changes.svg"
    err = io.StringIO()
    call_command(
        "diagram",
        "city",
        "--compare-from",
        "2025-12-31",
        "--as-of",
        "2026-01-31",
        "-o",
        str(out),
        "--language",
        "en",
        stderr=err,
    )
    assert b"Added since Dec. 31, 2025" in out.read_bytes()
    assert "Removed since Dec. 31, 2025: 2" in err.getvalue()
