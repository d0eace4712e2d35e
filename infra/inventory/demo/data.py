"""The demo city's data: the CSV files in ``data/`` beside this module, read into typed tables.

What the city is made of (kecamatan, OPDs and their offices, servers, virtual machines, applications, the
migration programme, names of people) lives in those files, inside the repository; the builder only lays
it out. ``opd-kota.csv`` and ``kecamatan-bandar-lampung.csv`` are the project's sample lists; the other
files add what the demo needs on top of them (``data/README.md`` lists them). ``bench/citygen.py`` takes
its OPDs, names and kecamatan count from this module, so the benchmark city and the demo cannot drift.

Choice values (a kind, a status, a state) are checked against their choices here, so a typo in a file
fails at import, not halfway through a load.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

from infra.core.choices import Role

from ..choices import (
    ApplicationStatus,
    BlockerCategory,
    ContractStatus,
    Criticality,
    FiberLinkStatus,
    IntegrationStatus,
    MigrationState,
    OrganizationKind,
    WaveStatus,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


def read(name: str) -> list[dict[str, str]]:
    """Rows of one data file in :data:`DATA_DIR`, keys and cells stripped (an empty cell is "")."""
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as f:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _column(name: str, column: str = "name") -> tuple[str, ...]:
    return tuple(row[column] for row in read(name))


def _grouped(rows: list[dict[str, str]], key: str, value: str) -> dict[str, tuple[str, ...]]:
    """``value`` of the rows grouped by ``key``, in file order (the builder draws from them at random)."""
    groups: dict[str, tuple[str, ...]] = {}
    for row in rows:
        groups[row[key]] = (*groups.get(row[key], ()), row[value])
    return groups


# --- Regions ----------------------------------------------------------------------------------------

# The 20 kecamatan in Kemendagri code order: name -> (code, latitude, longitude, street of the camat's
# office, sample of its kelurahan). The codes follow Kemendagri's 18.71.xx scheme: check them against
# the current regulation before relying on them outside a demo.
_KELURAHAN = _grouped(read("kelurahan.csv"), "kecamatan", "name")
KECAMATAN: dict[str, tuple[str, float, float, str, tuple[str, ...]]] = {
    row["name"]: (
        row["code"],
        float(row["latitude"]),
        float(row["longitude"]),
        row["street"],
        tuple(_KELURAHAN.get(row["name"], ())),
    )
    for row in read("kecamatan-offices.csv")
}
# Kecamatan offices with a fiber phase other than II/III (the rest follow the default spread).
KECAMATAN_LINKS: dict[str, str] = {row["name"]: row["link"] for row in read("kecamatan-offices.csv") if row["link"]}


def kecamatan_names() -> list[str]:
    """The kecamatan of the sample list in Kemendagri code order (the list is alphabetical), so that the
    same names give the same city; a name the offices table does not know comes last."""
    names = {row["name"] for row in read("kecamatan-bandar-lampung.csv") if row.get("name")}
    known = [n for n in KECAMATAN if n in names]
    return known + sorted(names - set(known))


# --- Organizations (OPD) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpdOffice:
    street: str
    kecamatan: str
    servers: int  # servers in the OPD's own room, each to be migrated
    link: str  # fiber phase to the data center: I-III active, R relocated to duct, UC, P, F, or "-" none
    in_city_hall: bool = False
    site_name: str = ""  # when it is not "Kantor <short name>"


OPD_OFFICES: dict[str, OpdOffice] = {
    row["short_name"]: OpdOffice(
        row["street"], row["kecamatan"], int(row["servers"]), row["link"], row["in_city_hall"] == "y", row["site_name"]
    )
    for row in read("opd-offices.csv")
}
DEFAULT_OFFICE = OpdOffice("Jl. Dr. Susilo, Sumur Batu", "Teluk Betung Utara", 1, "P")


def opd_rows() -> list[tuple[str, str, str]]:
    """(name, short name, kind) of each OPD in the sample list, in the offices table's order (unknown
    ones last, by short name) so that the same OPDs give the same city; an unknown kind becomes "other"."""
    kinds = set(OrganizationKind.values)
    order = {short: i for i, short in enumerate(OPD_OFFICES)}
    found = [
        (r["name"], r["short_name"], r["kind"] if r["kind"] in kinds else OrganizationKind.OTHER)
        for r in read("opd-kota.csv")
        if r.get("name") and r.get("short_name")
    ]
    return sorted(found, key=lambda row: (order.get(row[1], len(order)), row[1]))


OPD_ROWS: tuple[tuple[str, str, str], ...] = tuple(opd_rows())

# --- Servers and virtual machines -------------------------------------------------------------------

# What the first servers of some OPDs do; the rest get one of the generic roles (rows without an OPD).
SERVER_ROLES: dict[str, tuple[str, ...]] = _grouped([r for r in read("server-roles.csv") if r["opd"]], "opd", "role")
GENERIC_SERVER_ROLES: tuple[str, ...] = tuple(r["role"] for r in read("server-roles.csv") if not r["opd"])
# Servers that stay where they are, and why (the justification a retained server needs).
RETAINED_SERVERS: dict[str, str] = {row["device"]: row["justification"] for row in read("retained-servers.csv")}
# (vendor, model) of the servers in OPD rooms.
OPD_SERVER_MODELS: tuple[tuple[str, str], ...] = tuple((r["vendor"], r["model"]) for r in read("server-models.csv"))
SERVER_OS: tuple[str, ...] = tuple(r["name"] for r in read("operating-systems.csv") if r["kind"] == "server")
VM_OS: tuple[str, ...] = tuple(r["name"] for r in read("operating-systems.csv") if r["kind"] == "virtual_machine")
# Virtual machines already running in the data center: name, owner, OS, what it does.
DC_VMS: list[list[str]] = [[r["name"], r["owner"], r["os"], r["description"]] for r in read("dc-vms.csv")]

# --- Fiber ------------------------------------------------------------------------------------------

CONTRACTORS: tuple[str, ...] = _column("contractors.csv")
# Phase code: (procurement package, year, status)
FIBER_PHASES: dict[str, tuple[str, int, str]] = {
    r["phase"]: (r["package"], int(r["year"]), FiberLinkStatus(r["status"])) for r in read("fiber-phases.csv")
}


@dataclass(frozen=True)
class DemoContract:
    """A fiber package's contract (SPK): one contractor each; the quantities are the as-built ones."""

    number: str
    contractor: str
    value: int
    signed: datetime.date | None
    start: datetime.date | None
    end: datetime.date | None
    status: str


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


