"""Every build runs the same number of queries whatever the city's size: counted on the test city, then
on the city grown by 20 sites (60 servers, 20 VMs and switches, links, racks, applications), and pinned
in tests/query_counts.json (``maps/build/<view>``, ``maps/build-as-of/<view>``,
``maps/build-reachability/<view>``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.maps.builders import VIEWS, DiagramParams, build
from infra.maps.selectors import data_version

from ..factories import CheckFactory
from .city import T0, grow, make_city

pytestmark = pytest.mark.django_db

GROWTH = 20


def params_for(view: str, city, **extra) -> DiagramParams:
    site = city.sites["dc"] if view in ("site", "datacenter") else None
    organization = city.orgs["dinkes"] if view == "organization" else None
    return DiagramParams(view=view, site=site, organization=organization, **extra)


def count(view: str, params: DiagramParams) -> tuple[int, int]:
    build(view, params)  # warm: content types are cached per process
    with CaptureQueriesContext(connection) as queries:
        topology = build(view, params)
    return len(queries), len(topology.nodes)


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("mode", ["build", "build-as-of", "build-reachability"])
def test_a_fixed_number_of_queries(view, mode, query_counts):
    city = make_city()
    extra = {"as_of": T0.replace(hour=23)} if mode == "build-as-of" else {}
    if mode == "build-reachability":
        extra = {"colour_by": "reachability"}
        CheckFactory(device=city.devices["s1"])  # checked, nothing down
    small, small_nodes = count(view, params_for(view, city, **extra))
    grow(city, GROWTH)
    large, large_nodes = count(view, params_for(view, city, **extra))
    if view not in ("site", "organization"):  # the data center's site view grows too (racks, hypervisors)
        assert large_nodes > small_nodes
    assert large == small, f"{view}: {small} queries on the small city, {large} on the large one"
    query_counts.check(f"maps/{mode}/{view}", small)


def test_data_version_is_cheap_and_moves_with_the_data(query_counts):
    city = make_city()
    params = DiagramParams(view="city")
    with CaptureQueriesContext(connection) as queries:
        before = data_version(params)
    assert len(queries) == 1
    city.sites["a"].name = "Kantor Dinkes Baru"
    city.sites["a"].save()
    assert data_version(params) != before
    reach = DiagramParams(view="city", colour_by="reachability")
    with CaptureQueriesContext(connection) as queries:
        data_version(reach)
    assert len(queries) == 2
