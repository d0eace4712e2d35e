"""How fast does the device import run? 10,000 devices from CSV into a fresh database.

Run: .venv/bin/python bench/import_devices.py [--rows N] [--repeat N]

It uses a throwaway SQLite database under a temporary directory (or DATABASE_URL when set, which
must then point to an empty database), creates 30 OPDs and 40 sites, writes a CSV of devices with
addresses in 127.0.0.0/8 (probing off), imports it, imports it again unchanged, then once more with
a tenth of the rows edited. It prints the figures (wall-clock and CPU time: on a machine busy with
other work the CPU time shows the import's own cost) and a one-line JSON summary; with --repeat
it runs the scenario several times on an emptied database and the summary gives the best run.
With --office the file is titled the way a city office titles it ("Nama Server", "Tipe"...) and has
no pantau column: the import then runs through the proposed column mapping and a value for every row.
"""

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="simpul-bench-"))
os.environ["SIMPUL_VAR_DIR"] = str(WORK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from infra.core.models import ObjectChange  # noqa: E402
from infra.inventory import spreadsheets  # noqa: E402
from infra.inventory.choices import DeviceKind, OrganizationKind, SiteKind  # noqa: E402
from infra.inventory.models import Device, Interface, IPAddress, Organization, Site  # noqa: E402

KINDS = [DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE, DeviceKind.SWITCH, DeviceKind.ROUTER, DeviceKind.ACCESS_POINT]
# --office: how a city office titles the columns (read through the synonyms); pantau is a constant.
OFFICE_TITLES = {
    "nama": "Nama Server",
    "opd": "Nama OPD",
    "lokasi": "Lokasi",
    "jenis": "Jenis Perangkat",
    "merek": "Merk",
    "model": "Tipe",
    "nomor_seri": "No. Seri",
    "kode_barang_bmd": "No. Inventaris BMD",
    "sistem_operasi": "Sistem Operasi",
    "tahun_pengadaan": "Tahun Pengadaan",
    "tanggal_perolehan": "Tgl. Pengadaan",
    "nilai_perolehan": "Nilai Perolehan (Rp)",
    "sumber_dana": "Sumber Dana",
    "alamat_ip": "IP Address",
    "tahap_migrasi": "Status Migrasi",
}
OFFICE_CONSTANTS = {"pantau": "tidak"}
VENDORS = [("Dell", "PowerEdge R740"), ("HPE", "ProLiant DL380"), ("Lenovo", "ThinkSystem SR650"), ("Cisco", "C9200")]


def setup_city(opds: int, sites: int) -> tuple[list[str], list[str]]:
    short_names = []
    for i in range(opds):
        org = Organization.objects.create(
            name=f"Dinas Uji Kinerja {i:02d}", short_name=f"DUK{i:02d}", kind=OrganizationKind.AGENCY
        )
        short_names.append(org.short_name)
    site_names = []
    for i in range(sites):
        site = Site.objects.create(name=f"Kantor Uji {i:02d}", kind=SiteKind.OPD_OFFICE)
        site_names.append(site.name)
    return short_names, site_names


def write_devices(
    path: Path, rows: int, opds: list[str], sites: list[str], edited_every: int = 0, office: bool = False
) -> None:
    header = [h for h in spreadsheets.get_sheet("devices").header() if not (office and h in OFFICE_CONSTANTS)]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([OFFICE_TITLES.get(h, h) for h in header] if office else header)
        for i in range(rows):
            vendor, model = VENDORS[i % len(VENDORS)]
            edited = edited_every and i % edited_every == 0
            values = {
                "nama": f"perangkat-{i:05d}",
                "opd": opds[i % len(opds)],
                "lokasi": sites[i % len(sites)],
                "jenis": KINDS[i % len(KINDS)],
                "status": "offline" if edited else "aktif",
                "merek": vendor,
                "model": model,
                "nomor_seri": f"SN{i:08d}",
                "kode_barang_bmd": f"02.06.03.{i:06d}",
                "sistem_operasi": "Ubuntu 22.04" if i % 3 else "Windows Server 2019",
                "tahun_pengadaan": 2015 + i % 10,
                # The asset register's fields, as an office writes them with --office ("Rp 314.000.000").
                "tanggal_perolehan": f"01/{1 + i % 12:02d}/{2015 + i % 10}",
                "nilai_perolehan": _rupiah(25_000_000 + i * 1_000, office),
                "sumber_dana": "APBD" if i % 2 else "DAK",
                "garansi_sampai": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{2024 + i % 4}",
                "rak": "",
                "posisi_u": "",
                "alamat_ip": f"127.{1 + i // 62_500}.{i // 250 % 250}.{i % 250 + 1}/24",
                "pantau": "tidak",
                "tahap_migrasi": "",
                "keterangan": "diubah" if edited else "",
            }
            writer.writerow([values[h] for h in header])


def _rupiah(amount: int, office: bool) -> str:
    """An amount as the template takes it (314000000) or as an office writes it (Rp 314.000.000)."""
    return f"Rp {amount:,}".replace(",", ".") if office else str(amount)


def timed_import(path: Path, office: bool = False) -> tuple[float, float, spreadsheets.ImportResult]:
    """Wall-clock and CPU seconds of one import (CPU time shows the cost when the machine is busy)."""
    mapping = spreadsheets.ColumnMapping(constants=dict(OFFICE_CONSTANTS)) if office else None
    start, cpu = time.perf_counter(), time.process_time()
    result = spreadsheets.import_file("devices", path, mapping=mapping)
    return time.perf_counter() - start, time.process_time() - cpu, result


@dataclass
class Run:
    import_s: float
    import_cpu_s: float
    reimport_s: float
    reimport_cpu_s: float
    edited_s: float
    edited_cpu_s: float
    edited_rows: int
    logged: int
    load: float


def run_once(args: argparse.Namespace) -> Run:
    """One full scenario on an empty database: import, the same file again, an edited file."""
    opds, sites = setup_city(args.opds, args.sites)
    plain, edited = WORK / "devices.csv", WORK / "devices-edited.csv"
    write_devices(plain, args.rows, opds, sites, office=args.office)
    write_devices(edited, args.rows, opds, sites, edited_every=10, office=args.office)
    changes_before = ObjectChange.objects.count()

    first, first_cpu, result = timed_import(plain, args.office)
    assert result.created == args.rows, result
    assert Device.objects.count() == Interface.objects.count() == IPAddress.objects.count() == args.rows
    assert Device.objects.filter(primary_ip__isnull=True).count() == 0
    assert not IPAddress.objects.filter(probe=True).exists()
    logged = ObjectChange.objects.count() - changes_before
    assert logged == 3 * args.rows, logged

    again, again_cpu, result = timed_import(plain, args.office)
    assert result.unchanged == args.rows and ObjectChange.objects.count() - changes_before == logged, result
    third, third_cpu, result = timed_import(edited, args.office)
    assert ObjectChange.objects.count() - changes_before == logged + result.updated
    return Run(first, first_cpu, again, again_cpu, third, third_cpu, result.updated, logged, os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--opds", type=int, default=30)
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument(
        "--repeat", type=int, default=1, help="Run the scenario N times on an emptied database; report the best."
    )
    parser.add_argument(
        "--office", action="store_true", help="Office titles and a value for every row: the import maps the columns."
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if Device.objects.exists():
        sys.exit("The database already holds devices: point DATABASE_URL at an empty database.")
    print(f"Database: {connection.vendor}, {args.rows} devices over {args.opds} OPDs and {args.sites} sites")
    runs = []
    for number in range(1, args.repeat + 1):
        if number > 1:
            call_command("flush", interactive=False, verbosity=0)
        run = run_once(args)
        runs.append(run)
        print(f"Run {number} (load average {run.load:.2f} on {os.cpu_count()} CPUs):")
        for label, wall, cpu, note in (
            ("Import", run.import_s, run.import_cpu_s, f"{run.logged} changes logged"),
            ("Re-import, same", run.reimport_s, run.reimport_cpu_s, "nothing logged"),
            ("Re-import, edited", run.edited_s, run.edited_cpu_s, f"{run.edited_rows} rows updated"),
        ):
            print(f"  {label + ':':19} {wall:7.2f} s {args.rows / wall:8.0f} rows/s   CPU {cpu:5.2f} s   ({note})")

    def best(attribute: str) -> float:
        return min(getattr(r, attribute) for r in runs)

    summary = {
        "benchmark": "import_devices_office" if args.office else "import_devices",
        "database": connection.vendor,
        "rows": args.rows,
        "opds": args.opds,
        "sites": args.sites,
        "runs": len(runs),
        "import_seconds": round(best("import_s"), 3),
        "import_rows_per_second": round(args.rows / best("import_s")),
        "import_cpu_seconds": round(best("import_cpu_s"), 3),
        "reimport_unchanged_seconds": round(best("reimport_s"), 3),
        "reimport_unchanged_rows_per_second": round(args.rows / best("reimport_s")),
        "reimport_unchanged_cpu_seconds": round(best("reimport_cpu_s"), 3),
        "reimport_edited_rows": runs[0].edited_rows,
        "reimport_edited_seconds": round(best("edited_s"), 3),
        "reimport_edited_rows_per_second": round(args.rows / best("edited_s")),
        "reimport_edited_cpu_seconds": round(best("edited_cpu_s"), 3),
        "change_records": runs[0].logged,
        "cpus": os.cpu_count(),
        "load_average_1min": [round(r.load, 2) for r in runs],
        "import_seconds_each_run": [round(r.import_s, 3) for r in runs],
    }
    if len(runs) > 1:
        print(
            f"Best of {len(runs)}: import {args.rows / best('import_s'):.0f} rows/s, "
            f"re-import {args.rows / best('reimport_s'):.0f} rows/s, "
            f"edited re-import {args.rows / best('edited_s'):.0f} rows/s"
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
