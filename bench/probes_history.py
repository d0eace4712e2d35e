"""The synthetic probe history at scale: a benchmark city (bench/citygen.py), one ICMP check per
device, then ``services.history.load`` for a year, timed, with its rows per second.

    DATABASE_URL=postgres://... .venv/bin/python bench/probes_history.py --checks 2000 --hourly-days 400

(without DATABASE_URL: a throwaway SQLite database). The benchmark of issue 11 times the status page
and an OPD's monthly report on a city of 20,000 checks built this way."""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
    import django

    django.setup()

import citygen

from infra.inventory.models import IPAddress
from infra.probes.models import Check
from infra.probes.services import checks as check_service
from infra.probes.services import history as history_service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--hourly-days", type=int, default=400)
    args = parser.parse_args()
    started = time.perf_counter()
    citygen.generate_city(devices=args.checks, seed=1)
    addresses = IPAddress.objects.filter(interface__isnull=False).select_related("interface")[: args.checks]
    made = Check.objects.bulk_create(
        [Check(kind="icmp", device_id=ip.interface.device_id, address=str(ip.address)) for ip in addresses]
    )
    check_service.ensure_status([c.pk for c in made])
    print(f"city and {len(made)} checks in {time.perf_counter() - started:.1f} s")
    counts = history_service.load(days=args.days, hourly_days=args.hourly_days, profile="fiber")
    rows = sum(counts[k] for k in ("events", "downtimes", "hourly", "daily"))
    print(
        f"history: {counts['checks']} checks x {args.days} days in {counts['seconds']:.1f} s "
        f"(planning and state {counts['plan_seconds']:.1f} s): {counts['events']} events, {counts['downtimes']} "
        f"downtimes, {counts['hourly']} hourly, {counts['daily']} daily rows; {rows / counts['seconds']:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
