"""Each view on a city the test builds: exactly the expected nodes, groups, edges, statuses and links;
the filters; the aggregation limits; the legend and title block."""

import pytest
from django.utils import translation

from infra.inventory.choices import DeviceKind
from infra.maps.builders import VIEWS, DiagramParams, build
from infra.maps.builders import organization as organization_view
from infra.maps.builders import site as site_view
from infra.maps.builders.base import tree_link_ids

from ..factories import DeviceFactory, MigrationFactory
from .city import T0, at, make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def nodes(topology) -> dict[str, tuple]:
    return {n.id: (n.kind, n.label, n.status, n.group) for n in topology.nodes}


def edges(topology) -> dict[str, tuple]:
    return {e.id: (e.source, e.target, e.kind, e.status) for e in topology.edges}


def groups(topology) -> dict[str, tuple]:
    return {g.id: (g.kind, g.label, g.parent) for g in topology.groups}


def sid(c, key):
    return f"site-{c.sites[key].pk}"


def did(c, key):
    return f"device-{c.devices[key].pk}"


def lid(c, key):
    return f"link-{c.links[key].pk}"


FIBER = {
    "l1": "fiber:active deployment:duct",
    "l2": "fiber:planned deployment:aerial_adss",
    "l3": "fiber:faulty deployment:direct_buried",
}


def test_city_view(city):
    c = city
    topology = build("city", DiagramParams(view="city"))
    assert nodes(topology) == {
        sid(c, "dc"): ("datacenter", "Pusat Data", "", None),
        # s1 scheduled, s2 inventoried (the tie goes to the slower state), the VM untracked
        sid(c, "a"): ("site", "Kantor Dinkes", "migration:inventoried", None),
        sid(c, "b"): ("site", "Kantor Disdik", "migration:assessed", None),
        sid(c, "c"): ("site", "Pos Tanpa Koordinat", "", None),
    }
    assert edges(topology) == {
        lid(c, "l1"): (sid(c, "dc"), sid(c, "a"), "fiber", FIBER["l1"]),
        lid(c, "l2"): (sid(c, "dc"), sid(c, "b"), "fiber", FIBER["l2"]),
        lid(c, "l3"): (sid(c, "b"), sid(c, "c"), "fiber", FIBER["l3"]),
    }
    assert topology.groups == []
    # a tree: each site's one link towards the data center places it (DESIGN.md 6: never the rings)
    assert all(e.constrain for e in topology.edges)
    by_id = {n.id: n for n in topology.nodes}
    assert {k: by_id[sid(c, k)].rank for k in "dc a b c".split()} == {"dc": 0, "a": 1, "b": 1, "c": 2}
    assert by_id[sid(c, "a")].link == c.sites["a"].get_absolute_url()
    assert by_id[sid(c, "a")].details == ("Dinkes", "0 of 2 servers done (0 %)")
    assert by_id[sid(c, "dc")].details == ("Diskominfo",)
    assert {e.id: e.link for e in topology.edges}[lid(c, "l1")] == c.links["l1"].get_absolute_url()
    assert {e.id: e.label for e in topology.edges}[lid(c, "l1")] == "FO-01 · 2.5 km"
    assert topology.layout == "ranked"


def test_legend_has_exactly_the_keys_used_with_their_labels(city):
    topology = build("city", DiagramParams(view="city"))
    assert [(entry.key, entry.label) for entry in topology.legend] == [
        ("site", "Site"),
        ("datacenter", "Data center"),
        ("fiber", "Fiber link"),
        ("migration:inventoried", "Inventoried"),
        ("migration:assessed", "Assessed"),
        ("fiber:planned", "Fiber link: Planned"),
        ("fiber:active", "Fiber link: Active"),
        ("fiber:faulty", "Fiber link: Faulty"),
        ("deployment:aerial_adss", "Deployment: Aerial (ADSS)"),
        ("deployment:duct", "Deployment: Underground duct"),
        ("deployment:direct_buried", "Deployment: Direct-buried"),
    ]


