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


# --- pages --------------------------------------------------------------------------------------
def _mismatched(laid) -> Contract:
    """The fixture's contract, with 1.3 km more fiber in the registry than it buys."""
    contract = laid["contract"]
    contract.contracted_km = Decimal("3.700")
    contract.save()
    return contract


def test_the_list_shows_the_reconciliation_and_filters_the_mismatches(client, auditor, laid):
    mismatched = _mismatched(laid)
    matching = ContractFactory(number="099/SPK/DISKOMINFO/2025", year=2025)
    client.force_login(auditor)
    page = client.get("/contracts/").content.decode()
    assert mismatched.number in page and matching.number in page
    assert 'data-status="mismatch"' in page and "+1,3" in page  # the pages speak Indonesian
    only = client.get("/contracts/?has_mismatch=true").content.decode()
    assert mismatched.number in only and matching.number not in only
    none = client.get("/contracts/?has_mismatch=false").content.decode()
    assert mismatched.number not in none and matching.number in none
    by_year = client.get("/contracts/?year=2025&sort=-value").content.decode()
    assert matching.number in by_year and mismatched.number not in by_year
    assert matching.number in client.get("/contracts/?q=099/SPK").content.decode()


def test_the_detail_page_shows_the_reconciliation_and_what_is_under_the_contract(client, auditor, laid):
    contract = _mismatched(laid)
    client.force_login(auditor)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="reconciliation"' in page
    assert page.count('class="table-danger"') == 1 and "+1,3" in page
    assert all(link.code in page for link in contract.fiber_links.all())
    assert contract.devices.get().name in page
    assert f"/contracts/{contract.pk}/edit/" not in page, "an auditor changes nothing"


