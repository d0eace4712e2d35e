"""Draw docs/diagrams.md's pictures from the demo city: one PNG per view, the wall's colours, a comparison.

    .venv/bin/python scripts/diagram_pictures.py                 # a throwaway SQLite demo database
    DATABASE_URL=postgres://... .venv/bin/python scripts/diagram_pictures.py   # a database with the demo

Without DATABASE_URL it loads the demo city (``manage.py load_demo``) and its probe history
(``manage.py probe demo-history``) into a temporary SQLite database; with it, it uses that database and
loads what is missing. Each picture is the renderer's own PNG (the same as the diagram page's PNG
button), scaled down to at most ``--width`` pixels wide and saved as an 8-bit palette PNG, so that each
file stays well under 300 KB. Pictures in English (``--language id`` for Indonesian).

Writes docs/screenshots/diagrams/: city.png, site.png, organization.png, datacenter.png, fiber.png,
applications.png, geographic.png, wall.png (the geographic view coloured by reachability, as the wall
shows it) and compare.png (the city view between the end of 2025 and the last month end).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "diagrams"
WORK = None if os.environ.get("DATABASE_URL") else tempfile.mkdtemp(prefix="simpul-pictures-")
if WORK:
    os.environ["SIMPUL_VAR_DIR"] = WORK
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils import translation  # noqa: E402
from PIL import Image  # noqa: E402

import diagrams  # noqa: E402
from infra.inventory.choices import DeviceKind, SiteKind  # noqa: E402
from infra.inventory.models import Device, Organization, Site  # noqa: E402
from infra.maps.builders import DiagramParams, build  # noqa: E402

MAX_BYTES = 300 * 1024


def _demo() -> None:
    """The demo city and its probe history, loaded unless the database has them."""
    call_command("migrate", verbosity=0)
    if not Device.objects.exists():
        call_command("load_demo", stdout=open(os.devnull, "w"))
    from infra.probes.models import CheckEvent

    if not CheckEvent.objects.exists():
        call_command("probe", "demo-history", stdout=open(os.devnull, "w"))


def _picks() -> dict[str, object]:
    """The site and OPD the pictures show: an OPD office with the most devices (the data center has
    its own view), and the OPD with the most servers outside Diskominfo (whose servers are the data
    center's)."""
    servers = Q(devices__kind__in=[DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE])
    site = Site.objects.exclude(kind=SiteKind.DATA_CENTER).annotate(n=Count("devices")).order_by("-n", "pk").first()
    organization = (
        Organization.objects.exclude(short_name__istartswith="Diskominfo")
        .annotate(n=Count("devices", filter=servers))
        .order_by("-n", "pk")
        .first()
    )
    return {"site": site, "organization": organization}


def _save(data: bytes, name: str, width: int) -> tuple[int, int, int]:
    """The PNG scaled to ``width`` at most, as an 8-bit palette PNG; (width, height, bytes)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    colours = 256
    while True:
        buffer = io.BytesIO()
        image.quantize(colours, dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
        if buffer.tell() <= MAX_BYTES or colours <= 32:
            break
        colours //= 2
    (OUT / name).write_bytes(buffer.getvalue())
    return image.width, image.height, buffer.tell()


def pictures() -> list[tuple[str, object]]:
    """(file name, topology) for each picture."""
    picks = _picks()
    out = [
        ("city.png", build("city", DiagramParams(view="city"))),
        ("site.png", build("site", DiagramParams(view="site", site=picks["site"]))),
        (
            "organization.png",
            build("organization", DiagramParams(view="organization", organization=picks["organization"])),
        ),
        ("datacenter.png", build("datacenter", DiagramParams(view="datacenter"))),
        ("fiber.png", build("fiber", DiagramParams(view="fiber"))),
        ("applications.png", build("applications", DiagramParams(view="applications"))),
        ("geographic.png", build("geographic", DiagramParams(view="geographic"))),
        ("wall.png", build("geographic", DiagramParams(view="geographic", colour_by="reachability"))),
    ]
    from infra.maps.services.snapshots import compare_dates

    today = datetime.date.today()
    first_of_month = today.replace(day=1)
    before = datetime.date(2025, 12, 31)
    after = first_of_month - datetime.timedelta(days=1)
    if after > before:
        out.append(("compare.png", compare_dates("city", DiagramParams(view="city"), before, after)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1600, help="the widest a picture may be, in pixels")
    parser.add_argument("--language", default="en")
    parser.add_argument("--only", action="append", default=[], help="draw only this picture (repeatable)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        _demo()
        with translation.override(args.language):
            for name, topology in pictures():
                if args.only and name.removesuffix(".png") not in args.only:
                    continue
                w, h, size = _save(diagrams.render(topology, "png", timeout=120), name, args.width)
                print(f"{name:18} {len(topology.nodes):4d} nodes  {w}x{h}  {size // 1024} KB")
    finally:
        if WORK:
            connection.close()
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