def test_title_block_in_english_and_indonesian(city):
    params = DiagramParams(view="city", organization=city.orgs["dinkes"], wave=city.wave)
    with translation.override("en"):
        title = build("city", params).title
    assert (title.city, title.title, title.scope) == ("Kota Uji", "City network", "Whole city")
    assert title.filters == (("OPD", "Dinkes"), ("Wave", "Gelombang 1"), ("Colour", "Migration state"))
    assert title.data_as_of.endswith("WIB") and title.generated_at.endswith("WIB")
    with translation.override("id"):
        title = build("city", params).title
    assert (title.title, title.scope) == ("Jaringan kota", "Seluruh kota")
    assert title.filters == (("OPD", "Dinkes"), ("Gelombang", "Gelombang 1"), ("Warna", "Status migrasi"))
    with translation.override("id"):
        as_of = build("city", DiagramParams(view="city", as_of=T0.replace(hour=23), as_of_is_date=True)).title
    assert as_of.data_as_of == "10 Januari 2026"


def test_city_name_from_settings(city, settings):
    settings.SIMPUL_CITY_NAME = "Pemerintah Kota Uji"
    assert build("city", DiagramParams(view="city")).title.city == "Pemerintah Kota Uji"


@pytest.mark.parametrize(
    ("filters", "sites", "links"),
    [
        ({"organization": "disdik"}, {"dc", "b", "c"}, {"l2", "l3"}),
        ({"region": "a"}, {"dc", "a"}, {"l1"}),
        ({"region": "kota"}, {"dc", "a", "b", "c"}, {"l1", "l2", "l3"}),
        ({"status": "planned"}, {"dc", "a", "b", "c"}, {"l2"}),
        ({"status": "scheduled"}, {"dc", "a"}, {"l1"}),
        ({"status": "cut_over"}, {"dc"}, set()),
        ({"wave": True}, {"dc", "a"}, {"l1"}),
    ],
)
def test_city_filters(city, filters, sites, links):
    c = city
    kwargs = {}
    for name, value in filters.items():
        kwargs[name] = {
            "organization": lambda v: c.orgs[v],
            "region": lambda v: c.regions[v],
            "status": lambda v: v,
            "wave": lambda v: c.wave,
        }[name](value)
    topology = build("city", DiagramParams(view="city", **kwargs))
    assert set(nodes(topology)) == {sid(c, k) for k in sites}
    assert set(edges(topology)) == {lid(c, k) for k in links}


def test_site_view(city):
    c = city
    topology = build("site", DiagramParams(view="site", site=c.sites["a"]))
    group = f"site-{c.sites['a'].pk}"
    assert groups(topology) == {group: ("site", "Kantor Dinkes", None)}
    assert nodes(topology) == {
        did(c, "s1"): ("server", "srv-dinkes-1", "migration:scheduled", group),
        did(c, "s2"): ("server", "srv-dinkes-2", "migration:inventoried", group),
        did(c, "vm"): ("server", "vm-dinkes", "device:active", group),
        did(c, "sw"): ("network", "sw-dinkes", "device:active", group),
        sid(c, "dc"): ("datacenter", "Pusat Data", "", None),
        sid(c, "a"): ("site", "Kantor Dinkes", "", group),
    }
    assert edges(topology) == {
        f"hosts-{c.devices['vm'].pk}": (did(c, "s1"), did(c, "vm"), "hosts", ""),
        lid(c, "l1"): (sid(c, "dc"), sid(c, "a"), "fiber", FIBER["l1"]),
    }
    links = {n.id: n.link for n in topology.nodes}
    assert links[did(c, "s1")] == c.devices["s1"].get_absolute_url()


def test_site_view_with_racks(city):
    c = city
    topology = build("site", DiagramParams(view="site", site=c.sites["dc"]))
    dc = f"site-{c.sites['dc'].pk}"
    r1, r2 = (f"rack-{c.racks[k].pk}" for k in ("r1", "r2"))
    assert groups(topology) == {
        dc: ("datacenter", "Pusat Data", None),
        r1: ("rack", "R01", dc),
        r2: ("rack", "R02", dc),
    }
    assert nodes(topology) == {
        did(c, "hv"): ("server", "hv-01", "device:active", r1),
        f"rack-node-{c.racks['r2'].pk}": ("rack", "R02", "", r2),  # an empty rack still shows
        sid(c, "a"): ("site", "Kantor Dinkes", "", None),
        sid(c, "b"): ("site", "Kantor Disdik", "", None),
        sid(c, "dc"): ("datacenter", "Pusat Data", "", dc),
    }
    assert set(edges(topology)) == {lid(c, "l1"), lid(c, "l2")}


