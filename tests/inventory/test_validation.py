"""Every rule of the registry, at both layers where it has two.

``full_clean()`` (what forms, the API and imports call) must refuse the record and name the field,
and the database itself must refuse the row when a save skips validation.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from infra.core.models import ObjectChange
from infra.inventory.choices import (
    CORE_COUNTS,
    REGION_PARENT_KINDS,
    CoreColor,
    CoreState,
    DeviceKind,
    RegionKind,
    Wavelength,
)
from infra.inventory.models import (
    Device,
    FiberCore,
    FiberLink,
    IPAddress,
    Migration,
    MigrationBlocker,
    MigrationWave,
    Organization,
    Region,
    Site,
)
from infra.inventory.models.fiber import core_colors
from infra.inventory.services.fiber import save_link

from ..factories import (
    DeviceFactory,
    FiberLinkFactory,
    InterfaceFactory,
    IPAddressFactory,
    MigrationFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    RackFactory,
    RegionFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


def assert_invalid(obj, field: str, *fragments: str) -> None:
    """full_clean() refuses ``obj`` with an error on ``field`` whose text holds each fragment.

    The fragments are the messages' English source text, so the check runs in English whatever the
    default language (Indonesian) and its translations say.
    """
    with translation.override("en"), pytest.raises(ValidationError) as info:
        obj.full_clean()
    with translation.override("en"):
        errors = info.value.message_dict
    assert field in errors, f"expected an error on {field!r}, got {errors}"
    text = " ".join(errors[field])
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"


def assert_db_refuses(obj) -> None:
    """The database refuses the row even though the save skips full_clean()."""
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


def link_data(**overrides) -> dict:
    data = {
        "code": "FO-V-001",
        "site_a": overrides.pop("site_a", None) or SiteFactory(),
        "site_b": overrides.pop("site_b", None) or SiteFactory(),
        "core_count": 24,
        "deployment": "duct",
        "length_km": Decimal("1.000"),
    }
    data.update(overrides)
    return data


# --- fiber links ---------------------------------------------------------------------------------


class TestFiberLinkSites:
    def test_two_different_sites_are_valid(self):
        FiberLink(**link_data()).full_clean()

    def test_same_site_twice_is_refused_by_clean(self):
        site = SiteFactory()
        assert_invalid(FiberLink(**link_data(site_a=site, site_b=site)), "site_b", "two different sites")

    def test_same_site_twice_is_refused_by_the_database(self):
        site = SiteFactory()
        assert_db_refuses(FiberLink(**link_data(site_a=site, site_b=site)))
        assert not FiberLink.objects.exists()
        assert not FiberCore.objects.exists()

    def test_code_is_unique(self):
        FiberLinkFactory(code="FO-X-1")
        assert_invalid(FiberLink(**link_data(code="FO-X-1")), "code", "already exists")
        assert_db_refuses(FiberLink(**link_data(code="FO-X-1")))

    def test_negative_length_is_refused_at_both_layers(self):
        assert_invalid(FiberLink(**link_data(length_km=Decimal("-0.5"))), "length_km")
        assert_db_refuses(FiberLink(**link_data(length_km=Decimal("-0.5"))))


class TestCoreCount:
    @pytest.mark.parametrize("count", CORE_COUNTS)
    def test_every_standard_size_is_valid(self, count):
        link = FiberLink(**link_data(core_count=count))
        link.full_clean()
        save_link(link)
        assert link.cores.count() == count

    @pytest.mark.parametrize("count", [0, 1, 3, 13, 25, 100, 289])
    def test_other_sizes_are_refused_by_clean(self, count):
        assert_invalid(FiberLink(**link_data(core_count=count)), "core_count")

    @pytest.mark.parametrize("count", [0, 13, 100])
    def test_other_sizes_are_refused_by_the_database(self, count):
        assert_db_refuses(FiberLink(**link_data(core_count=count)))
        assert not FiberCore.objects.exists()

    def test_lowering_below_a_core_in_use_is_refused_naming_the_core(self):
        link = FiberLinkFactory(core_count=24)
        link.cores.filter(number=20).update(state=CoreState.IN_USE, carries="Disdukcapil uplink")
        link.core_count = 12
        assert_invalid(link, "core_count", "20")

    @pytest.mark.parametrize("state", [CoreState.IN_USE, CoreState.RESERVED, CoreState.BROKEN])
    def test_every_non_spare_state_holds_the_count(self, state):
        link = FiberLinkFactory(core_count=24)
        link.cores.filter(number=13).update(state=state)
        link.core_count = 12
        assert_invalid(link, "core_count", "13")

    def test_several_busy_cores_are_all_named(self):
        link = FiberLinkFactory(core_count=48)
        link.cores.filter(number__in=[30, 14]).update(state=CoreState.IN_USE)
        link.core_count = 12
        assert_invalid(link, "core_count", "14, 30")

    def test_lowering_to_just_above_a_busy_core_is_allowed(self):
        link = FiberLinkFactory(core_count=48)
        link.cores.filter(number=24).update(state=CoreState.IN_USE)
        link.core_count = 24
        link.full_clean()
        save_link(link)
        assert sorted(link.cores.values_list("number", flat=True)) == list(range(1, 25))

    def test_a_save_that_skips_clean_does_not_drop_a_busy_core(self):
        link = FiberLinkFactory(core_count=24)
        link.cores.filter(number=20).update(state=CoreState.IN_USE, carries="CCTV ring")
        link.core_count = 12
        with pytest.raises(ValidationError) as info, transaction.atomic():
            save_link(link)
        assert "20" in " ".join(info.value.message_dict["core_count"])
        assert FiberLink.objects.get(pk=link.pk).core_count == 24
        assert link.cores.count() == 24
        assert link.cores.get(number=20).carries == "CCTV ring"

    def test_lowering_over_spare_cores_removes_them_and_logs_each(self):
        link = FiberLinkFactory(core_count=24)
        link.cores.filter(number=3).update(state=CoreState.IN_USE, carries="SIMPEG")
        link.core_count = 12
        link.full_clean()
        save_link(link)
        assert sorted(link.cores.values_list("number", flat=True)) == list(range(1, 13))
        assert link.cores.get(number=3).carries == "SIMPEG"
        deleted = ObjectChange.objects.filter(action="delete", related_object_id=link.pk)
        assert deleted.count() == 12


class TestCoreColours:
    def test_a_new_link_gets_its_cores_in_tia_598_order(self):
        link = FiberLinkFactory(core_count=12)
        cores = list(link.cores.order_by("number"))
        assert [c.number for c in cores] == list(range(1, 13))
        assert [c.color for c in cores] == list(CoreColor.values)
        assert [c.color for c in cores][:3] == ["blue", "orange", "green"]
        assert all((c.tube, c.tube_color) == (1, "blue") for c in cores)
        assert all(c.state == CoreState.SPARE for c in cores)

    @pytest.mark.parametrize(
        ("number", "tube", "tube_color", "color"),
        [
            (1, 1, "blue", "blue"),
            (2, 1, "blue", "orange"),
            (12, 1, "blue", "aqua"),
            (13, 2, "orange", "blue"),
            (14, 2, "orange", "orange"),
            (24, 2, "orange", "aqua"),
            (25, 3, "green", "blue"),
            (37, 4, "brown", "blue"),
            (48, 4, "brown", "aqua"),
            (96, 8, "black", "aqua"),
            (144, 12, "aqua", "aqua"),
        ],
    )
    def test_core_colour_by_number(self, number, tube, tube_color, color):
        assert core_colors(number) == (tube, tube_color, color)

    def test_stored_cores_follow_the_code_on_a_48_core_link(self):
        link = FiberLinkFactory(core_count=48)
        stored = {c.number: (c.tube, c.tube_color, c.color) for c in link.cores.all()}
        assert stored == {n: core_colors(n) for n in range(1, 49)}
        assert stored[13] == (2, "orange", "blue")

    def test_growing_the_count_adds_coloured_cores_and_keeps_the_old_ones(self):
        link = FiberLinkFactory(core_count=12)
        link.cores.filter(number=5).update(state=CoreState.IN_USE, carries="Internet OPD")
        link.core_count = 24
        link.full_clean()
        save_link(link)
        cores = {c.number: c for c in link.cores.all()}
        assert sorted(cores) == list(range(1, 25))
        assert (cores[13].tube, cores[13].tube_color, cores[13].color) == (2, "orange", "blue")
        assert (cores[24].tube, cores[24].tube_color, cores[24].color) == (2, "orange", "aqua")
        assert cores[5].state == CoreState.IN_USE and cores[5].carries == "Internet OPD"
        assert all(cores[n].state == CoreState.SPARE for n in range(13, 25))

    def test_a_save_that_keeps_the_count_creates_no_cores(self):
        link = FiberLinkFactory(core_count=12)
        ids = set(link.cores.values_list("pk", flat=True))
        link.name = "Balai Kota - Kecamatan Kedaton"
        save_link(link)
        assert set(link.cores.values_list("pk", flat=True)) == ids


class TestLossBudget:
    @pytest.mark.parametrize(
        ("length", "splices", "connectors", "wavelength", "expected"),
        [
            ("10.000", 4, 2, Wavelength.NM_1310, "5.30"),  # 3.5 + 0.8 + 1.0
            ("10.000", 4, 2, Wavelength.NM_1550, "4.30"),  # 2.5 + 0.8 + 1.0
            ("0.000", 0, 0, Wavelength.NM_1310, "0.00"),
            ("1.000", 0, 0, Wavelength.NM_1310, "0.35"),
            ("1.000", 0, 0, Wavelength.NM_1550, "0.25"),
            ("0.000", 3, 0, Wavelength.NM_1310, "0.60"),
            ("0.000", 0, 4, Wavelength.NM_1550, "2.00"),
            ("2.500", 0, 2, Wavelength.NM_1310, "1.88"),  # 0.875 + 1.0, to two places
            ("25.400", 12, 4, Wavelength.NM_1310, "13.29"),  # 8.89 + 2.4 + 2.0
        ],
    )
    def test_budget_from_length_splices_and_connectors(self, length, splices, connectors, wavelength, expected):
        link = FiberLink(
            length_km=Decimal(length), splice_count=splices, connector_count=connectors, measured_wavelength=wavelength
        )
        assert link.loss_budget_db() == Decimal(expected)

    def test_budget_at_the_other_wavelength_on_request(self):
        link = FiberLink(length_km=Decimal("10"), splice_count=4, connector_count=2)
        assert link.measured_wavelength == Wavelength.NM_1310
        assert link.loss_budget_db(Wavelength.NM_1550) == Decimal("4.30")
        assert link.loss_budget_db() == Decimal("5.30")

    def test_no_measurement_means_no_margin(self):
        link = FiberLinkFactory(measured_loss_db=None)
        assert link.loss_margin_db is None
        assert link.loss_within_budget is None

    @pytest.mark.parametrize(
        ("measured", "margin", "within"),
        [("5.00", "0.30", True), ("5.30", "0.00", True), ("5.31", "-0.01", False), ("6.10", "-0.80", False)],
    )
    def test_measured_loss_is_compared_with_the_budget(self, measured, margin, within):
        link = FiberLinkFactory(
            length_km=Decimal("10"), splice_count=4, connector_count=2, measured_loss_db=Decimal(measured)
        )
        link.refresh_from_db()
        assert link.loss_margin_db == Decimal(margin)
        assert link.loss_within_budget is within

    def test_margin_uses_the_wavelength_it_was_measured_at(self):
        link = FiberLinkFactory(
            length_km=Decimal("10"),
            splice_count=4,
            connector_count=2,
            measured_loss_db=Decimal("4.80"),
            measured_wavelength=Wavelength.NM_1550,
        )
        assert link.loss_margin_db == Decimal("-0.50")  # 4.30 budget at 1550 nm
        assert link.loss_within_budget is False
        link.measured_wavelength = Wavelength.NM_1310
        assert link.loss_margin_db == Decimal("0.50")
        assert link.loss_within_budget is True

    def test_negative_measured_loss_is_refused(self):
        assert_invalid(FiberLink(**link_data(measured_loss_db=Decimal("-1"))), "measured_loss_db")


# --- sites ---------------------------------------------------------------------------------------


def site(**fields) -> Site:
    data = {"name": "Kantor Kecamatan Way Halim", "kind": "district_office"}
    data.update(fields)
    return Site(**data)


class TestCoordinates:
    @pytest.mark.parametrize(
        ("lat", "lon"), [("-90", "-180"), ("90", "180"), ("0", "0"), ("-5.429000", "105.261000"), (None, None)]
    )
    def test_in_range_pairs_are_valid(self, lat, lon):
        s = site(latitude=lat and Decimal(lat), longitude=lon and Decimal(lon))
        s.full_clean()
        s.save()

    @pytest.mark.parametrize(("field", "lat", "lon"), [("latitude", "90.5", "0"), ("latitude", "-91", "0")])
    def test_latitude_out_of_range(self, field, lat, lon):
        assert_invalid(site(latitude=Decimal(lat), longitude=Decimal(lon)), field)
        assert_db_refuses(site(latitude=Decimal(lat), longitude=Decimal(lon)))

    @pytest.mark.parametrize(("field", "lat", "lon"), [("longitude", "0", "180.5"), ("longitude", "0", "-181")])
    def test_longitude_out_of_range(self, field, lat, lon):
        assert_invalid(site(latitude=Decimal(lat), longitude=Decimal(lon)), field)
        assert_db_refuses(site(latitude=Decimal(lat), longitude=Decimal(lon)))

    @pytest.mark.parametrize(("lat", "lon"), [("-5.4", None), (None, "105.2")])
    def test_coordinates_come_in_pairs(self, lat, lon):
        data = {"latitude": lat and Decimal(lat), "longitude": lon and Decimal(lon)}
        assert_invalid(site(**data), "latitude", "both latitude and longitude")
        assert_db_refuses(site(**data))


class TestSiteName:
    def test_name_is_unique(self):
        SiteFactory(name="Balai Kota")
        assert_invalid(site(name="Balai Kota"), "name", "already exists")
        assert_db_refuses(site(name="Balai Kota"))

    def test_editing_a_site_does_not_clash_with_itself(self):
        s = SiteFactory(name="Balai Kota")
        s.address = "Jl. Dr. Susilo No. 2"
        s.full_clean()


# --- devices -------------------------------------------------------------------------------------


def device(**fields) -> Device:
    organization = fields.pop("organization", None) or OrganizationFactory()
    data = {
        "name": "srv-simpeg",
        "organization": organization,
        "site": fields.pop("site", None) or SiteFactory(organization=organization),
        "kind": DeviceKind.SERVER,
    }
    data.update(fields)
    return Device(**data)


class TestDeviceName:
    def test_name_is_unique_within_an_organization(self):
        existing = DeviceFactory(name="srv-sipd")
        assert_invalid(device(name="srv-sipd", organization=existing.organization), "name", "already has a device")
        assert_db_refuses(device(name="srv-sipd", organization=existing.organization))

    def test_same_name_in_two_organizations_is_allowed(self):
        DeviceFactory(name="srv-web")
        other = device(name="srv-web")
        other.full_clean()
        other.save()
        assert Device.objects.filter(name="srv-web").count() == 2


class TestAssetNumber:
    def test_asset_number_is_unique_when_set(self):
        DeviceFactory(asset_number="02.06.03.02.001")
        assert_invalid(device(asset_number="02.06.03.02.001"), "asset_number", "BMD asset number")
        assert_db_refuses(device(asset_number="02.06.03.02.001"))

    def test_many_devices_may_have_no_asset_number(self):
        DeviceFactory(asset_number="")
        second = device(asset_number="")
        second.full_clean()
        second.save()
        assert Device.objects.filter(asset_number="").count() == 2


class TestRack:
    def test_rack_must_be_at_the_devices_site(self):
        rack = RackFactory()
        assert_invalid(device(rack=rack), "rack", rack.name)

    def test_rack_at_the_site_is_valid(self):
        rack = RackFactory(u_height=42)
        d = device(site=rack.site, rack=rack, position=42)
        d.full_clean()
        d.save()

    @pytest.mark.parametrize(("height", "position"), [(42, 43), (10, 11), (1, 2)])
    def test_position_within_the_rack_height(self, height, position):
        rack = RackFactory(u_height=height)
        assert_invalid(device(site=rack.site, rack=rack, position=position), "position", f"{height}U")

    def test_position_is_at_least_one(self):
        rack = RackFactory()
        assert_invalid(device(site=rack.site, rack=rack, position=0), "position")

    def test_position_needs_a_rack(self):
        assert_invalid(device(position=5), "position", "needs a rack")
        assert_db_refuses(device(position=5))

    def test_only_a_virtual_machine_has_a_host(self):
        host = DeviceFactory(kind=DeviceKind.SERVER)
        assert_invalid(device(kind=DeviceKind.SWITCH, host=host), "host")
        device(kind=DeviceKind.VIRTUAL_MACHINE, host=host, organization=host.organization, site=host.site).full_clean()


# --- addresses -----------------------------------------------------------------------------------


class TestIPAddress:
    def test_address_is_unique(self):
        IPAddressFactory(address="127.20.0.1")
        assert_invalid(IPAddress(address="127.20.0.1", prefix_length=24), "address", "already recorded")
        assert_db_refuses(IPAddress(address="127.20.0.1", prefix_length=24))

    def test_ipv6_spellings_of_one_address_clash_in_the_database(self):
        IPAddress.objects.create(address="2001:db8::1", prefix_length=64)
        assert_db_refuses(IPAddress(address="2001:DB8:0::1", prefix_length=64))

    @pytest.mark.parametrize(
        ("address", "prefix"), [("127.0.0.1", 0), ("127.0.0.1", 32), ("2001:db8::5", 64), ("2001:db8::6", 128)]
    )
    def test_prefix_that_fits_the_version_is_valid(self, address, prefix):
        IPAddress(address=address, prefix_length=prefix).full_clean()

    @pytest.mark.parametrize(("address", "prefix"), [("127.0.0.1", 33), ("127.0.0.2", 64), ("127.0.0.3", 128)])
    def test_ipv4_prefix_is_at_most_32(self, address, prefix):
        assert_invalid(IPAddress(address=address, prefix_length=prefix), "prefix_length", "/32")

    def test_prefix_is_at_most_128_at_both_layers(self):
        assert_invalid(IPAddress(address="2001:db8::7", prefix_length=129), "prefix_length")
        assert_db_refuses(IPAddress(address="2001:db8::7", prefix_length=129))

    def test_parse_splits_address_and_prefix(self):
        assert IPAddress.parse(" 127.0.0.9/24 ") == ("127.0.0.9", 24)
        assert IPAddress.parse("127.0.0.9") == ("127.0.0.9", 32)
        assert IPAddress.parse("2001:DB8::1/64") == ("2001:db8::1", 64)

    def test_primary_address_must_be_on_the_device(self):
        d = DeviceFactory()
        foreign = IPAddressFactory(interface=InterfaceFactory())
        d.primary_ip = foreign
        assert_invalid(d, "primary_ip")
        own = IPAddressFactory(interface=InterfaceFactory(device=d))
        d.primary_ip = own
        d.full_clean()


# --- regions and organizations ------------------------------------------------------------------

PARENT_KIND_CASES = [
    (kind, parent_kind, parent_kind in REGION_PARENT_KINDS[kind])
    for kind in RegionKind.values
    for parent_kind in [None, *RegionKind.values]
]


class TestRegionTree:
    @pytest.mark.parametrize(("kind", "parent_kind", "allowed"), PARENT_KIND_CASES)
    def test_parent_kinds(self, kind, parent_kind, allowed):
        parent = Region.objects.create(name="Induk", kind=parent_kind) if parent_kind else None
        region = Region(name="Anak", kind=kind, parent=parent)
        if allowed:
            region.full_clean()
        else:
            assert_invalid(region, "parent")

    def test_every_kind_has_a_rule(self):
        assert set(REGION_PARENT_KINDS) == set(RegionKind.values)

    def test_a_region_cannot_be_its_own_parent(self):
        city = RegionFactory(kind=RegionKind.CITY)
        city.parent = city
        assert_invalid(city, "parent", "inside itself")

    def test_no_cycles_deeper_down(self):
        province = Region.objects.create(name="Lampung", kind=RegionKind.PROVINCE, code="18")
        city = Region.objects.create(name="Bandar Lampung", kind=RegionKind.CITY, code="18.71", parent=province)
        district = Region.objects.create(name="Kedaton", kind=RegionKind.DISTRICT, code="18.71.01", parent=city)
        city.parent = district
        assert_invalid(city, "parent", "inside itself")
        province = Region.objects.get(pk=province.pk)
        province.parent = Region.objects.get(pk=district.pk)
        assert_invalid(province, "parent", "inside itself")

    def test_a_valid_chain(self):
        city = Region.objects.create(name="Bandar Lampung", kind=RegionKind.CITY)
        district = Region.objects.create(name="Kedaton", kind=RegionKind.DISTRICT, parent=city)
        Region(name="Sidodadi", kind=RegionKind.URBAN_VILLAGE, parent=district).full_clean()


class TestOrganizationTree:
    def test_organization_cannot_be_its_own_parent(self):
        org = OrganizationFactory()
        org.parent = org
        assert_invalid(org, "parent", "own parent")

    def test_no_cycles_deeper_down(self):
        top = OrganizationFactory()
        middle = OrganizationFactory(parent=top)
        bottom = OrganizationFactory(parent=middle)
        top.parent = bottom
        assert_invalid(top, "parent")
        middle.parent = bottom
        assert_invalid(middle, "parent")

    def test_a_valid_chain(self):
        top = OrganizationFactory()
        middle = OrganizationFactory(parent=top)
        OrganizationFactory.build(parent=middle).full_clean()

    def test_a_loop_saved_without_validation_does_not_hang_clean(self):
        a = OrganizationFactory()
        b = OrganizationFactory(parent=a)
        Organization.objects.filter(pk=a.pk).update(parent=b)
        OrganizationFactory.build(parent=b).full_clean()

    def test_names_are_unique(self):
        OrganizationFactory(name="Dinas Kesehatan", short_name="Dinkes")
        assert_invalid(Organization(name="Dinas Kesehatan", short_name="Dinkes2", kind="dinas"), "name")
        assert_invalid(Organization(name="Dinkes Kota", short_name="Dinkes", kind="dinas"), "short_name")
        assert_db_refuses(Organization(name="Dinas Kesehatan", short_name="Dinkes3", kind="dinas"))


# --- migration records ---------------------------------------------------------------------------


class TestWave:
    def test_end_before_start_is_refused(self):
        wave = MigrationWave(
            name="Gelombang 1", start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2026, 2, 1)
        )
        assert_invalid(wave, "end_date", "cannot end before it starts")
        assert_db_refuses(wave)

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (datetime.date(2026, 3, 1), datetime.date(2026, 3, 1)),
            (datetime.date(2026, 3, 1), datetime.date(2026, 4, 30)),
            (datetime.date(2026, 3, 1), None),
            (None, datetime.date(2026, 3, 1)),
        ],
    )
    def test_valid_windows(self, start, end):
        wave = MigrationWave(name="Gelombang 2", start_date=start, end_date=end)
        wave.full_clean()
        wave.save()

    def test_name_is_unique(self):
        MigrationWaveFactory(name="Gelombang A")
        assert_invalid(MigrationWave(name="Gelombang A"), "name")
        assert_db_refuses(MigrationWave(name="Gelombang A"))


class TestBlocker:
    def test_resolved_before_opened_is_refused(self):
        migration = MigrationFactory()
        blocker = MigrationBlocker(
            migration=migration,
            category="backup",
            opened_on=datetime.date(2026, 2, 10),
            resolved_on=datetime.date(2026, 2, 9),
        )
        assert_invalid(blocker, "resolved_on", "resolved before it was opened")
        assert_db_refuses(blocker)

    @pytest.mark.parametrize("resolved", [None, datetime.date(2026, 2, 10), datetime.date(2026, 5, 1)])
    def test_open_or_resolved_later_is_valid(self, resolved):
        blocker = MigrationBlocker(
            migration=MigrationFactory(), category="budget", opened_on=datetime.date(2026, 2, 10), resolved_on=resolved
        )
        blocker.full_clean()
        blocker.save()
        assert blocker.is_open is (resolved is None)


class TestMigrationRecord:
    @pytest.mark.parametrize("kind", [DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE])
    def test_servers_are_migrated(self, kind):
        Migration(device=DeviceFactory(kind=kind)).full_clean()

    @pytest.mark.parametrize("kind", sorted(set(DeviceKind.values) - {"server", "virtual_machine"}))
    def test_other_devices_are_not(self, kind):
        assert_invalid(Migration(device=DeviceFactory(kind=kind)), "device", "Only servers")

    @pytest.mark.parametrize("vlan", [0, 4095, 5000])
    def test_vlan_out_of_range(self, vlan):
        migration = Migration(device=DeviceFactory(), target_vlan=vlan)
        assert_invalid(migration, "target_vlan", "4094")
        assert_db_refuses(Migration(device=DeviceFactory(), target_vlan=vlan))

    @pytest.mark.parametrize("vlan", [None, 1, 100, 4094])
    def test_vlan_in_range(self, vlan):
        migration = Migration(device=DeviceFactory(), target_vlan=vlan)
        migration.full_clean()
        migration.save()

    def test_a_server_cannot_be_its_own_target_host(self):
        migration = MigrationFactory()
        migration.target_host = migration.device
        assert_invalid(migration, "target_host")

    @pytest.mark.parametrize(
        ("earlier", "later"),
        [
            ("planned_start", "planned_cutover"),
            ("planned_cutover", "planned_acceptance"),
            ("actual_start", "actual_cutover"),
            ("actual_cutover", "actual_acceptance"),
        ],
    )
    def test_milestones_keep_their_order(self, earlier, later):
        migration = MigrationFactory()
        setattr(migration, earlier, datetime.date(2026, 5, 2))
        setattr(migration, later, datetime.date(2026, 5, 1))
        assert_invalid(migration, later)
        setattr(migration, later, datetime.date(2026, 5, 2))
        migration.full_clean()

    def test_one_migration_per_server(self):
        migration = MigrationFactory()
        assert_invalid(Migration(device=migration.device), "device")
        assert_db_refuses(Migration(device=migration.device))
