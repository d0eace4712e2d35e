"""diagrams.serialize: a topology stored as JSON reads back equal (plain Python, no database)."""

import json

import pytest

from diagrams.model import Edge, Group, LegendEntry, Node, TitleBlock, Topology
from diagrams.serialize import FORMAT, SerializeError, from_dict, to_dict


def full() -> Topology:
    return Topology(
        title=TitleBlock(
            city="Kota <Uji>",
            title='"Kota" & sekitarnya',
            scope="Dinas Kesehatan",
            filters=(("Wave", "1"), ("Status", "active")),
            data_as_of="31 Desember 2025",
            generated_at="1 Januari 2026 00:30",
        ),
        nodes=[
            Node(
                "site:1",
                "site",
                "Kantor <srv>",
                status="migration:scheduled",
                link="/sites/1/",
                group="g:1",
                details=("3/10 migrated", "2 OPDs"),
                tooltip="t",
                position=(1.5, 2.25),
                rank=2,
                change="added",
            ),
            Node("site:2", "site", "Ümlaut ✓"),
        ],
        groups=[Group("g:1", "region", "Utara", status="s", link="/r/", parent=None, details=("x",), change="removed")],
        edges=[
            Edge(
                "e:1",
                "site:1",
                "site:2",
                "fiber",
                label="2 km",
                status="fiber:active",
                link="/f/",
                tooltip="tt",
                constrain=False,
                change="changed",
            )
        ],
        legend=[LegendEntry("fiber:active", "Aktif")],
        layout="pinned",
        direction="TB",
    )


def test_round_trip_through_json_gives_the_same_topology():
    topology = full()
    data = json.loads(json.dumps(to_dict(topology)))
    assert data["format"] == FORMAT
    assert from_dict(data) == topology


def test_round_trip_of_an_empty_topology():
    topology = Topology(title=TitleBlock(city="K", title="T"))
    assert from_dict(json.loads(json.dumps(to_dict(topology)))) == topology


def test_unknown_keys_are_ignored_and_missing_ones_take_defaults():
    data = to_dict(full())
    data["nodes"][1] = {"id": "site:2", "kind": "site", "label": "Ümlaut ✓", "from_a_newer_version": 1}
    assert from_dict(data).nodes[1] == Node("site:2", "site", "Ümlaut ✓")


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"format": 99, "title": {"city": "K", "title": "T"}},
        {"format": FORMAT},
        {"format": FORMAT, "title": {"city": "K", "title": "T"}, "nodes": [{"kind": "site"}]},
        {"format": FORMAT, "title": {"city": "K", "title": "T"}, "nodes": ["site:1"]},
        {
            "format": FORMAT,
            "title": {"city": "K", "title": "T"},
            "nodes": [{"id": "a", "kind": "s", "label": "", "position": [1]}],
        },
    ],
)
def test_what_is_not_a_stored_topology_is_refused_plainly(data):
    with pytest.raises(SerializeError):
        from_dict(data)