def test_the_contract_pages_speak_indonesian(client, auditor, laid):
    contract = _mismatched(laid)
    client.force_login(auditor)
    page = client.get(f"/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Rekonsiliasi" in page and "Dikontrakkan" in page


def test_engineers_write_contracts_and_others_may_not(client, engineer, operator, auditor):
    data = {
        "number": "041/SPK/DISKOMINFO/2024",
        "title": "Paket FO Tahap II",
        "year": "2024",
        "contractor": "PT Krakatau Data Link",
        "value": "6217500000",
        "status": "active",
        "contracted_km": "12.5",
    }
    for user in (operator, auditor):
        client.force_login(user)
        assert client.post("/contracts/add/", data).status_code == 403
    assert not Contract.objects.exists()
    client.force_login(engineer)
    response = client.post("/contracts/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get()
    assert contract.value == Decimal("6217500000") and contract.contracted_km == Decimal("12.500")
    assert ObjectChange.objects.filter(content_type__model="contract", object_id=contract.pk, user=engineer).exists()
    bad = client.post("/contracts/add/", {**data, "end_date": "2024-01-01", "start_date": "2024-02-01"})
    assert bad.status_code == 400 and "Kontrak dengan nomor ini sudah ada." in bad.content.decode()
    assert Contract.objects.count() == 1


def test_deleting_a_contract_in_use_is_refused_with_a_reason(client, engineer, laid):
    contract = laid["contract"]
    client.force_login(engineer)
    response = client.post(f"/contracts/{contract.pk}/delete/", follow=True)
    page = response.content.decode()
    assert Contract.objects.filter(pk=contract.pk).exists()
    assert "tidak dapat dihapus" in page


def test_fiber_link_pages_show_and_filter_by_contract(client, engineer, laid):
    contract = laid["contract"]
    other = FiberLinkFactory(code="FO-LAIN")
    client.force_login(engineer)
    listed = client.get(f"/fiber-links/?contract={contract.pk}").content.decode()
    assert "FO-LAIN" not in listed and contract.fiber_links.first().code in listed
    link = contract.fiber_links.first()
    detail = client.get(f"/fiber-links/{link.pk}/").content.decode()
    assert f'href="/contracts/{contract.pk}/"' in detail
    form = client.get(f"/fiber-links/{other.pk}/edit/").content.decode()
    assert 'name="contract"' in form
    device = contract.devices.get()
    assert f'href="/contracts/{contract.pk}/"' in client.get(f"/devices/{device.pk}/").content.decode()
    assert 'name="contract"' in client.get(f"/devices/{device.pk}/edit/").content.decode()


# --- API ----------------------------------------------------------------------------------------
@pytest.fixture
def api(engineer):
    from ..api.conftest import token_client

    return token_client(engineer)


def test_the_api_gives_the_reconciliation_and_filters(api, laid):
    mismatched = _mismatched(laid)
    matching = ContractFactory(number="099/SPK/DISKOMINFO/2025", year=2025, contractor="CV Tapis")
    body = api.get(f"/api/contracts/{mismatched.pk}/").json()
    assert body["number"] == mismatched.number and body["has_mismatch"] is True and body["km_mismatch"] is True
    assert (body["registry_km"], body["km_difference"], body["registry_sites"]) == ("5.000", "1.300", 3)
    assert body["links_difference"] == 0 and body["value"] is None

    def numbers(**params):
        return {r["number"] for r in api.get("/api/contracts/", params).json()["results"]}

    assert numbers(has_mismatch="true") == {mismatched.number}
    assert numbers(has_mismatch="false") == {matching.number}
    assert numbers(year=2025) == {matching.number}
    assert numbers(contractor__icontains="tapis") == {matching.number}
    assert numbers(number=mismatched.number) == {mismatched.number}


def test_the_api_writes_contracts_and_links_name_them(api, laid):
    created = api.post(
        "/api/contracts/",
        {"number": "050/SPK/DISKOMINFO/2026", "value": "1184600000.00", "contracted_km": "2.000"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["registry_km"] == "0.000" and created.json()["has_mismatch"] is True
    contract = Contract.objects.get(number="050/SPK/DISKOMINFO/2026")
    duplicate = api.post("/api/contracts/", {"number": "050/SPK/DISKOMINFO/2026"}, format="json")
    assert duplicate.status_code == 400
    link = FiberLinkFactory()
    changed = api.patch(f"/api/fiber-links/{link.pk}/", {"contract": contract.pk}, format="json")
    assert changed.status_code == 200 and changed.json()["contract"]["display"] == contract.number
    listed = api.get("/api/fiber-links/", {"contract": contract.pk}).json()["results"]
    assert [r["code"] for r in listed] == [link.code]
    device = DeviceFactory(contract=contract)
    devices = api.get("/api/devices/", {"contract": contract.pk}).json()["results"]
    assert [(d["name"], d["contract"]["id"]) for d in devices] == [(device.name, contract.pk)]
    refused = api.delete(f"/api/contracts/{contract.pk}/")
    assert refused.status_code == 409 and Contract.objects.filter(pk=contract.pk).exists()
    assert len(refused.json()["referred_by"]) == 2  # fiber links and devices, in the API's language
    link.contract = None
    link.save()
    device.delete()
    assert api.delete(f"/api/contracts/{contract.pk}/").status_code == 204


def test_a_contract_written_over_the_api_answers_with_its_new_reconciliation(api, laid):
    """The figures in the answer are those after the write, not those read with the object before it."""
    contract = laid["contract"]
    assert api.get(f"/api/contracts/{contract.pk}/").json()["has_mismatch"] is False
    changed = api.patch(f"/api/contracts/{contract.pk}/", {"contracted_km": "3.000"}, format="json")
    assert changed.status_code == 200
    body = changed.json()
    assert (body["km_difference"], body["km_mismatch"], body["has_mismatch"]) == ("2.000", True, True)
    assert body == api.get(f"/api/contracts/{contract.pk}/").json()
    bulk = api.patch("/api/contracts/", [{"id": contract.pk, "contracted_links": 5}], format="json")
    assert bulk.status_code == 200, bulk.content
    assert (bulk.json()[0]["links_difference"], bulk.json()[0]["has_mismatch"]) == (-3, True)


def test_a_bulk_create_of_contracts_reads_their_figures_in_one_query(api, db):
    """Ten contracts or two: the same number of queries (their reconciliation read together)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def create(n, start):
        body = [{"number": f"{start + i:03d}/SPK/BULK/2026", "contracted_links": 1} for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            response = api.post("/api/contracts/", body, format="json")
        assert response.status_code == 201, response.content
        assert [r["registry_links"] for r in response.json()] == [0] * n
        assert all(r["has_mismatch"] for r in response.json())
        return len(queries)

    create(1, 900)  # the first write of a test fills caches (content types, the token's user)
    assert create(2, 1) == create(10, 100)


# --- spreadsheets -------------------------------------------------------------------------------
def _csv(path, header, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_contracts_import_and_links_name_them_by_number(tmp_path):
    from infra.inventory import spreadsheets
    from infra.inventory.models import FiberLink

    header = ["nomor", "nama_paket", "tahun_anggaran", "kontraktor", "nilai_kontrak", "status", "panjang_fo_km"]
    rows = [
        ["041/SPK/DISKOMINFO/2024", "Paket FO Tahap II", "2024", "PT Krakatau Data Link", "Rp 6.217.500.000", "selesai",
         "12,5"],
        ["019/SPK-FO/DISKOMINFO/2025", "Paket FO Tahap III", "2025", "CV Tapis", "5.392.800.000", "berjalan", ""],
    ]  # fmt: skip
    result = spreadsheets.import_file("contracts", _csv(tmp_path / "k.csv", header, rows))
    assert result.created == 2
    first = Contract.objects.get(number="041/SPK/DISKOMINFO/2024")
    assert (first.value, first.status, first.contracted_km) == (Decimal("6217500000"), "completed", Decimal("12.5"))

    a, b = SiteFactory(name="Pusat Data"), SiteFactory(name="Kantor Camat")
    header = ["kode", "lokasi_a", "lokasi_b", "pemasangan", "panjang_km", "kontrak"]
    good = [["FO-1", a.name, b.name, "duct", "2", "041/spk/diskominfo/2024"]]
    spreadsheets.import_file("fiberlinks", _csv(tmp_path / "fo.csv", header, good))
    assert FiberLink.objects.get(code="FO-1").contract == first

    bad = [*good, ["FO-2", a.name, b.name, "duct", "1", "999/SPK/TIDAK-ADA"]]
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("fiberlinks", _csv(tmp_path / "fo2.csv", header, bad))
    errors = [str(e) for e in failure.value.errors]
    assert len(errors) == 1 and errors[0].startswith("Row 3, column kontrak:") and "999/SPK/TIDAK-ADA" in errors[0]
    assert not FiberLink.objects.filter(code="FO-2").exists()

    out = tmp_path / "out.csv"
    with out.open("w", encoding="utf-8") as f:
        spreadsheets.export("fiberlinks", f)
    assert "FO-1,,Pusat Data" in out.read_text() and "041/SPK/DISKOMINFO/2024" in out.read_text()
    with (tmp_path / "k-out.csv").open("w", encoding="utf-8") as f:
        spreadsheets.export("contracts", f)
    exported = (tmp_path / "k-out.csv").read_text()
    assert exported.startswith("nomor,nama_paket,") and "041/SPK/DISKOMINFO/2024,Paket FO Tahap II,2024" in exported