def test_site_view_aggregates_racks_past_its_limit(city, monkeypatch):
    c = city
    monkeypatch.setattr(site_view, "SITE_DEVICE_LIMIT", 3)
    topology = build("site", DiagramParams(view="site", site=c.sites["a"]))
    group = f"site-{c.sites['a'].pk}"
    agg = {n.id: n for n in topology.nodes if n.kind == "aggregate"}
    assert list(agg) == [f"agg-site-{c.sites['a'].pk}"]
    assert agg[f"agg-site-{c.sites['a'].pk}"].group == group
    assert agg[f"agg-site-{c.sites['a'].pk}"].details == (
        "4 devices",
        "Not tracked: 2",
        "Inventoried: 1",
        "Scheduled: 1",
    )
    assert not any(n.id.startswith("device-") for n in topology.nodes)
    assert "aggregate" in [entry.key for entry in topology.legend]


def test_organization_view(city):
    c = city
    topology = build("organization", DiagramParams(view="organization", organization=c.orgs["dinkes"]))
    at_a = f"at-site-{c.sites['a'].pk}"
    assert groups(topology) == {
        at_a: ("site", "Kantor Dinkes", None),
        "targets": ("datacenter", "Targets in the data center", None),
    }
    target = f"target-rack-{c.racks['r1'].pk}"
    assert nodes(topology) == {
        did(c, "s1"): ("server", "srv-dinkes-1", "migration:scheduled", at_a),
        did(c, "s2"): ("server", "srv-dinkes-2", "migration:inventoried", at_a),
        did(c, "vm"): ("server", "vm-dinkes", "device:active", at_a),
        target: ("rack", "R01", "", "targets"),
    }
    assert edges(topology) == {f"moves-{did(c, 's1')}-{target}": (did(c, "s1"), target, "moves_to", "")}
    assert topology.title.scope == "Dinas Kesehatan"


def test_organization_view_aggregates_a_site_past_the_limit(city, monkeypatch):
    c = city
    monkeypatch.setattr(organization_view, "AGGREGATE_SERVERS", 2)
    topology = build("organization", DiagramParams(view="organization", organization=c.orgs["dinkes"]))
    agg = f"agg-at-site-{c.sites['a'].pk}"
    target = f"target-rack-{c.racks['r1'].pk}"
    assert set(nodes(topology)) == {agg, target}
    node = {n.id: n for n in topology.nodes}[agg]
    assert (node.kind, node.label, node.status) == ("aggregate", "Kantor Dinkes", "migration:inventoried")
    assert node.details == ("3 servers", "Inventoried: 1", "Scheduled: 1", "Not tracked: 1")
    assert node.link == f"/diagrams/?view=site&site={c.sites['a'].pk}"  # expanded on the site's own diagram
    assert edges(topology) == {f"moves-{agg}-{target}": (agg, target, "moves_to", "")}


def test_organization_view_draws_26_servers_as_one_node(city):
    """The real limit: 25 servers at a site are drawn, the 26th turns them into one node."""
    c = city
    with at(T0):
        for i in range(22):  # Dinkes has 3 servers at its office: 25 in all
            MigrationFactory(device=DeviceFactory(name=f"srv-x{i}", organization=c.orgs["dinkes"], site=c.sites["a"]))
    params = DiagramParams(view="organization", organization=c.orgs["dinkes"])
    assert not [n for n in build("organization", params).nodes if n.kind == "aggregate"]
    DeviceFactory(name="srv-x99", organization=c.orgs["dinkes"], site=c.sites["a"], kind=DeviceKind.SERVER)
    assert [n.details[0] for n in build("organization", params).nodes if n.kind == "aggregate"] == ["26 servers"]


def test_datacenter_view(city):
    c = city
    topology = build("datacenter", DiagramParams(view="datacenter"))
    dc = f"dc-{c.sites['dc'].pk}"
    r1, r2 = (f"dc-rack-{c.racks[k].pk}" for k in ("r1", "r2"))
    from_a = f"from-site-{c.sites['a'].pk}"
    assert groups(topology) == {
        dc: ("datacenter", "Pusat Data", None),
        r1: ("rack", "R01", dc),
        r2: ("rack", "R02", dc),
        from_a: ("site", "Kantor Dinkes", None),
    }
    t1, t2 = (f"target-rack-{c.racks[k].pk}" for k in ("r1", "r2"))
    assert nodes(topology) == {
        t1: ("rack", "R01", "", r1),
        t2: ("rack", "R02", "", r2),
        did(c, "hv"): ("server", "hv-01", "device:active", r1),
        did(c, "s1"): ("server", "srv-dinkes-1", "migration:scheduled", from_a),
    }
    details = {n.id: n.details for n in topology.nodes}
    assert details[t1] == ("42U", "1 device arrived", "1 server to come")
    assert details[t2] == ("42U", "0 devices arrived")
    assert edges(topology) == {f"moves-{did(c, 's1')}-{t1}": (did(c, "s1"), t1, "moves_to", "")}


