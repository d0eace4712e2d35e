"""The demo's fixed parameters: its seed, its "today", the city and its data center.

These shape the whole city (change one and every load differs), so they stay in code; the city's
contents are in the data files (see ``data.py``).
"""

import datetime
from zoneinfo import ZoneInfo

# The whole city is written in one transaction, so the data center's presence means it is loaded.
DATA_CENTER_SITE = "Pusat Data Kota Bandar Lampung"
SEED = 1871
WIB = ZoneInfo("Asia/Jakarta")
# The demo's "today": the history runs from November 2024 up to here, whatever the clock says.
DEMO_TODAY = datetime.date(2026, 11, 20)
DEMO_NOW = datetime.datetime(2026, 11, 20, 15, 30, tzinfo=WIB)
HISTORY_START = datetime.date(2024, 11, 4)
# When the change log says the registry (regions, OPDs, sites, devices, fiber) was entered: before the
# first migration, so that an auditor's as_of question on the demo finds the city as it was then.
REGISTRY_ENTERED = datetime.datetime(2024, 10, 21, 9, 0, tzinfo=WIB)
EMAIL_DOMAIN = "bandarlampungkota.go.id"

PROVINCE = ("Lampung", "18")
CITY = ("Kota Bandar Lampung", "18.71")
CITY_HALL = (-5.43045, 105.26020)  # Kompleks Pemkot, Jl. Dr. Susilo
