"""The snapshot and comparison pages (/diagrams/snapshots/, /diagrams/compare/): who may take a snapshot,
what a snapshot's page shows and gives, comparing two dates, refusals in both languages, fixed queries."""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.maps.models import DiagramSnapshot, SnapshotTrigger

from .history_city import END_OF_DECEMBER, END_OF_JANUARY, HistoryCity

pytestmark = pytest.mark.django_db

LIST = "/diagrams/snapshots/"
TAKE = "/diagrams/snapshots/take/"
COMPARE = "/diagrams/compare/"
COMPARE_FILE = "/diagrams/compare/file/"


@pytest.fixture
def city(db):
    return HistoryCity()


def signed_in(client, user, language: str = "en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def pdf_page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Every page's size in points."""
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(data)).pages]


# --- Taking a snapshot ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["engineer", "admin_user"])
def test_engineers_and_administrators_take_a_snapshot_with_its_change_record(client, city, role, request):
    user = request.getfixturevalue(role)
    signed_in(client, user)
    page = client.get(TAKE + "?view=fiber")
    assert page.status_code == 200 and 'value="fiber" selected' in page.content.decode()
    response = client.post(TAKE, {"view": "fiber", "as_of": "2025-12-31"})
    snapshot = DiagramSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("maps:diagramsnapshot", args=[snapshot.pk])
    assert snapshot.view == "fiber" and snapshot.as_of == END_OF_DECEMBER
    assert snapshot.taken_by == user and snapshot.trigger == SnapshotTrigger.ON_DEMAND
    record = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(DiagramSnapshot), object_id=snapshot.pk
    )
    assert record.action == ChangeAction.CREATE and record.user == user and record.source == ChangeSource.WEB
    shown = client.get(response["Location"])
    assert "Snapshot taken" in text(shown)


def test_a_snapshot_without_a_date_is_of_now(client, city, engineer):
    signed_in(client, engineer)
    response = client.post(TAKE, {"view": "city"})
    assert response.status_code == 302
    snapshot = DiagramSnapshot.objects.get()
    assert snapshot.figures["sites"]["total"] == 4  # the data center, two offices and the school
    assert {n.label for n in snapshot.drawing().nodes} >= {"Pusat Data", "SMPN 1"}


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_opd_operators_and_auditors_may_not_take_snapshots(client, city, role, request):
    signed_in(client, request.getfixturevalue(role))
    assert client.get(TAKE).status_code == 403
    assert client.post(TAKE, {"view": "city"}).status_code == 403
    assert not DiagramSnapshot.objects.exists()
    # ...and the list offers them no button for it, but reads.
    page = client.get(LIST)
    assert page.status_code == 200 and 'data-testid="take-snapshot-link"' not in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, city):
    snapshot = city.take()
    for url in (LIST, TAKE, COMPARE, f"{LIST}{snapshot.pk}/", f"{LIST}{snapshot.pk}/file/?format=svg"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert client.post(TAKE, {"view": "city"}).status_code == 302
    assert DiagramSnapshot.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "as_of", "message"),
    [
        ("en", "2025-02-30", "“2025-02-30” is not a date"),
        ("id", "2025-02-30", "“2025-02-30” bukan tanggal"),
        ("en", "2999-01-01", "The date is in the future"),
        ("id", "2999-01-01", "Tanggal itu di masa depan"),
        ("en", "2020-01-01", "The change history begins on"),
        ("id", "2020-01-01", "Riwayat perubahan dimulai pada"),
    ],
)
def test_a_bad_date_is_refused_in_the_users_language(client, city, engineer, language, as_of, message):
    signed_in(client, engineer, language)
    response = client.post(TAKE, {"view": "city", "as_of": as_of})
    assert response.status_code == 400 and message in text(response)
    assert not DiagramSnapshot.objects.exists()


def test_a_view_that_needs_a_site_says_so(client, city, engineer):
    signed_in(client, engineer)
    response = client.post(TAKE, {"view": "site"})
    assert response.status_code == 400 and "This view draws one site: choose the site." in text(response)
    response = client.post(TAKE, {"view": "nonsense"})
    assert response.status_code == 400 and "Unknown view" in text(response)


# --- The list ------------------------------------------------------------------------------------------


