"""Contracts (procurement packages): the model, the migration from free text, and the reconciliation
of what each contract bought against what the registry holds under it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError

from infra.core.models import ObjectChange
from infra.inventory.models import Contract
from infra.inventory.reconciliation import lines, with_reconciliation

from ..factories import ContractFactory, DeviceFactory, FiberLinkFactory, SiteFactory

pytestmark = pytest.mark.django_db


def reconciled(contract: Contract) -> Contract:
    return with_reconciliation(Contract.objects.filter(pk=contract.pk)).get()


# --- the model ----------------------------------------------------------------------------------
def test_contract_numbers_are_unique():
    ContractFactory(number="041/SPK/DISKOMINFO/2024")
    duplicate = Contract(number="041/SPK/DISKOMINFO/2024")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "A contract with this number already exists." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(number="041/SPK/DISKOMINFO/2024")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"value": Decimal("-1")}, "value", "greater than or equal to 0"),
        ({"contracted_km": Decimal("-0.5")}, "contracted_km", "greater than or equal to 0"),
        (
            {"start_date": datetime.date(2024, 5, 1), "end_date": datetime.date(2024, 4, 1)},
            "end_date",
            "The completion date cannot be before the work starts.",
        ),
        (
            {"signed_date": datetime.date(2024, 5, 1), "start_date": datetime.date(2024, 4, 1)},
            "start_date",
            "The work cannot start before the contract is signed.",
        ),
        ({"year": 1999}, "year", "greater than or equal to 2000"),
    ],
)
def test_bad_contracts_are_refused(fields, field, message):
    contract = Contract(number="001/SPK/2024", **fields)
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_a_contract_keeps_money_exact_and_logs_its_changes():
    contract = ContractFactory(value=Decimal("4865000000.10"))
    contract.refresh_from_db()
    assert contract.value == Decimal("4865000000.10")
    assert ObjectChange.objects.filter(content_type__model="contract", object_id=contract.pk).exists()


def test_a_contract_in_use_cannot_be_deleted():
    contract = ContractFactory()
    link = FiberLinkFactory(contract=contract)
    with pytest.raises(ProtectedError) as error:
        contract.delete()
    assert link in error.value.protected_objects
    link.contract = None
    link.save()
    device = DeviceFactory(contract=contract)
    with pytest.raises(ProtectedError):
        contract.delete()
    device.contract = None
    device.save()
    contract.delete()
    assert not Contract.objects.exists()


# --- the migration from free text ----------------------------------------------------------------
BEFORE, AFTER = [("inventory", "0011_organization_website")], [("inventory", "0012_contracts")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_packages_become_contracts_and_back():
    old = _migrate(BEFORE)
    try:
        Site = old.get_model("inventory", "Site")
        Link = old.get_model("inventory", "FiberLink")
        sites = [Site.objects.create(name=f"Lokasi {i}", kind="office") for i in range(4)]

        def link(code, package, contractor="", installed=None, a=0, b=1):
            return Link.objects.create(
                code=code,
                site_a=sites[a],
                site_b=sites[b],
                deployment="duct",
                length_km=Decimal("1.000"),
                procurement_package=package,
                contractor=contractor,
                installed_date=installed,
            )

        link("FO-1", "Paket FO 2023", "PT Siger Optik Mandiri", datetime.date(2023, 8, 1))
        link("FO-2", " Paket FO 2023 ", "PT Siger Optik Mandiri", datetime.date(2023, 9, 1), 1, 2)
        link("FO-3", "Paket FO 2024", "PT Siger Optik Mandiri", datetime.date(2024, 8, 1))
        link("FO-4", "Paket FO 2024", "PT Krakatau Data Link", datetime.date(2025, 1, 10), 2, 3)
        link("FO-5", "", "PT Krakatau Data Link")

        new = _migrate(AFTER)
        NewContract, NewLink = new.get_model("inventory", "Contract"), new.get_model("inventory", "FiberLink")
        found = {c.number: c for c in NewContract.objects.all()}
        assert set(found) == {"Paket FO 2023", "Paket FO 2024"}
        assert (found["Paket FO 2023"].contractor, found["Paket FO 2023"].year) == ("PT Siger Optik Mandiri", 2023)
        assert (found["Paket FO 2024"].contractor, found["Paket FO 2024"].year) == ("", None), "they disagree"
        by_code = dict(NewLink.objects.values_list("code", "contract__number"))
        assert by_code == {
            "FO-1": "Paket FO 2023",
            "FO-2": "Paket FO 2023",
            "FO-3": "Paket FO 2024",
            "FO-4": "Paket FO 2024",
            "FO-5": None,
        }

        old = _migrate(BEFORE)
        Link = old.get_model("inventory", "FiberLink")
        assert dict(Link.objects.values_list("code", "procurement_package")) == {
            "FO-1": "Paket FO 2023",
            "FO-2": "Paket FO 2023",
            "FO-3": "Paket FO 2024",
            "FO-4": "Paket FO 2024",
            "FO-5": "",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- reconciliation -----------------------------------------------------------------------------
@pytest.fixture
def laid():
    """A contract for 5 km, 2 links, 3 sites and 1 device; the registry holds exactly that."""
    a, b, c = SiteFactory(), SiteFactory(), SiteFactory()
    contract = ContractFactory(
        contracted_km=Decimal("5.000"), contracted_links=2, contracted_sites=3, contracted_devices=1
    )
    FiberLinkFactory(contract=contract, site_a=a, site_b=b, length_km=Decimal("2.000"))
    FiberLinkFactory(contract=contract, site_a=b, site_b=c, length_km=Decimal("3.000"))
    DeviceFactory(contract=contract, site=c)
    FiberLinkFactory(length_km=Decimal("9.000"))  # under no contract
    return {"contract": contract, "sites": (a, b, c)}


def test_a_contract_the_registry_matches(laid):
    found = reconciled(laid["contract"])
    assert (found.registry_km, found.registry_links, found.registry_sites, found.registry_devices) == (
        Decimal("5.000"),
        2,
        3,
        1,
    )
    assert (found.km_difference, found.links_difference, found.sites_difference, found.devices_difference) == (
        0,
        0,
        0,
        0,
    )
    assert found.has_mismatch is False
    assert [line.mismatch for line in lines(found)] == [False] * 4


def test_fiber_beyond_the_tolerance_is_a_mismatch(laid):
    contract = laid["contract"]
    FiberLinkFactory(contract=contract, site_a=laid["sites"][0], site_b=laid["sites"][2], length_km=Decimal("1.3"))
    contract.contracted_links = 3
    contract.save()
    found = reconciled(contract)
    assert found.registry_km == Decimal("6.300") and found.km_difference == Decimal("1.300")
    assert found.km_mismatch and found.has_mismatch
    assert [line.mismatch for line in lines(found)] == [True, False, False, False]
    assert Contract.objects.filter(pk__in=with_reconciliation(Contract.objects.all()).filter(has_mismatch=True))


def test_fiber_within_one_percent_is_no_mismatch(laid):
    contract = laid["contract"]
    contract.contracted_km = Decimal("5.049")  # the registry holds 49 m (under 1 %) less
    contract.save()
    found = reconciled(contract)
    assert found.km_difference == Decimal("-0.049") and not found.km_mismatch and not found.has_mismatch
    contract.contracted_km = Decimal("5.060")
    contract.save()
    assert reconciled(contract).has_mismatch


def test_sites_count_each_site_once_and_include_the_devices_sites(laid):
    contract = laid["contract"]
    DeviceFactory(contract=contract, site=laid["sites"][0])  # a site already at a link's end
    found = reconciled(contract)
    assert found.registry_sites == 3 and found.registry_devices == 2
    assert found.devices_difference == 1 and found.has_mismatch
    DeviceFactory(contract=contract, site=SiteFactory())
    assert reconciled(contract).registry_sites == 4


def test_quantities_a_contract_does_not_state_are_not_compared(laid):
    contract = ContractFactory()  # buys nothing stated
    FiberLinkFactory(contract=contract, length_km=Decimal("7.000"))
    found = reconciled(contract)
    assert found.registry_km == Decimal("7.000") and found.km_difference is None and not found.has_mismatch
    empty = reconciled(ContractFactory(contracted_km=Decimal("2.000"), contracted_links=1))
    assert (empty.registry_km, empty.registry_links, empty.registry_sites) == (0, 0, 0)
    assert empty.km_difference == Decimal("-2.000") and empty.has_mismatch


def test_reconciling_many_contracts_takes_one_query(laid, django_assert_num_queries):
    for _ in range(5):
        contract = ContractFactory(contracted_km=Decimal("1.000"))
        FiberLinkFactory(contract=contract, length_km=Decimal("1.000"))
        DeviceFactory(contract=contract)
    with django_assert_num_queries(1):
        rows = list(with_reconciliation(Contract.objects.all()))
    assert len(rows) == 6 and {r.registry_links for r in rows} == {1, 2}
    assert not [r for r in rows if r.has_mismatch]