def test_fiber_view(city):
    c = city
    topology = build("fiber", DiagramParams(view="fiber"))
    assert set(nodes(topology)) == {sid(c, k) for k in ("dc", "a", "b", "c")}
    labels = {e.id: (e.label, e.status) for e in topology.edges}
    assert labels == {
        lid(c, "l1"): ("FO-01 · 2.5 km · 3/12 cores in use", FIBER["l1"]),
        lid(c, "l2"): ("FO-02 · 4.0 km · 0/12 cores in use", FIBER["l2"]),
        lid(c, "l3"): ("FO-03 · 1.2 km · 0/12 cores in use", FIBER["l3"]),
    }
    faulty = build("fiber", DiagramParams(view="fiber", status="faulty"))
    assert set(nodes(faulty)) == {sid(c, "b"), sid(c, "c")}
    assert set(edges(faulty)) == {lid(c, "l3")}
    dinkes = build("fiber", DiagramParams(view="fiber", organization=c.orgs["dinkes"]))
    assert set(edges(dinkes)) == {lid(c, "l1")}


def test_applications_view(city):
    c = city
    topology = build("applications", DiagramParams(view="applications"))
    dinkes, disdik = (f"org-{c.orgs[k].pk}" for k in ("dinkes", "disdik"))
    host_a, host_b = (f"host-site-{c.sites[k].pk}" for k in ("a", "b"))
    assert groups(topology) == {
        dinkes: ("organization", "Dinkes", None),
        disdik: ("organization", "Disdik", None),
        host_a: ("site", "Kantor Dinkes", None),
        host_b: ("site", "Kantor Disdik", None),
    }
    sik, dapodik = (f"app-{c.apps[k].pk}" for k in ("sik", "dapodik"))
    assert nodes(topology) == {
        sik: ("application", "SIK", "integration:service_bus", dinkes),
        dapodik: ("application", "Dapodik", "integration:none", disdik),
        did(c, "s1"): ("server", "srv-dinkes-1", "migration:scheduled", host_a),
        did(c, "vm"): ("server", "vm-dinkes", "device:active", host_a),
        did(c, "s3"): ("server", "srv-disdik-1", "migration:assessed", host_b),
        "splp": ("network", "SPLP / API gateway", "", None),
    }
    assert edges(topology) == {
        f"hosts-{c.devices['s1'].pk}-{c.apps['sik'].pk}": (did(c, "s1"), sik, "hosts", ""),
        f"hosts-{c.devices['vm'].pk}-{c.apps['sik'].pk}": (did(c, "vm"), sik, "hosts", ""),
        f"hosts-{c.devices['s3'].pk}-{c.apps['dapodik'].pk}": (did(c, "s3"), dapodik, "hosts", ""),
        f"integration-{c.apps['sik'].pk}": (sik, "splp", "integration", "integration:service_bus"),
    }
    assert {n.id: n.link for n in topology.nodes}[sik] == c.apps["sik"].get_absolute_url()
    only = build("applications", DiagramParams(view="applications", organization=c.orgs["disdik"]))
    assert set(nodes(only)) == {dapodik, did(c, "s3")}
    scheduled = build("applications", DiagramParams(view="applications", status="scheduled"))
    assert set(nodes(scheduled)) == {sik, did(c, "s1"), "splp"}


def test_geographic_view(city):
    c = city
    topology = build("geographic", DiagramParams(view="geographic"))
    assert topology.layout == "pinned"
    assert groups(topology) == {"unplaced": ("region", "Sites without coordinates", None)}
    placed = {n.id: n for n in topology.nodes}
    assert set(placed) == {sid(c, k) for k in ("dc", "a", "b", "c")}
    assert all(n.position is not None for n in topology.nodes)
    assert placed[sid(c, "c")].group == "unplaced"  # no coordinates: in the margin box, not dropped
    dc, a, b, lost = (placed[sid(c, k)].position for k in ("dc", "a", "b", "c"))
    assert b[0] > dc[0] > a[0]  # east is right: 105.30 > 105.26 > 105.25
    assert a[1] > dc[1] > b[1] > lost[1]  # north is up; the margin box below the map
    assert set(edges(topology)) == {lid(c, k) for k in ("l1", "l2", "l3")}


