"""BaseTable.rendered_rows makes the same HTML as django-tables2's own row loop, for every table."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django_tables2 import RequestConfig, Table

from infra.inventory import choices, models
from infra.inventory.urls import PAGES

from .test_query_counts import City

TABLES2_LOOP = Template(
    "{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>{% for column, cell in row.items %}"
    "<td {{ column.attrs.td.as_html }}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
)


@pytest.fixture
def city(admin_user):
    city = City(admin_user)
    city.grow(12)
    # Rows with empty relations: no rack, no address, no migration, no host.
    bare = models.Device.objects.create(
        name="ap-kosong", organization=city.organization, site=city.site, kind=choices.DeviceKind.ACCESS_POINT
    )
    models.Interface.objects.create(device=bare, name="wlan0")
    models.IPAddress.objects.create(address="127.22.0.1", interface=None, status=choices.IPAddressStatus.RESERVED)
    models.Contact.objects.create(organization=city.organization, name="Tanpa Telepon")
    return city


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
@pytest.mark.parametrize("sort", ["", "first", "-first"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_rows_match_django_tables2(rf: RequestFactory, admin_user, city, pages, sort, language):
    def table():
        # A table numbers its rows (odd/even) as they are iterated: each way renders its own.
        table = pages.table(pages.queryset.all(), user=admin_user)
        table.apply_columns(table.available_columns)  # every column, hidden ones too
        first = table.visible_column_names[0]
        request = rf.get("/", {"sort": sort.replace("first", first)} if sort else {})
        request.user = admin_user
        RequestConfig(request, paginate={"per_page": 500}).configure(table)
        return table

    with translation.override(language):
        expected = TABLES2_LOOP.render(Context({"table": table()}))
        rows = table().rendered_rows()
    assert len(rows) == expected.count("</tr>") > 0
    for got, want in zip(rows, expected.split("</tr>"), strict=False):
        assert got == want + "</tr>"


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
@pytest.mark.parametrize("language", ["id", "en"])
def test_export_values_match_django_tables2(admin_user, city, pages, language):
    def table():
        table = pages.table(pages.queryset.all(), user=admin_user)
        table.apply_columns(table.available_columns[:-2])  # two columns hidden: they are left out
        return table

    with translation.override(language):
        hidden = table().hidden_column_names
        expected = list(Table.as_values(table(), exclude_columns=hidden))
        values = list(table().as_values(exclude_columns=hidden))
    assert len(values) == len(expected) > 10
    assert len(values[0]) == len(table().available_columns) - 2  # "pk" is never exported
    for got, want in zip(values, expected, strict=True):
        assert got == want


def test_status_badges_are_coloured_by_value(client, admin_user, city):
    client.force_login(admin_user)
    page = client.get("/devices/?per_page=200").content.decode()
    assert 'data-status="active"' in page and "text-bg-success" in page
    assert 'data-status="inventoried"' in page
