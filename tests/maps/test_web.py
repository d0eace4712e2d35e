"""The diagram pages on the demo city, drawn by the real ``dot``: every view in the page, every download,
the wall screen, refused filters in both languages, the render cache and the time limit."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from infra.core.choices import Role
from infra.inventory.models import Site
from infra.maps.builders import VIEWS

from ..factories import UserFactory
from .web_city import MAGIC, demo_city_fixture, pdf_pages, view_queries  # noqa: F401  (the fixture demo_city)

pytestmark = pytest.mark.django_db

A3_LANDSCAPE = (1190.55, 841.89)


def _client(role: str = Role.ENGINEER, language: str = "en", **extra) -> Client:
    user = UserFactory(role=role, **extra)
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def client_en(demo_city):
    return _client()


@pytest.fixture
def client_id(demo_city):
    return _client(language="id")


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_is_drawn_in_the_page_with_links_zoom_and_downloads(client_en, view):
    query = view_queries()[view]
    response = client_en.get(f"/diagrams/?{query}")
    assert response.status_code == 200, response.content[:2000]
    html = response.content.decode()
    drawing = re.search(r'<div class="diagram-canvas[^>]*>(.*?)</div>\s*<p', html, re.S).group(1)
    assert drawing.lstrip().startswith("<svg"), "the SVG sits in the page, without its XML prolog"
    assert "<!--" not in drawing and "<!DOCTYPE" not in drawing
    assert re.search(r'href="/[a-z-]+/\d+/"', drawing), "nodes link to their objects' pages"
    assert "svg-pan-zoom.min.js" in html and "maps/diagram.js" in html
    for fmt in ("svg", "png", "dot"):
        assert f'data-format="{fmt}"' in html
    assert 'name="format" value="pdf"' in html and 'name="paper"' in html and 'name="orientation"' in html
    assert 'aria-current="page"' in html and f'data-view="{view}" aria-current' in html


@pytest.mark.parametrize("fmt", ["svg", "png", "dot", "pdf"])
def test_each_format_downloads_as_a_file(client_en, fmt):
    response = client_en.get(f"/diagrams/download/?view=city&format={fmt}&paper=A3&orientation=landscape")
    assert response.status_code == 200
    assert MAGIC[fmt](response.content)
    assert response["Content-Disposition"].startswith('attachment; filename="simpul-city-')
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "pdf":
        assert "a3-landscape" in response["Content-Disposition"]
        assert pdf_pages(response.content)
        for width, height in pdf_pages(response.content):
            assert (round(width, 0), round(height, 0)) == (round(A3_LANDSCAPE[0]), round(A3_LANDSCAPE[1]))


@pytest.mark.parametrize(
    ("paper", "orientation", "size"),
    [
        ("A4", "landscape", (842, 595)),
        ("A4", "portrait", (595, 842)),
        ("A3", "landscape", (1191, 842)),
        ("A3", "portrait", (842, 1191)),
    ],
)
def test_the_city_pdf_takes_the_paper_asked_for(client_en, paper, orientation, size):
    url = f"/diagrams/download/?view=city&format=pdf&paper={paper}&orientation={orientation}"
    response = client_en.get(url)
    assert response.status_code == 200, response.content[-500:]
    assert {(round(w), round(h)) for w, h in pdf_pages(response.content)} == {size}
    assert response["Content-Disposition"].endswith(f'-{paper.lower()}-{orientation}.pdf"')


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'data-field-error="{field}">(.*?)</(div|span)>', html, re.S)
    assert found, f"no message for {field}"
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("view=nowhere", "view"),
        ("view=city&organization=999999", "organization"),
        ("view=city&organization=abc", "organization"),
        ("view=city&as_of=1990-01-01", "as_of"),
        ("view=city&as_of=2999-01-01", "as_of"),
        ("view=city&as_of=31-12-2025x", "as_of"),
        ("view=site", "site"),
    ],
)
def test_refused_filters_say_why_in_both_languages(client_en, client_id, query, field):
    english = client_en.get(f"/diagrams/?{query}")
    indonesian = client_id.get(f"/diagrams/?{query}")
    assert english.status_code == indonesian.status_code == 400
    said_en, said_id = _field_error(english.content.decode(), field), _field_error(indonesian.content.decode(), field)
    assert said_en and said_id and said_en != said_id, (said_en, said_id)
    assert 'class="diagram-canvas' not in english.content.decode()


def test_a_bad_paper_on_a_download_is_a_message_not_a_500(client_en, client_id):
    for client in (client_en, client_id):
        response = client.get("/diagrams/download/?view=city&format=pdf&paper=A0")
        assert response.status_code == 400
        assert _field_error(response.content.decode(), "paper")
    response = client_en.get("/diagrams/download/?view=city&format=gif")
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "format")


def test_sign_in_is_required(demo_city):
    anonymous = Client()
    for url in ("/diagrams/", "/diagrams/download/?view=city&format=svg", "/diagrams/wall/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize("role", [Role.OPD_OPERATOR, Role.AUDITOR, Role.ADMINISTRATOR])
def test_every_role_reads_the_diagrams_as_it_reads_the_registry(demo_city, role):
    """OPD operators read every record elsewhere (core.permissions): the diagrams show them the same."""
    from infra.inventory.models import Organization

    extra = {"organization": Organization.objects.order_by("pk").first()} if role == Role.OPD_OPERATOR else {}
    client = _client(role=role, **extra)
    assert client.get("/diagrams/?view=city").status_code == 200
    assert client.get("/diagrams/download/?view=city&format=png").status_code == 200


def _count(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


def test_a_second_request_comes_from_the_cache_in_few_queries(client_en, query_counts):
    client_en.get("/diagrams/wall/")  # the session and the user's preferences are read once
    cold, first = _count(client_en, "/diagrams/?view=city")
    warm, second = _count(client_en, "/diagrams/?view=city")
    assert b'data-cached="0"' in first.content and b'data-cached="1"' in second.content
    assert warm < cold
    query_counts.check("web/diagrams/city", cold)
    query_counts.check("web/diagrams/city-cached", warm)
    cold_file, _ = _count(client_en, "/diagrams/download/?view=city&format=png")
    warm_file, _ = _count(client_en, "/diagrams/download/?view=city&format=png")
    assert warm_file < cold_file
    query_counts.check("web/diagrams/download-png", cold_file)
    query_counts.check("web/diagrams/download-png-cached", warm_file)


def test_the_cache_keeps_languages_and_filters_apart(client_en, client_id):
    english = client_en.get("/diagrams/?view=city").content
    indonesian = client_id.get("/diagrams/?view=city").content
    assert b'data-cached="0"' in english and b'data-cached="0"' in indonesian
    other = client_en.get("/diagrams/?view=city&colour_by=reachability").content
    assert b'data-cached="0"' in other


def test_a_change_in_the_registry_draws_the_diagram_afresh(client_en):
    site = Site.objects.order_by("pk").first()
    before = client_en.get("/diagrams/?view=city")
    assert site.name.encode() in before.content
    site.name = "Kantor Yang Baru Saja Berganti Nama"
    site.save()  # logged in the change log: the data version moves
    after = client_en.get("/diagrams/?view=city")
    assert b'data-cached="0"' in after.content
    assert b"Kantor Yang Baru Saja Berganti Nama" in after.content


def test_a_drawing_past_the_time_limit_says_so_in_both_languages(client_en, client_id, settings):
    settings.SIMPUL_DIAGRAM_TIMEOUT = 0.000001
    english = client_en.get("/diagrams/?view=city")
    indonesian = client_id.get("/diagrams/?view=city")
    assert english.status_code == indonesian.status_code == 503
    said = re.search(rb'data-testid="diagram-problem">(.*?)</div>', english.content, re.S).group(1).decode()
    assert "longer than" in said and "filter" in said
    with translation.override("id"):
        from django.utils.translation import gettext

        expected = gettext(
            "This diagram takes longer than %(seconds)s seconds to draw, so it was stopped. Narrow it down with a "
            "filter (an OPD, a region, a site, a wave) and try again."
        ) % {"seconds": "1e-06"}
    assert "detik" in expected
    assert expected.encode() in indonesian.content
    download = client_en.get("/diagrams/download/?view=city&format=pdf")
    assert download.status_code == 503 and b"longer than" in download.content


def test_the_wall_fills_the_screen_in_reachability_colours_with_nothing_to_click(client_en, query_counts):
    client_en.get("/diagrams/wall/?view=city")
    count, response = _count(client_en, "/diagrams/wall/?view=city")
    query_counts.check("web/diagrams/wall-cached", count)
    html = response.content.decode()
    assert response["X-Simpul-Wall"] == "1"
    assert "navbar" not in html and "<form" not in html
    assert 'data-refresh-seconds="30"' in html and "maps/wall.js" in html
    assert "<svg" in html and "reachability" in html
    fragment = client_en.get("/diagrams/wall/?view=city", HTTP_X_SIMPUL_WALL="1")
    assert fragment.status_code == 200 and fragment["X-Simpul-Wall"] == "1"
    assert b"<html" not in fragment.content and b"<svg" in fragment.content


def test_the_wall_shows_the_geographic_view_and_refuses_others(client_en, client_id):
    assert client_en.get("/diagrams/wall/?view=geographic").status_code == 200
    refused = client_en.get("/diagrams/wall/?view=fiber")
    assert refused.status_code == 400 and b"geographic" in refused.content
    assert refused["X-Simpul-Wall"] == "1"
    indonesian = client_id.get("/diagrams/wall/?view=fiber")
    assert indonesian.status_code == 400 and indonesian.content != refused.content


def test_the_menu_links_to_the_diagrams(client_en):
    html = client_en.get("/").content.decode()
    assert 'href="/diagrams/" data-testid="nav-diagrams"' in html


def test_hostile_names_stay_text_in_the_page(client_en):
    site = Site.objects.order_by("pk").first()
    site.name = '<script>alert("x")</script> & "a"'
    site.save()
    html = client_en.get("/diagrams/?view=city").content.decode()
    assert "<script>alert" not in html


HOSTILE = [
    "organization=99999999999999999999999",
    "site=99999999999999999999999&view=site",
    "wave=-1",
    "region=%00",
    "as_of=%00",
    "as_of=2025-02-30",
    "as_of=99999-01-01",
    "as_of=" + "9" * 500,
    "organization=" + "x" * 5000,
    "status=%27%3B%20DROP%20TABLE",
    "view=city&view=fiber",
    "colour_by=%C2%B2",
    "paper=%00&format=pdf",
    "site=%D9%A1%D9%A2&view=site",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_is_refused_never_a_500(client_en, query):
    for url in (f"/diagrams/?view=city&{query}", f"/diagrams/download/?view=city&format=svg&{query}"):
        response = client_en.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
    wall = client_en.get(f"/diagrams/wall/?{query}")
    assert wall.status_code in (200, 400), query


def test_a_tab_keeps_the_opd_and_the_date_but_not_the_site(client_en):
    query = view_queries()["site"] + "&status=active&organization=Diskominfo&colour_by=reachability"
    html = client_en.get(f"/diagrams/?{query}").content.decode()
    tab = re.search(r'href="\?([^"]*)" data-view="datacenter"', html).group(1).replace("&amp;", "&")
    assert "view=datacenter" in tab and "organization=Diskominfo" in tab and "colour_by=reachability" in tab
    assert "site=" not in tab and "status=" not in tab
    assert client_en.get(f"/diagrams/?{tab}").status_code == 200