def test_hostile_names_arrive_unchanged(city):
    c = city
    hostile = '<b>"Kantor" & {x}</b> \\n'
    c.sites["a"].name = hostile
    c.sites["a"].save()
    c.devices["s1"].name = "<srv>"
    c.devices["s1"].save()
    city_view = build("city", DiagramParams(view="city"))
    assert {n.id: n.label for n in city_view.nodes}[sid(c, "a")] == hostile
    site = build("site", DiagramParams(view="site", site=c.sites["a"]))
    assert {n.id: n.label for n in site.nodes}[did(c, "s1")] == "<srv>"
    assert site.title.scope == hostile


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_links_every_node_to_its_page(city, view):
    site = city.sites["dc"] if view == "datacenter" else city.sites["a"]
    params = DiagramParams(view=view, site=site, organization=city.orgs["dinkes"])
    topology = build(view, params)
    assert topology.nodes
    for node in topology.nodes:
        if node.id != "splp":  # the service bus is a concept, not a record
            assert node.link.startswith("/"), node


def test_datacenter_view_counts_racks_and_arrivals_past_its_limits(city, monkeypatch):
    from infra.maps.builders import datacenter

    c = city
    monkeypatch.setattr(datacenter, "DATACENTER_DEVICE_LIMIT", 0)
    monkeypatch.setattr(datacenter, "INCOMING_LIMIT", 0)
    topology = build("datacenter", DiagramParams(view="datacenter"))
    r1, t1 = f"dc-rack-{c.racks['r1'].pk}", f"target-rack-{c.racks['r1'].pk}"
    from_a = f"agg-from-site-{c.sites['a'].pk}"
    assert nodes(topology)[f"agg-rack-{c.racks['r1'].pk}"] == ("aggregate", "R01", "", r1)
    assert nodes(topology)[from_a][:2] == ("aggregate", "Kantor Dinkes")
    assert not any(n.startswith("device-") for n in nodes(topology))
    assert edges(topology) == {f"moves-{from_a}-{t1}": (from_a, t1, "moves_to", "")}


def test_applications_view_counts_hosts_per_site_past_its_limit(city, monkeypatch):
    from infra.maps.builders import applications

    c = city
    monkeypatch.setattr(applications, "HOST_LIMIT", 2)
    topology = build("applications", DiagramParams(view="applications"))
    agg_a, agg_b = (f"agg-host-site-{c.sites[k].pk}" for k in ("a", "b"))
    sik, dapodik = (f"app-{c.apps[k].pk}" for k in ("sik", "dapodik"))
    assert {k for k, v in nodes(topology).items() if v[0] == "aggregate"} == {agg_a, agg_b}
    hosts = {k: v for k, v in edges(topology).items() if v[2] == "hosts"}
    assert hosts == {
        f"hosts-{agg_a}-{sik}": (agg_a, sik, "hosts", ""),  # s1 and the VM: one edge
        f"hosts-{agg_b}-{dapodik}": (agg_b, dapodik, "hosts", ""),
    }


def test_only_one_link_per_site_towards_the_data_center_decides_the_layout():
    ranks = {1: 0, 2: 1, 3: 1, 4: 2, 5: 3}
    links = [
        {"id": 10, "site_a_id": 1, "site_b_id": 2},
        {"id": 11, "site_a_id": 3, "site_b_id": 1},  # written child first
        {"id": 12, "site_a_id": 2, "site_b_id": 3},  # a ring between two sites of one rank
        {"id": 14, "site_a_id": 3, "site_b_id": 4},
        {"id": 13, "site_a_id": 2, "site_b_id": 4},  # a second way up for 4: the lower id wins
        {"id": 15, "site_a_id": 5, "site_b_id": 4},  # 5 hangs below 4
        {"id": 16, "site_a_id": 5, "site_b_id": 1},  # a long cross link three ranks up
    ]
    assert tree_link_ids(ranks, links) == {10, 11, 13, 15}
