"""The benchmark city (bench/citygen.py) is a valid city: what the benchmarks measure could exist."""

import ipaddress
from itertools import pairwise

from bench.citygen import generate_city
from infra.core.models import ObjectChange
from infra.inventory import choices, demo, models

CHECKED = [
    models.Region,
    models.Organization,
    models.Contact,
    models.Site,
    models.Rack,
    models.Device,
    models.Interface,
    models.IPAddress,
    models.Application,
    models.MigrationWave,
    models.Migration,
    models.MigrationBlocker,
    models.FiberLink,
    models.FiberCore,
    models.YearTarget,
]


def test_generated_city_passes_validation(db):
    result = generate_city(devices=300, seed=3, changelog=True)
    assert result.counts["device"] == models.Device.objects.count() == 300
    for model in CHECKED:
        objects = list(model.objects.all())
        assert objects, model
        for obj in objects:
            obj.full_clean()
    # One "created" record per object written (transitions are not change-logged objects).
    logged = sum(n for name, n in result.counts.items() if name != "migrationtransition")
    assert result.change_records == logged == ObjectChange.objects.count()


def test_generated_city_never_probes_outside_loopback(db):
    generate_city(devices=200, seed=4)
    assert not models.IPAddress.objects.filter(probe=True).exists()
    assert all(
        ipaddress.ip_address(a) in ipaddress.ip_network("127.0.0.0/8")
        for a in models.IPAddress.objects.values_list("address", flat=True)
    )
    assert models.Device.objects.filter(primary_ip__isnull=True).count() == 0


def test_migration_history_matches_each_state(db):
    generate_city(devices=400, seed=5)
    for migration in models.Migration.objects.prefetch_related("transitions"):
        moves = list(migration.transitions.all())
        assert moves[0].from_state == "" and moves[0].to_state == choices.MigrationState.INVENTORIED
        for before, after in pairwise(moves):
            assert after.from_state == before.to_state
            assert after.to_state in choices.MIGRATION_TRANSITIONS[before.to_state]
            assert after.at > before.at
        assert moves[-1].to_state == migration.state
        assert moves[-1].at == migration.state_changed_at


def test_two_cities_share_a_database(db):
    generate_city(devices=100, seed=1, prefix="Satu")
    generate_city(devices=100, seed=1, prefix="Dua")
    assert models.Device.objects.count() == 200


def _agencies(prefix: str) -> list[tuple[str, str, str]]:
    """(name, short name, kind) of the generated city's agencies, its prefix taken off, in creation order."""
    kinds = [choices.OrganizationKind.DISTRICT, choices.OrganizationKind.URBAN_VILLAGE]
    rows = models.Organization.objects.exclude(kind__in=kinds).order_by("pk").values_list("name", "short_name", "kind")
    return [(name.removesuffix(f" {prefix}"), short.removesuffix(f" {prefix}"), kind) for name, short, kind in rows]


def test_the_agencies_are_the_demo_opds(db):
    """The benchmark city and the demo read one OPD list (the copy citygen used to keep had drifted)."""
    generate_city(devices=60, seed=2, prefix="Uji")
    assert _agencies("Uji") == list(demo.OPD_ROWS)


def test_the_agencies_follow_the_demo_data_files(db, tmp_path, monkeypatch):
    """citygen reads the list through the demo's loader: another opd-kota.csv, other agencies."""
    monkeypatch.setattr(demo.data, "DATA_DIR", tmp_path)
    rows = [("Sekretariat Daerah", "Setda", "sekretariat"), ("Dinas Komunikasi dan Informatika", "Diskominfo", "dinas")]
    rows.append(("Badan Contoh", "Bacon", "badan"))
    lines = ["name,short_name,kind", *(",".join(row) for row in rows)]
    (tmp_path / "opd-kota.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    generate_city(devices=60, seed=2, prefix="Lain")
    assert _agencies("Lain") == demo.opd_rows() == rows


def test_sites_and_links_as_asked(db):
    """The diagram benchmark's city: so many sites and fiber links, each link joining two different
    sites, no pair twice, every site reachable from the data center."""
    generate_city(devices=300, seed=6, sites=260, links=400)
    assert models.Site.objects.count() == 260
    assert models.FiberLink.objects.count() == 400
    pairs = list(models.FiberLink.objects.values_list("site_a_id", "site_b_id"))
    assert all(a != b for a, b in pairs) and len(set(pairs)) == len(pairs)
    dc = models.Site.objects.get(kind=choices.SiteKind.DATA_CENTER)
    reached, frontier = {dc.pk}, [dc.pk]
    while frontier:
        here = frontier.pop()
        for a, b in pairs:
            for x, y in ((a, b), (b, a)):
                if x == here and y not in reached:
                    reached.add(y)
                    frontier.append(y)
    assert reached == set(models.Site.objects.values_list("pk", flat=True))
    for link in models.FiberLink.objects.all()[:50]:
        link.full_clean()