def test_the_list_filters_sorts_and_shows_the_figures(client, city, auditor, engineer):
    december = city.take("city", END_OF_DECEMBER, user=engineer)
    city.monthly()  # January's city and fiber views
    signed_in(client, auditor)
    page = client.get(LIST)
    body = text(page)
    assert page.status_code == 200 and 'data-testid="total">3<' in body.replace(" ", "")
    assert "2 of 3" in body and "0 of 3" in body  # January: both scheduled servers moved; December: none
    assert reverse("maps:diagramsnapshot", args=[december.pk]) in body
    fiber_only = text(client.get(LIST + "?view=fiber"))
    assert "Fiber network" in fiber_only and 'data-testid="total">1<' in fiber_only.replace(" ", "")
    scheduled = text(client.get(LIST + "?trigger=scheduled"))
    assert 'data-testid="total">2<' in scheduled.replace(" ", "")
    in_december = text(client.get(LIST + "?as_of_after=2025-12-01&as_of_before=2025-12-31"))
    assert 'data-testid="total">1<' in in_december.replace(" ", "")
    oldest_first = text(client.get(LIST + "?sort=as_of"))
    assert oldest_first.index(f"/snapshots/{december.pk}/") < oldest_first.index("Fiber network")
    export = client.get(LIST + "?export=csv")
    exported = b"".join(export.streaming_content)
    assert export.status_code == 200 and b"Fiber network" in exported and b"Pusat Data" not in exported


@pytest.mark.parametrize("query", ["as_of_after=2025-13-45", "view=nonsense", "page=abc", "sort=figures", "trigger=x"])
def test_bad_list_filters_are_said_not_crashed_on(client, city, engineer, query):
    city.take()
    signed_in(client, engineer)
    assert client.get(f"{LIST}?{query}").status_code == 200


# --- A snapshot's page and files --------------------------------------------------------------------


def test_a_snapshot_page_shows_the_figures_and_the_drawing_as_it_was(client, city, auditor):
    snapshot = city.take("city", END_OF_DECEMBER)
    signed_in(client, auditor)
    page = client.get(f"{LIST}{snapshot.pk}/")
    body = text(page)
    assert page.status_code == 200
    assert "31 December 2025" in body and "the monthly task" not in body
    # December: four sites (the old office still there), two of two servers not moved yet.
    assert 'data-figure="sites"' in body and "0 of 2" in body
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "Kantor Lama" in svg and "SMPN 1" not in svg  # the school came in January
    assert "<?xml" not in body and "<!--" not in svg
    assert "compare_from=2025-12-31" in body  # "compare with now" starts from its date


