"""The monthly availability report: every figure against intervals computed by hand (the month's edges
at midnight Asia/Jakarta, the state before the month, maintenance over an edge and inside a downtime,
unknown time), the same figures as selectors.report for each scope, the page, the CSV, XLSX and PDF
carrying the same numbers, the API, permissions and bad input, and fixed queries at two sizes."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from infra.core.choices import Role
from infra.probes import report_files, reports, selectors, state
from infra.probes.models import CheckEvent, MaintenanceWindow

from ..api.conftest import token_client
from ..factories import (
    CheckFactory,
    DeviceFactory,
    OrganizationFactory,
    SiteFactory,
    SnmpCredentialFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
H = 3600
MARCH = datetime.date(2026, 3, 1)
# March 2026 in Asia/Jakarta (UTC+7): from 1 March 00:00 local = 28 February 17:00 UTC, 31 days
START = datetime.datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
END = datetime.datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
MONTH = 31 * 24 * H


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def event(check, when: str, new: str) -> None:
    CheckEvent.objects.create(probe_check=check, at=at(when), kind="state", new_state=new)


def window(when: str, until: str, **target) -> None:
    MaintenanceWindow.objects.create(start=at(when), end=at(until), reason="uji", **target)


@pytest.fixture
def city(organization):
    """One OPD (the operator's) with two sites, another OPD with one; events and windows written by hand
    (times in UTC)."""
    s1 = SiteFactory(name="Puskesmas Satu", organization=organization)
    s2 = SiteFactory(name="Puskesmas Dua", organization=organization)
    d1 = DeviceFactory(name="srv-satu", site=s1, organization=organization)
    d2 = DeviceFactory(name="sw-satu", site=s1, organization=organization)
    d3 = DeviceFactory(name="srv-dua", site=s2, organization=organization)
    c1 = CheckFactory(device=d1, address="127.40.0.1")
    c2 = CheckFactory(kind="snmp", device=d1, address="127.40.0.1", credential=SnmpCredentialFactory())
    c3 = CheckFactory(device=d2, address="127.40.0.2")
    c4 = CheckFactory(device=d3, address="127.40.0.3")
    other = OrganizationFactory(short_name="Lain", name="Dinas Lain")
    s3 = SiteFactory(name="Kantor Lain", organization=other)
    c5 = CheckFactory(device=DeviceFactory(name="srv-lain", site=s3, organization=other), address="127.40.0.4")

    # c1: down since 23:00 local on 28 February, so down from the month's first instant; up at 01:00
    # local; down 2 h on 10 March; unknown for the last 30 minutes; a change at the month's end and
    # one after it (1 April local) are April's
    event(c1, "2026-02-28T16:00", "down")
    event(c1, "2026-02-28T18:00", "up")
    event(c1, "2026-03-10T00:00", "down")
    event(c1, "2026-03-10T02:00", "up")
    event(c1, "2026-03-31T16:30", "unknown")
    event(c1, "2026-03-31T17:00", "down")
    # c2 (SNMP on the same device): never had a state
    # c3: up since January; down one hour inside c1's outage; down again at 00:30 local on 1 April
    event(c3, "2026-01-01T00:00", "up")
    event(c3, "2026-03-10T00:30", "down")
    event(c3, "2026-03-10T01:30", "up")
    event(c3, "2026-03-31T17:30", "down")
    # c4: first state on 2 March 00:00 local; down a whole day, with a site window in its middle
    event(c4, "2026-03-01T17:00", "up")
    event(c4, "2026-03-20T17:00", "down")
    event(c4, "2026-03-21T17:00", "up")
    event(c5, "2026-02-01T00:00", "up")
    # the OPD's window across the month's start (its last 30 minutes are March's), one on srv-satu
    # over the second half of its outage, one on site Dua inside c4's down day, and another OPD's
    window("2026-02-28T12:00", "2026-02-28T17:30", organization=organization)
    window("2026-03-10T01:00", "2026-03-10T03:00", device=d1)
    window("2026-03-21T05:00", "2026-03-21T09:00", site=s2)
    window("2026-03-05T00:00", "2026-03-06T00:00", organization=other)
    return {
        "org": organization,
        "other": other,
        "sites": (s1, s2, s3),
        "devices": (d1, d2, d3),
        "checks": (c1, c2, c3, c4, c5),
    }


def figures(up, down, unknown, maintenance, count, downtime, longest) -> dict:
    assert up + down + unknown + maintenance == MONTH
    counted = up + down + unknown
    return {
        "up": up,
        "down": down,
        "unknown": unknown,
        "maintenance": maintenance,
        "percent": None if not counted else 100.0 * (up / counted),
        "known_percent": None if not up + down else 100.0 * (up / (up + down)),
        "downtime_count": count,
        "downtime_seconds": downtime,
        "longest_seconds": longest,
    }


def as_dict(f: reports.Figures) -> dict:
    return {k: getattr(f, k) for k in figures(MONTH, 0, 0, 0, 0, 0, 0)}


# By hand. c1: down [S, S+1h) of which the OPD window takes the first 30 min; down 00:00-02:00 on
# 10 March of which the device window (01:00-03:00) takes the second hour; unknown the last 30 min.
C1 = figures(MONTH - 9000 - 5400 - 1800, 1800 + 3600, 1800, 1800 + 7200, 2, 5400, 3600)
C2 = figures(0, 0, MONTH - 9000, 9000, 0, 0, 0)
C3 = figures(MONTH - 1800 - 3600, 3600, 0, 1800, 1, 3600, 3600)
# c4: unknown until 2 March 00:00 local (1 day, its first 30 min under the OPD window), down 24 h less
# the site's 4 h window, which cuts it in two (12 h and 8 h)
C4 = figures(MONTH - 16200 - 72000 - 84600, 72000, 84600, 1800 + 14400, 2, 72000, 12 * H)
# site Satu: down only while both devices are (00:30-01:30 on 10 March); only the OPD window applies
S1 = figures(MONTH - 1800 - 3600, 3600, 0, 1800, 1, 3600, 3600)
S2 = C4
# the OPD: site Satu or Dua is up at every instant
TOTAL = figures(MONTH - 1800, 0, 0, 1800, 0, 0, 0)


def test_every_figure_matches_intervals_computed_by_hand(city):
    c1, c2, c3, c4, _c5 = city["checks"]
    d1, d2, d3 = city["devices"]
    s1, s2, _s3 = city["sites"]
    report = reports.monthly(city["org"].pk, MARCH)
    assert (report.start, report.end, report.time_zone) == (START, END, "Asia/Jakarta")
    assert report.local_start.isoformat() == "2026-03-01T00:00:00+07:00"
    assert report.organization == city["org"].name
    assert report.checks_count == 4
    checks = {row.pk: as_dict(row.figures) for row in report.checks}
    assert checks == {c1.pk: C1, c2.pk: C2, c3.pk: C3, c4.pk: C4}
    devices = {row.pk: as_dict(row.figures) for row in report.devices}
    # srv-satu follows its ICMP check (reachability), not its SNMP one
    assert devices == {d1.pk: C1, d2.pk: C3, d3.pk: C4}
    assert {row.pk: as_dict(row.figures) for row in report.sites} == {s1.pk: S1, s2.pk: S2}
    assert as_dict(report.total) == TOTAL
    assert [(r.name, r.context, r.checks) for r in report.sites] == [
        ("Puskesmas Dua", city["org"].short_name, 1),
        ("Puskesmas Satu", city["org"].short_name, 3),
    ]
    assert {r.name: r.checks for r in report.devices} == {"srv-dua": 1, "srv-satu": 2, "sw-satu": 1}


def test_the_next_month_starts_from_the_state_the_last_one_ended_in(city):
    c1, _c2, c3, _c4, _c5 = city["checks"]
    april = reports.monthly(city["org"].pk, datetime.date(2026, 4, 1))
    month = 30 * 24 * H
    assert april.start == END
    rows = {row.pk: row.figures for row in april.checks}
    # c1 went down at the first instant of April; c3 at 00:30 local, after 30 minutes up
    assert (rows[c1.pk].down, rows[c1.pk].downtime_count, rows[c1.pk].longest_seconds) == (month, 1, month)
    assert (rows[c3.pk].up, rows[c3.pk].down, rows[c3.pk].downtime_count) == (1800, month - 1800, 1)


def test_the_rows_agree_with_the_report_of_each_scope(city):
    """reports.monthly and selectors.report compute one scope the same way: equal availability for every
    row; equal down stretches where no window cuts them, and downtime = down time everywhere."""
    report = reports.monthly(city["org"].pk, MARCH)
    pairs = [("check", r) for r in report.checks] + [("device", r) for r in report.devices]
    pairs += [("site", r) for r in report.sites]
    for scope, row in pairs:
        one = selectors.report(scope, row.pk, START, END)
        f = row.figures
        assert (f.up, f.down, f.unknown, f.maintenance) == (
            one.availability.up,
            one.availability.down,
            one.availability.unknown,
            one.availability.maintenance,
        ), (scope, row.name)
        assert f.downtime_seconds == f.down
    whole = selectors.report("organization", city["org"].pk, START, END).availability
    assert (report.total.up, report.total.maintenance) == (whole.up, whole.maintenance)
    c3 = city["checks"][2]
    assert [d.seconds for d in selectors.report("check", c3.pk, START, END).downtimes] == [3600]


def test_the_whole_city(city):
    report = reports.monthly(None, MARCH)
    assert report.organization == "" and report.checks_count == 5
    assert [r.name for r in report.sites] == ["Kantor Lain", "Puskesmas Dua", "Puskesmas Satu"]
    lain = report.sites[0].figures
    # the other OPD's window is its site's maintenance; the city as a whole has no window of its own
    assert (lain.up, lain.maintenance, lain.percent) == (MONTH - 86400, 86400, 100.0)
    assert as_dict(report.total) == figures(MONTH, 0, 0, 0, 0, 0, 0)


def test_outside_cuts_windows_out_of_intervals():
    t = [state.Interval(at("2026-03-01T00:00"), at("2026-03-01T10:00"), state.State.DOWN)]
    cut = state.outside(
        t,
        [(at("2026-03-01T02:00"), at("2026-03-01T03:00")), (at("2026-03-01T02:30"), at("2026-03-01T04:00"))],
        at("2026-03-01T01:00"),
        at("2026-03-01T09:00"),
    )
    assert [(i.start.hour, i.end.hour) for i in cut] == [(1, 2), (4, 9)]


def test_month_parsing():
    assert reports.parse_month("2026-3") == MARCH
    for bad in ("2026-13", "2026-00", "maret", "", "2026-03-01", "0001-01", "99999-01"):
        with pytest.raises(reports.BadMonth):
            reports.parse_month(bad)
    assert reports.last_full_month(datetime.date(2026, 1, 15)) == datetime.date(2025, 12, 1)


def test_durations_and_percentages_as_people_read_them():
    with translation.override("id"):
        _durations_and_percentages()
    with translation.override("en"):
        assert reports.format_span(2 * H + 14 * 60) == "2 h 14 m"
        assert reports.format_percent(99.5) == "99.50 %"


def _durations_and_percentages():
    assert reports.format_span(2 * H + 14 * 60 + 59) == "2 j 14 m"
    assert reports.format_span(45) == "45 dtk"
    assert reports.format_span(31 * 24 * H) == "744 j 0 m"
    assert reports.format_percent(99.99999) == "99,99 %"
    assert reports.format_percent(None) == "–"


# --- the page and its files ------------------------------------------------------------------------


def _cells(html: str, testid: str) -> dict[str, list[str]]:
    """{field: [values in row order]} of one of the page's tables."""
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    out: dict[str, list[str]] = {}
    for field, value in re.findall(r'data-field="([a-z_]+)">([^<]*)<', table):
        out.setdefault(field, []).append(value)
    return out


def _page(client, **params) -> str:
    response = client.get(reverse("probes:availability-report"), params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_page_shows_the_figures_and_its_xlsx_and_pdf_carry_the_same(client, city, auditor):
    client.force_login(auditor)
    org = city["org"]
    html = _page(client, month="2026-03", organization=org.pk, **{"checks-sort": "name"})
    assert "2026-03-01 00:00 – 2026-04-01 00:00" in html and "Asia/Jakarta" in html
    total = _cells(html, "report-total")
    assert total["percent"] == ["100,00 %"] and total["maintenance"] == ["30 m"]
    checks = _cells(html, "report-checks")
    c1 = reports.format_percent(C1["percent"])
    assert c1 == "99,73 %"
    # sorted by name: ICMP 127.40.0.1 (c1), .2 (c3), .3 (c4), then SNMP 127.40.0.1 (c2)
    assert checks["percent"] == [c1, "99,86 %", reports.format_percent(C4["percent"]), "0,00 %"]
    assert checks["downtime"] == ["1 j 30 m", "1 j 0 m", "20 j 0 m", "0 dtk"]
    assert checks["longest"] == ["1 j 0 m", "1 j 0 m", "12 j 0 m", "0 dtk"]
    assert checks["unknown"] == ["30 m", "0 dtk", "23 j 30 m", reports.format_span(C2["unknown"])]
    assert checks["downtime_count"] == ["2", "1", "2", "0"]

    # XLSX: the same figures, as numbers with formats
    response = client.get(
        reverse("probes:availability-report"), {"month": "2026-03", "organization": org.pk, "export": "xlsx"}
    )
    assert response.status_code == 200 and response["Content-Type"] == report_files.exports.XLSX_TYPE
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Ringkasan", "Lokasi", "Perangkat", "Pemeriksaan"]
    sheet = book["Pemeriksaan"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == org.name and values[2][1] == "Asia/Jakarta"
    assert values[5][0] == "Nama" and values[4] == (None,) * len(values[4])
    body = sorted(values[6:], key=lambda r: r[0])
    assert [r[0] for r in body] == [
        "ICMP (ping) 127.40.0.1",
        "ICMP (ping) 127.40.0.2",
        "ICMP (ping) 127.40.0.3",
        "SNMP 127.40.0.1",
    ]
    row = body[0]
    assert sheet.cell(row=7, column=4).number_format == report_files.PERCENT_FORMAT
    assert f"{row[3] * 100:.2f} %".replace(".", ",") == c1
    assert row[5] == 2

    def seconds(v):
        return round(v.total_seconds() if isinstance(v, datetime.timedelta) else v * 86400)

    assert [seconds(v) for v in row[6:10]] == [5400, 3600, 1800, 9000]
    summary = list(book["Ringkasan"].iter_rows(values_only=True))
    assert summary[6][3] == 1.0 and seconds(summary[6][9]) == 1800

    # PDF: the page's text, page numbers, A4
    response = client.get(
        reverse("probes:availability-report"), {"month": "2026-03", "organization": org.pk, "export": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert round(float(pdf.pages[0].mediabox.width)) == 595  # A4: 210 mm in points
    for expected in (
        org.name,
        "Asia/Jakarta",
        "2026-03-01 00:00",
        c1,
        "99,86 %",
        "20 j 0 m",
        "12 j 0 m",
        "23 j 30 m",
        "Halaman 1 / ",
    ):
        assert expected in text, expected


def test_the_csv_has_every_row_with_raw_numbers(client, city, engineer):
    client.force_login(engineer)
    response = client.get(
        reverse("probes:availability-report"), {"month": "2026-03", "organization": city["org"].pk, "export": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == [
        "total",
        "site",
        "site",
        "device",
        "device",
        "device",
        "check",
        "check",
        "check",
        "check",
    ]
    c4 = next(r for r in rows if r[0] == "check" and r[1] == str(city["checks"][3].pk))
    assert [float(v) for v in c4[7:]] == [C4["up"], 72000, 84600, 16200, 2, 72000, 43200]


def test_an_operator_sees_their_own_opd_by_default_and_may_choose_another(client, city, operator):
    client.force_login(operator)
    html = _page(client)
    assert f'<option value="{city["org"].pk}" selected>' in html
    html = _page(client, month="2026-03", organization=city["other"].pk)
    assert "srv-lain" in html and "srv-satu" not in html


def test_the_auditor_sees_the_whole_city_by_default(client, city, auditor):
    client.force_login(auditor)
    html = _page(client, month="2026-03")
    assert "srv-lain" in html and "srv-satu" in html
    assert "Seluruh kota" in html


def test_bad_input_says_what_is_wrong_and_changes_nothing(client, city, engineer):
    client.force_login(engineer)
    url = reverse("probes:availability-report")
    for params, message in [
        ({"month": "2026-13"}, "Tidak ada bulan seperti itu"),
        ({"month": "maret"}, "YYYY-MM"),
        ({"month": "2026-03", "organization": "999999"}, "Tidak ada OPD seperti itu"),
        ({"month": "2026-03", "organization": "abc", "export": "pdf"}, "Tidak ada OPD seperti itu"),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.content.decode(), params


def test_empty_state(client, engineer):
    client.force_login(engineer)
    html = _page(client, month="2026-03")
    assert 'data-testid="report-empty"' in html


def test_login_is_required(client):
    response = client.get(reverse("probes:availability-report"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_gives_the_same_figures_in_seconds(city, auditor):
    api = token_client(auditor, read_only=True)
    url = "/api/probes/reports/availability/"
    data = api.get(url, {"organization": city["org"].pk, "month": "2026-03"}).json()
    assert data["start"].startswith("2026-03-01T00:00:00+07:00") or data["start"] == "2026-02-28T17:00:00Z"
    assert data["time_zone"] == "Asia/Jakarta" and data["checks"] == 4
    c4 = next(r for r in data["checks_rows"] if r["id"] == city["checks"][3].pk)
    assert (c4["down_seconds"], c4["downtime_count"], c4["longest_seconds"], c4["unknown_seconds"]) == (
        72000,
        2,
        43200,
        84600,
    )
    assert data["total"]["percent"] == 100.0
    whole = api.get(url, {"month": "2026-03", "organization": ""}).json()
    assert whole["organization"] is None and whole["checks"] == 5
    response = api.get(url, {"organization": city["org"].pk, "month": "2026-03", "format": "csv"})
    assert response.status_code == 200 and "up_seconds" in b"".join(response.streaming_content).decode()
    response = api.get(url, {"organization": city["org"].pk, "month": "2026-03", "format": "xlsx"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert api.get(url, {"month": "2026-13"}).status_code == 400
    assert api.get(url, {"organization": 999999}).status_code == 400
    assert api.get(url, {"format": "doc"}).status_code == 400


def test_a_name_with_quotes_and_line_breaks_makes_a_plain_file_name(client, engineer):
    org = OrganizationFactory(name='Dinas "Baru"\r\nX-Header: 1', short_name="Baru")
    client.force_login(engineer)
    response = client.get(
        reverse("probes:availability-report"), {"month": "2026-03", "organization": org.pk, "export": "csv"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="ketersediaan-Dinas-Baru-X-Header-1-2026-03.csv"'


def test_the_pdf_fetches_nothing_from_outside():
    with pytest.raises(ValueError):
        report_files.refuse_fetch("http://127.0.0.1:9/x.png")
    with pytest.raises(ValueError):
        report_files.refuse_fetch("file:///etc/passwd")
    assert report_files.refuse_fetch("static:/simpul/simpul.css")["string"]


# --- fixed queries ----------------------------------------------------------------------------------


def _grow(organization, n: int) -> None:
    for i in range(n):
        site = SiteFactory(organization=organization)
        device = DeviceFactory(site=site, organization=organization)
        check = CheckFactory(device=device)
        event(check, "2026-02-01T00:00", "up")
        event(check, f"2026-03-{i % 27 + 2:02d}T00:00", "down")
        event(check, f"2026-03-{i % 27 + 2:02d}T01:00", "up")
        window(f"2026-03-{i % 27 + 2:02d}T00:30", f"2026-03-{i % 27 + 2:02d}T00:45", device=device)


@pytest.mark.query_counts
def test_the_page_costs_the_same_queries_at_two_sizes(client, organization, query_counts):
    client.force_login(UserFactory(role=Role.AUDITOR))
    url = reverse("probes:availability-report")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"month": "2026-03", "organization": organization.pk}).status_code == 200
        return len(queries)

    _grow(organization, 1)
    small = count()
    _grow(organization, 12)
    assert count() == small
    query_counts.check("web/probes-availability-report", small)


@pytest.mark.query_counts
def test_the_api_costs_the_same_queries_at_two_sizes(organization, query_counts):
    api = token_client(UserFactory(role=Role.AUDITOR))
    url = "/api/probes/reports/availability/"

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url, {"month": "2026-03", **params}).status_code == 200
        return len(queries)

    _grow(organization, 1)
    count()  # the token's first use is written down once
    small, city = count(organization=organization.pk), count()
    _grow(organization, 12)
    assert (count(organization=organization.pk), count()) == (small, city)
    query_counts.check("api/probes/availability-report", small)
    query_counts.check("api/probes/availability-report-city", city)


def test_the_current_month_runs_to_now_and_a_month_to_come_is_refused(city):
    """Time that has not passed is in no figure: this month's report ends now; next month's is refused."""
    from django.utils import timezone

    today = timezone.localdate(timezone=reports.city_zone())
    this_month = reports.parse_month(f"{today:%Y-%m}")
    report = reports.monthly(None, this_month)
    now = timezone.now()
    assert report.start < report.end <= now and now - report.end < datetime.timedelta(minutes=1)
    total = report.total
    assert total.up + total.down + total.unknown + total.maintenance == pytest.approx(
        (report.end - report.start).total_seconds()
    )
    following = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    with pytest.raises(reports.BadMonth, match="not begun"):
        reports.parse_month(f"{following:%Y-%m}")


def test_a_level_too_long_for_paper_is_left_out_of_the_pdf_with_a_note(city, monkeypatch):
    """The PDF prints every level up to report_files.PDF_ROWS_PER_LEVEL rows; a longer one (the whole
    city's checks) is named with its count and left to the XLSX and CSV."""
    report = reports.monthly(city["org"].pk, MARCH)
    assert len(report.checks) == 4 and len(report.sites) == 2
    monkeypatch.setattr(report_files, "PDF_ROWS_PER_LEVEL", 3)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report_files.pdf_bytes(report))).pages)
    text = " ".join(text.split())  # a long name may wrap in its cell
    assert "4 rows: too many for paper" in text and "127.40.0.1" not in text
    for row in report.sites:
        assert row.name in text  # the short levels are printed
