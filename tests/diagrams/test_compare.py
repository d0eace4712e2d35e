"""diagrams.compare: two dates of a view in one diagram (plain Python, no database)."""

import pytest

from diagrams.compare import compare
from diagrams.model import Edge, Group, LegendEntry, Node, TitleBlock, Topology

TITLE = TitleBlock(city="Kota Uji", title="City: 31 Dec 2025 → 31 Jan 2026")
LABELS = {
    "change:added": "Baru",
    "change:removed": "Dihapus",
    "change:changed": "Berubah",
    "changed:status": "Status: {before} → {after}",
    "changed:group": "Pindah: {before} → {after}",
}


def city(*, nodes, edges=(), groups=(), legend=(), layout="ranked") -> Topology:
    return Topology(
        title=TitleBlock(city="Kota Uji", title="City"),
        nodes=list(nodes),
        edges=list(edges),
        groups=list(groups),
        legend=list(legend),
        layout=layout,
    )


LEGEND = [
    LegendEntry("migration:scheduled", "Scheduled"),
    LegendEntry("migration:cut_over", "Cut over"),
    LegendEntry("fiber:active", "Active"),
    LegendEntry("fiber:planned", "Planned"),
]


@pytest.fixture
def before() -> Topology:
    return city(
        groups=[Group("site:1", "site", "Dinas Kesehatan"), Group("site:9", "site", "Kantor Lama")],
        nodes=[
            Node("site:dc", "datacenter", "Data center"),
            Node("dev:1", "server", "srv-kes-01", status="migration:scheduled", group="site:1"),
            Node("dev:2", "server", "srv-kes-02", status="migration:scheduled", group="site:1"),
            Node("dev:3", "server", "srv-lama", group="site:9"),
        ],
        edges=[
            Edge("fiber:1", "site:dc", "dev:1", "fiber", status="fiber:planned", label="2.1 km"),
            Edge("fiber:2", "site:dc", "dev:3", "fiber", status="fiber:active"),
        ],
        legend=LEGEND[:1] + LEGEND[2:],
    )


@pytest.fixture
def after() -> Topology:
    return city(
        groups=[Group("site:1", "site", "Dinas Kesehatan"), Group("site:dc", "datacenter", "Data center")],
        nodes=[
            Node("site:dc", "datacenter", "Data center"),
            Node("dev:1", "server", "srv-kes-01", status="migration:cut_over", group="site:dc"),
            Node("dev:2", "server", "srv-kes-02", status="migration:scheduled", group="site:1"),
            Node("dev:4", "server", "srv-baru", status="migration:scheduled", group="site:1"),
        ],
        edges=[
            Edge("fiber:1", "site:dc", "dev:1", "fiber", status="fiber:active", label="2.1 km"),
            Edge("fiber:3", "site:dc", "dev:4", "fiber", status="fiber:planned"),
        ],
        legend=LEGEND,
    )


def marks(items) -> dict[str, str]:
    return {item.id: item.change for item in items}


def test_nodes_are_marked_added_removed_changed_or_left_alone(before, after):
    result = compare(before, after, title=TITLE, labels=LABELS)
    assert marks(result.nodes) == {
        "site:dc": "",
        "dev:1": "changed",
        "dev:2": "",
        "dev:4": "added",
        "dev:3": "removed",
    }
    # The removed node is kept as it was (its group too), so it is drawn where it stood.
    removed = next(n for n in result.nodes if n.id == "dev:3")
    assert removed.group == "site:9" and removed.label == "srv-lama"


def test_a_changed_node_says_from_what_to_what_in_the_callers_words(before, after):
    result = compare(before, after, title=TITLE, labels=LABELS)
    moved = next(n for n in result.nodes if n.id == "dev:1")
    # It is drawn as it is now, with the lines that say what it was.
    assert moved.status == "migration:cut_over" and moved.group == "site:dc"
    assert moved.details == ("Status: Scheduled → Cut over", "Pindah: Dinas Kesehatan → Data center")
    assert "Status: Scheduled → Cut over" in moved.tooltip


def test_edges_and_groups_are_marked(before, after):
    result = compare(before, after, title=TITLE, labels=LABELS)
    assert marks(result.edges) == {"fiber:1": "changed", "fiber:3": "added", "fiber:2": "removed"}
    laid = next(e for e in result.edges if e.id == "fiber:1")
    assert laid.status == "fiber:active" and "Status: Planned → Active" in laid.tooltip
    assert marks(result.groups) == {"site:1": "", "site:dc": "added", "site:9": "removed"}
    # Every edge still has both ends in the drawing.
    ids = result.node_ids()
    assert all(e.source in ids and e.target in ids for e in result.edges)