def test_a_snapshot_is_downloaded_in_every_format_and_paper(client, city, engineer):
    snapshot = city.take("fiber", END_OF_JANUARY)
    signed_in(client, engineer)
    url = f"{LIST}{snapshot.pk}/file/"
    svg = client.get(url + "?format=svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"SMPN 1" in svg.content
    assert f"simpul-snapshot-{snapshot.pk}-fiber-2026-01-31.svg" in svg["Content-Disposition"]
    png = client.get(url + "?format=png")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    dot = client.get(url + "?format=dot")
    assert dot.content.lstrip().startswith((b"digraph", b"graph", b"strict"))
    pdf = client.get(url + "?format=pdf&paper=A3&orientation=portrait")
    assert pdf.content.startswith(b"%PDF") and "a3-portrait" in pdf["Content-Disposition"]
    sizes = pdf_page_sizes(pdf.content)
    assert sizes and all(abs(w - 841.89) < 1.5 and abs(h - 1190.55) < 1.5 for w, h in sizes), sizes
    a4 = pdf_page_sizes(client.get(url + "?format=pdf").content)
    assert a4 and all(abs(w - 841.89) < 1.5 and abs(h - 595.28) < 1.5 for w, h in a4), a4


@pytest.mark.parametrize(
    ("language", "query", "message"),
    [
        ("en", "format=pdf&paper=B5", "Unknown paper size “B5”: use A4 or A3."),
        ("id", "format=pdf&paper=B5", "Ukuran kertas “B5” tidak dikenal"),
        ("en", "format=gif", "Unknown format “gif”"),
        ("en", "format=pdf&orientation=sideways", "Unknown orientation “sideways”"),
    ],
)
def test_a_bad_file_request_is_refused_in_the_users_language(client, city, engineer, language, query, message):
    snapshot = city.take()
    signed_in(client, engineer, language)
    response = client.get(f"{LIST}{snapshot.pk}/file/?{query}")
    assert response.status_code == 400 and message in text(response)


def test_an_unknown_snapshot_is_not_found(client, city, engineer):
    signed_in(client, engineer)
    for pk in (999, 2**70):
        assert client.get(f"{LIST}{pk}/").status_code == 404
        assert client.get(f"{LIST}{pk}/file/?format=svg").status_code == 404


# --- Comparing two dates ---------------------------------------------------------------------------------


def compare(client, **query):
    data = {"view": "city", "compare_from": "2025-12-31", "as_of": "2026-01-31", **query}
    return client.get(COMPARE, data)


def test_comparing_two_dates_draws_the_changes_with_their_legend(client, city, operator):
    signed_in(client, operator)
    response = compare(client)
    body = text(response)
    assert response.status_code == 200
    svg = body[body.index("<svg") : body.index("</svg>")]
    for label in ("Added since Dec. 31, 2025", "Removed since Dec. 31, 2025"):
        assert label in svg and label in body[body.index('data-testid="change-summary"') :]
    summary = {m: int(c) for m, c in re.findall(r'data-mark="(\w+)" data-count="(\d+)"', body)}
    # The school and its link came; the old office and its link went; BPKAD's link was laid.
    assert summary["added"] == 2 and summary["removed"] == 2 and summary["changed"] >= 1
    assert "SMPN 1" in body and "Kantor Lama" in body


def test_comparing_reads_stored_snapshots_and_is_always_coloured_by_migration(client, city, engineer):
    city.take("city", END_OF_DECEMBER)
    city.monthly()
    signed_in(client, engineer)
    with CaptureQueriesContext(connection) as stored:
        response = compare(client, colour_by="reachability")
    assert response.status_code == 200 and "Added since Dec. 31, 2025" in text(response)
    assert "reachability" not in text(response).split('data-testid="diagram"')[1].split("</svg>")[0].lower()
    reads = [q["sql"] for q in stored.captured_queries if "maps_diagramsnapshot" in q["sql"]]
    assert len(reads) == 2  # both dates from their snapshots, nothing rebuilt


@pytest.mark.parametrize(
    ("language", "query", "field", "message"),
    [
        ("en", {"compare_from": "2026-01-31", "as_of": "2025-12-31"}, "compare_from", "must be before the second"),
        ("id", {"compare_from": "2026-01-31", "as_of": "2025-12-31"}, "compare_from", "harus sebelum tanggal kedua"),
        ("en", {"compare_from": ""}, "compare_from", "Choose the earlier date to compare from."),
        ("id", {"compare_from": ""}, "compare_from", "Pilih tanggal awal"),
        ("en", {"compare_from": "31-31-2025"}, "compare_from", "is not a date"),
        ("id", {"compare_from": "31-31-2025"}, "compare_from", "bukan tanggal"),
        ("en", {"as_of": "2999-12-31"}, "as_of", "The date is in the future"),
        ("en", {"compare_from": "2019-12-31"}, "compare_from", "The change history begins on"),
        ("id", {"compare_from": "2019-12-31"}, "compare_from", "Riwayat perubahan dimulai pada"),
        ("en", {"view": "site"}, "site", "This view draws one site"),
        ("en", {"organization": "Nope"}, "organization", "Unknown OPD “Nope”."),
    ],
)
def test_bad_comparisons_are_form_errors_in_the_users_language(client, city, engineer, language, query, field, message):
    signed_in(client, engineer, language)
    response = compare(client, **query)
    assert response.status_code == 400
    assert re.search(rf'data-field-error="{field}">[^<]*{re.escape(message)}', text(response)), text(response)[-3000:]
    download = client.get(COMPARE_FILE, {"view": "city", "compare_from": "2025-12-31", "as_of": "2026-01-31", **query})
    assert download.status_code == 400 and message in text(download)


def test_the_compare_page_starts_with_its_form(client, city, engineer):
    signed_in(client, engineer)
    response = client.get(COMPARE)
    assert response.status_code == 200 and 'data-testid="compare-form"' in response.content.decode()
    assert "data-field-error" not in response.content.decode()


def test_a_comparison_is_downloaded_in_every_format(client, city, engineer):
    signed_in(client, engineer)
    query = {"view": "fiber", "compare_from": "2025-12-31", "as_of": "2026-01-31"}
    svg = client.get(COMPARE_FILE, {**query, "format": "svg"})
    assert svg.status_code == 200 and b"Added since Dec. 31, 2025" in svg.content
    assert "simpul-fiber-changes-2025-12-31-2026-01-31.svg" in svg["Content-Disposition"]
    assert client.get(COMPARE_FILE, {**query, "format": "png"}).content.startswith(b"\x89PNG")
    assert b"Removed since" in client.get(COMPARE_FILE, {**query, "format": "dot"}).content
    pdf = client.get(COMPARE_FILE, {**query, "format": "pdf", "paper": "A3", "orientation": "landscape"})
    sizes = pdf_page_sizes(pdf.content)
    assert sizes and all(abs(w - 1190.55) < 1.5 and abs(h - 841.89) < 1.5 for w, h in sizes), sizes


def test_a_comparison_in_indonesian(client, city, engineer):
    signed_in(client, engineer, "id")
    body = text(compare(client))
    assert "Bandingkan dua tanggal" in body and "Ditambahkan sejak 31 Des. 2025" in body


# --- Fixed numbers of queries -------------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.query_counts
def test_the_history_pages_run_a_fixed_number_of_queries(client, city, engineer, query_counts):
    # in the snapshots' language (Indonesian, as monthly ones are drawn), so that they are read, not rebuilt
    signed_in(client, engineer, "id")
    with translation.override("id"):
        december = city.take("city", END_OF_DECEMBER, user=engineer)
        city.monthly()
    pages = {
        "web/list/maps-snapshots": LIST,
        "web/detail/maps-snapshots": f"{LIST}{december.pk}/",
        "web/maps-compare-stored": f"{COMPARE}?view=city&compare_from=2025-12-31&as_of=2026-01-31",
        "web/maps-take-form": TAKE,
    }
    small = {name: queries(client, url) for name, url in pages.items()}
    city.grow(30, user=engineer)
    assert {name: queries(client, url) for name, url in pages.items()} == small
    for name, count in small.items():
        query_counts.check(name, count)


# --- From the second review -----------------------------------------------------------------------------------


def test_a_snapshot_in_another_language_is_not_compared_word_for_word(client, city, engineer):
    """A snapshot keeps the words of the language it was taken in: compared with a drawing in another
    language it would mark every label changed. Nothing changed between these two moments."""
    with translation.override("id"):
        city.take("city", END_OF_JANUARY)
    signed_in(client, engineer, "en")
    body = text(compare(client, compare_from="2026-01-31", as_of="2026-02-01"))
    summary = {m: int(c) for m, c in re.findall(r'data-mark="(\w+)" data-count="(\d+)"', body)}
    assert summary == {"added": 0, "removed": 0, "changed": 0}, summary


def test_marks_that_do_not_occur_are_named_in_the_readers_language(client, city, engineer):
    signed_in(client, engineer, "id")
    body = text(compare(client, compare_from="2026-01-31", as_of="2026-02-01"))
    assert re.search(r'data-mark="removed" data-count="0"', body)
    assert "Dihapus" in body and ">removed" not in body and "removed:" not in body


def test_today_as_the_later_date_means_now(client, city, engineer):
    from django.utils import timezone

    signed_in(client, engineer)
    response = compare(client, compare_from="2026-01-31", as_of=timezone.localdate().isoformat())
    assert response.status_code == 200, text(response)[-2000:]


def test_keep_as_a_snapshot_carries_only_the_diagrams_own_fields(client, city, engineer):
    signed_in(client, engineer)
    body = client.get("/diagrams/", {"view": "city", "csrfmiddlewaretoken": "x", "evil": "1"}).content.decode()
    form = body[body.index('data-testid="take-this-snapshot"') :].split("</form>")[0]
    assert 'name="view" value="city"' in form
    assert 'value="x"' not in form and 'name="evil"' not in form


def test_a_snapshot_file_past_the_time_limit_says_so(client, city, engineer, settings):
    snapshot = city.take("city", END_OF_DECEMBER, user=engineer)
    signed_in(client, engineer)
    assert client.get(f"{LIST}{snapshot.pk}/").status_code == 200  # its SVG is drawn and kept
    settings.SIMPUL_DIAGRAM_TIMEOUT = 0.000001
    response = client.get(f"{LIST}{snapshot.pk}/file/", {"format": "pdf", "paper": "A3"})
    assert response.status_code == 503
    said = re.search(r'data-testid="diagram-problem">(.*?)</div>', response.content.decode(), re.S)
    assert said and "longer than" in said.group(1)


@pytest.mark.parametrize(("language", "said"), [("en", "Unknown paper size"), ("id", "Ukuran kertas")])
def test_a_comparison_file_with_bad_file_options_says_why(client, city, engineer, language, said):
    signed_in(client, engineer, language)
    query = {"view": "city", "compare_from": "2025-12-31", "as_of": "2026-01-31", "format": "pdf", "paper": "A9"}
    response = client.get(COMPARE_FILE, query)
    assert response.status_code == 400
    assert re.search(rf'data-field-error="paper">[^<]*{said}', text(response)), text(response)[-2000:]