# Package title (as in fiber-phases.csv): its contract.
CONTRACTS: dict[str, DemoContract] = {
    r["package"]: DemoContract(
        r["number"],
        r["contractor"],
        int(r["value"]),
        _date(r["signed"]),
        _date(r["start"]),
        _date(r["end"]),
        ContractStatus(r["status"]),
    )
    for r in read("contracts.csv")
}
# The package whose contract buys less fiber than the registry holds under it (the demo's mismatch).
MISMATCHED_PACKAGE = "Paket Pembangunan Jaringan FO Tahap III 2025"
# (name, kecamatan, latitude, longitude) of the POPs, then of the passive ODC cabinets.
POPS: tuple[tuple[str, str, float, float], ...] = tuple(
    (r["name"], r["kecamatan"], float(r["latitude"]), float(r["longitude"]))
    for r in read("pops.csv")
    if r["kind"] == "pop"
)
ODCS: tuple[tuple[str, str, float, float], ...] = tuple(
    (r["name"], r["kecamatan"], float(r["latitude"]), float(r["longitude"]))
    for r in read("pops.csv")
    if r["kind"] == "odc"
)

# --- Applications -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class App:
    name: str
    short_name: str
    owner: str
    url: str
    criticality: str
    integration: str
    target_year: int | None
    hosts: tuple[str, ...] = ()
    status: str = ApplicationStatus.PRODUCTION
    description: str = ""


APPLICATIONS: tuple[App, ...] = tuple(
    App(
        r["name"],
        r["short_name"],
        r["owner"],
        r["url"],
        Criticality(r["criticality"]),
        IntegrationStatus(r["integration"]),
        int(r["target_year"]) if r["target_year"] else None,
        tuple(r["hosts"].split()),
        ApplicationStatus(r["status"]),
        r["description"],
    )
    for r in read("applications.csv")
)

# --- Migration --------------------------------------------------------------------------------------

# (name, start, end, status)
WAVES: tuple[tuple[str, datetime.date, datetime.date, str], ...] = tuple(
    (
        r["name"],
        datetime.date.fromisoformat(r["start_date"]),
        datetime.date.fromisoformat(r["end_date"]),
        WaveStatus(r["status"]),
    )
    for r in read("waves.csv")
)
# How many of the freely assigned servers end in each state (the rest stay inventoried).
STATE_QUOTAS: tuple[tuple[str, int], ...] = tuple(
    (MigrationState(r["state"]), int(r["count"])) for r in read("state-quotas.csv")
)


def _transition_reasons() -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, str], tuple[str, ...]]]:
    """The reasons a move forward gives (by the state reached), and those of a move back (by both states)."""
    forward: dict[str, tuple[str, ...]] = {}
    back: dict[tuple[str, str], tuple[str, ...]] = {}
    for row in read("transition-reasons.csv"):
        to = MigrationState(row["to_state"])
        if row["from_state"]:
            key = (MigrationState(row["from_state"]), to)
            back[key] = (*back.get(key, ()), row["reason"])
        else:
            forward[to] = (*forward.get(to, ()), row["reason"])
    return forward, back


def _blockers() -> dict[str, tuple[tuple[str, str], ...]]:
    """category: ((description, owner), ...); "{org}" in an owner is the OPD's short name."""
    blockers: dict[str, tuple[tuple[str, str], ...]] = {}
    for row in read("blockers.csv"):
        category = BlockerCategory(row["category"])
        blockers[category] = (*blockers.get(category, ()), (row["description"], row["owner"]))
    return blockers


REASONS, ROLLBACK_REASONS = _transition_reasons()
BLOCKERS = _blockers()
# The override reason recorded when a gate (by its code) is not met at "migrating".
OVERRIDES: dict[str, str] = {r["gate"]: r["reason"] for r in read("gate-overrides.csv")}

# --- People -----------------------------------------------------------------------------------------

FIRST_NAMES: tuple[str, ...] = _column("first-names.csv")
LAST_NAMES: tuple[str, ...] = _column("last-names.csv")
HEAD_TITLES: dict[str, str] = {OrganizationKind(r["kind"]): r["title"] for r in read("head-titles.csv")}
PHONE_PREFIXES: tuple[str, ...] = _column("phone-prefixes.csv", "prefix")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    organization: str = ""  # short name of the OPD the user belongs to (required for operators)


DEMO_USERS: tuple[DemoUser, ...] = tuple(
    DemoUser(r["username"], Role(r["role"]), r["first_name"], r["last_name"], r["organization"])
    for r in read("users.csv")
)