def test_the_legend_names_the_changes_that_occur_after_the_styles(before, after):
    result = compare(before, after, title=TITLE, labels=LABELS)
    keys = [e.key for e in result.legend]
    assert keys == [
        "migration:scheduled",
        "migration:cut_over",
        "fiber:active",
        "fiber:planned",
        "change:added",
        "change:removed",
        "change:changed",
    ]
    assert {e.key: e.label for e in result.legend}["change:removed"] == "Dihapus"
    assert result.title == TITLE


def test_identical_dates_mark_nothing_and_name_no_change(before):
    result = compare(before, before, title=TITLE)
    assert set(marks(result.nodes).values()) == {""}
    assert set(marks(result.edges).values()) == {""}
    assert not [e for e in result.legend if e.key.startswith("change:")]


def test_only_the_changes_that_occur_are_in_the_legend():
    old = city(nodes=[Node("a", "site", "A")])
    new = city(nodes=[Node("a", "site", "A"), Node("b", "site", "B")])
    result = compare(old, new, title=TITLE)
    assert [(e.key, e.label) for e in result.legend] == [("change:added", "Added")]


def test_a_mark_left_on_an_input_does_not_survive():
    old = city(nodes=[Node("a", "site", "A", change="added")])
    result = compare(old, old, title=TITLE)
    assert result.nodes[0].change == ""


def test_english_defaults_and_empty_values():
    old = city(nodes=[Node("a", "site", "A", group=None)], legend=[])
    new = city(
        nodes=[Node("a", "site", "A2", status="migration:accepted", group="g")], groups=[Group("g", "site", "G")]
    )
    (node,) = compare(old, new, title=TITLE).nodes
    # An unnamed status key reads as itself; an empty one as a dash.
    assert node.details == ("— → migration:accepted", "A → A2", "— → G")


def test_a_template_with_a_stray_brace_falls_back_to_the_plain_line():
    old = city(nodes=[Node("a", "site", "A", status="x")])
    new = city(nodes=[Node("a", "site", "A", status="y")])
    (node,) = compare(old, new, title=TITLE, labels={"changed:status": "Status {sebelum} → {after}"}).nodes
    assert node.details == ("x → y",)


def test_pinned_layout_keeps_the_removed_nodes_position():
    old = city(nodes=[Node("a", "site", "A", position=(1.0, 2.0))], layout="pinned")
    new = city(nodes=[Node("b", "site", "B", position=(3.0, 4.0))], layout="pinned")
    result = compare(old, new, title=TITLE)
    assert result.layout == "pinned"
    assert {n.id: (n.position, n.change) for n in result.nodes} == {
        "b": ((3.0, 4.0), "added"),
        "a": ((1.0, 2.0), "removed"),
    }


def test_an_edge_whose_ends_moved_is_changed():
    nodes = [Node("a", "site", "A"), Node("b", "site", "B"), Node("c", "site", "C")]
    old = city(nodes=nodes, edges=[Edge("f", "a", "b", "fiber")])
    new = city(nodes=nodes, edges=[Edge("f", "a", "c", "fiber")])
    (edge,) = compare(old, new, title=TITLE).edges
    assert edge.change == "changed" and edge.tooltip == "A – B → A – C"


def test_the_inputs_are_left_as_they_were(before, after):
    nodes_before = list(before.nodes)
    compare(before, after, title=TITLE)
    assert before.nodes == nodes_before
    assert all(n.change == "" for n in after.nodes)


def test_a_combined_status_names_only_the_keys_that_changed():
    legend = [
        LegendEntry("fiber:planned", "Planned"),
        LegendEntry("fiber:active", "Active"),
        LegendEntry("deployment:duct", "Duct"),
        LegendEntry("deployment:aerial_adss", "Aerial"),
    ]
    nodes = [Node("a", "site", "A"), Node("b", "site", "B")]
    old = city(nodes=nodes, edges=[Edge("f", "a", "b", "fiber", status="fiber:planned deployment:duct")], legend=legend)
    laid = city(nodes=nodes, edges=[Edge("f", "a", "b", "fiber", status="fiber:active deployment:duct")], legend=legend)
    both = city(
        nodes=nodes, edges=[Edge("f", "a", "b", "fiber", status="fiber:active deployment:aerial_adss")], legend=legend
    )
    assert compare(old, laid, title=TITLE).edges[0].tooltip == "Planned → Active"
    assert compare(old, both, title=TITLE).edges[0].tooltip == "Planned · Duct → Active · Aerial"
