"""The demo city: a Bandar Lampung-like government network with two years of migration history.

Its contents are the CSV files in ``data/`` (read by ``data.py``); the modules beside it lay them out
with one seeded random generator, so every load gives the same city. Nothing outside the repository is
read. Loading again is cheap: once the data center exists, only the demo users are made sure of.

Coordinates, addresses, people, servers and links are invented within the real city's bounds.

``manage.py load_demo`` calls :func:`load_demo`; the names below are what other code uses.
"""

from .constants import DATA_CENTER_SITE, DEMO_NOW, DEMO_TODAY, WIB
from .data import DEMO_USERS, KECAMATAN, OPD_ROWS, DemoUser, kecamatan_names, opd_rows
from .load import COUNTED_MODELS, DemoResult, is_loaded, load_demo
from .users import DEMO_PASSWORD, ensure_users

__all__ = [
    "COUNTED_MODELS",
    "DATA_CENTER_SITE",
    "DEMO_NOW",
    "DEMO_PASSWORD",
    "DEMO_TODAY",
    "DEMO_USERS",
    "KECAMATAN",
    "OPD_ROWS",
    "WIB",
    "DemoResult",
    "DemoUser",
    "ensure_users",
    "is_loaded",
    "kecamatan_names",
    "load_demo",
    "opd_rows",
]
