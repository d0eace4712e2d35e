"""The demo city: a Bandar Lampung-like government network with two years of migration history.

Everything is built from the tables below (and from the sample CSVs in ``../shared/data`` when they
sit beside the project) with one seeded random generator, so every load gives the same city. Loading
again is cheap: once the data center exists, only the demo users are made sure of.

Coordinates, addresses, people, servers and links are invented within the real city's bounds.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from infra.core import changelog
from infra.core.choices import ChangeAction, ChangeSource, Role
from infra.core.context import change_context, current_context
from infra.core.models import ObjectChange, User

from .choices import ApplicationStatus as AppStatus
from .choices import (
    BlockerCategory,
    CableType,
    CoreState,
    Criticality,
    Deployment,
    DeviceKind,
    DeviceStatus,
    Disposition,
    FiberLinkStatus,
    IntegrationStatus,
    InterfaceKind,
    IPAddressStatus,
    MigrationState,
    OrganizationKind,
    Readiness,
    RegionKind,
    SiteKind,
    SiteStatus,
    TerminationKind,
    WaveStatus,
)
from .models import (
    Application,
    Contact,
    Device,
    FiberCore,
    FiberLink,
    Interface,
    IPAddress,
    Migration,
    MigrationBlocker,
    MigrationTransition,
    MigrationWave,
    Organization,
    Rack,
    Region,
    Site,
)
from .services.fiber import save_link
from .services.migration import gates, start_tracking, transition

# --- What the README names ------------------------------------------------------------------------

DEMO_PASSWORD = "simpul-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    organization: str = ""  # short name of the OPD the user belongs to (required for operators)


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMINISTRATOR, "Admin", "Simpul"),
    DemoUser("insinyur", Role.ENGINEER, "Rizki", "Pratama", "Diskominfo"),
    DemoUser("teknisi", Role.ENGINEER, "Dedi", "Kurniawan", "Diskominfo"),
    DemoUser("opd.disdukcapil", Role.OPD_OPERATOR, "Sri", "Wahyuni", "Disdukcapil"),
    DemoUser("opd.dinkes", Role.OPD_OPERATOR, "Andi", "Saputra", "Dinkes"),
    DemoUser("auditor", Role.AUDITOR, "Maya", "Lestari"),
    DemoUser("inspektorat", Role.AUDITOR, "Hendra", "Gunawan", "Inspektorat"),
)

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
SHARED_DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data"

# A fixed salt gives the same hash on every run, so a second run sees the password is already the
# demo one with a single hash computation instead of one per user. It is a published demo password.
_DEMO_SALT = "SimpulDemoKotaBandarLa"

# --- Regions ----------------------------------------------------------------------------------------

PROVINCE = ("Lampung", "18")
CITY = ("Kota Bandar Lampung", "18.71")
CITY_HALL = (-5.43045, 105.26020)  # Kompleks Pemkot, Jl. Dr. Susilo

# The 20 kecamatan: Kemendagri code, latitude and longitude (near the camat's office) and street; then a
# sample of each one's kelurahan. The codes follow Kemendagri's 18.71.xx scheme: check them against the
# current regulation before relying on them outside a demo.
_KECAMATAN_TABLE = """
Teluk Betung Barat   | 18.71.01 | -5.4660 | 105.2290 | Jl. Ikan Kakap No. 2
Teluk Betung Selatan | 18.71.02 | -5.4500 | 105.2640 | Jl. Laksamana Malahayati No. 12
Panjang              | 18.71.03 | -5.4740 | 105.3180 | Jl. Yos Sudarso No. 310
Tanjung Karang Timur | 18.71.04 | -5.4160 | 105.2790 | Jl. Hayam Wuruk No. 25
Teluk Betung Utara   | 18.71.05 | -5.4330 | 105.2560 | Jl. Wolter Monginsidi No. 5
Tanjung Karang Pusat | 18.71.06 | -5.4110 | 105.2550 | Jl. Kartini No. 40
Tanjung Karang Barat | 18.71.07 | -5.4050 | 105.2330 | Jl. Imam Bonjol No. 77
Kemiling             | 18.71.08 | -5.3980 | 105.2010 | Jl. Teuku Cik Ditiro No. 3
Kedaton              | 18.71.09 | -5.3760 | 105.2560 | Jl. Teuku Umar No. 112
Rajabasa             | 18.71.10 | -5.3560 | 105.2410 | Jl. Zainal Abidin Pagar Alam No. 88
Tanjung Senang       | 18.71.11 | -5.3510 | 105.2760 | Jl. Ratu Dibalau No. 14
Sukarame             | 18.71.12 | -5.3780 | 105.2960 | Jl. Pulau Sebesi No. 9
Sukabumi             | 18.71.13 | -5.4100 | 105.3120 | Jl. Soekarno-Hatta No. 21
Way Halim            | 18.71.14 | -5.3860 | 105.2770 | Jl. Sultan Agung No. 30
Langkapura           | 18.71.15 | -5.3850 | 105.2250 | Jl. Sam Ratulangi No. 60
Enggal               | 18.71.16 | -5.4210 | 105.2660 | Jl. Raden Intan No. 55
Kedamaian            | 18.71.17 | -5.4040 | 105.2860 | Jl. Pangeran Antasari No. 140
Labuhan Ratu         | 18.71.18 | -5.3690 | 105.2660 | Jl. Kimaja No. 4
Bumi Waras           | 18.71.19 | -5.4570 | 105.2810 | Jl. Ikan Bawal No. 11
Teluk Betung Timur   | 18.71.20 | -5.5020 | 105.2580 | Jl. Ikan Hiu No. 6
"""
_KELURAHAN_TABLE = """
Teluk Betung Barat   | Bakung, Kuripan, Negeri Olok Gading
Teluk Betung Selatan | Gedong Pakuon, Pesawahan, Talang
Panjang              | Panjang Selatan, Panjang Utara, Srengsem
Tanjung Karang Timur | Kota Baru, Kebon Jeruk, Sawah Lama
Teluk Betung Utara   | Gulak Galik, Kupang Kota, Pengajaran
Tanjung Karang Pusat | Durian Payung, Gotong Royong, Palapa
Tanjung Karang Barat | Gedong Air, Segala Mider, Susunan Baru
Kemiling             | Beringin Raya, Kemiling Permai, Pinang Jaya
Kedaton              | Kedaton, Sidodadi, Surabaya
Rajabasa             | Rajabasa, Rajabasa Raya, Gedong Meneng
Tanjung Senang       | Tanjung Senang, Way Kandis, Labuhan Dalam
Sukarame             | Sukarame, Way Dadi, Korpri Jaya
Sukabumi             | Sukabumi, Campang Raya, Way Laga
Way Halim            | Way Halim Permai, Perumnas Way Halim, Jagabaya II
Langkapura           | Langkapura, Bilabong Jaya, Gunung Terang
Enggal               | Enggal, Pelita, Tanjung Karang, Rawa Laut
Kedamaian            | Kedamaian, Tanjung Raya, Tanjung Agung Raya
Labuhan Ratu         | Labuhan Ratu, Kampung Baru, Sepang Jaya
Bumi Waras           | Bumi Waras, Garuntang, Sukaraja
Teluk Betung Timur   | Sukamaju, Kota Karang, Keteguhan
"""


def _table(text: str) -> list[list[str]]:
    """Rows of a "|"-separated text table, cells stripped."""
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


# name: (code, latitude, longitude, street of the camat's office, kelurahan sample)
_KELURAHAN = {name: tuple(k.strip() for k in names.split(",")) for name, names in _table(_KELURAHAN_TABLE)}
KECAMATAN: dict[str, tuple[str, float, float, str, tuple[str, ...]]] = {
    name: (code, float(lat), float(lon), street, _KELURAHAN.get(name, ()))
    for name, code, lat, lon, street in _table(_KECAMATAN_TABLE)
}

# --- Organizations (OPD) ----------------------------------------------------------------------------

# The same rows as ../shared/data/opd-kota.csv, for a checkout without it.
OPD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Sekretariat Daerah", "Setda", "sekretariat"),
    ("Sekretariat DPRD", "Setwan", "sekretariat"),
    ("Inspektorat", "Inspektorat", "inspektorat"),
    ("Badan Perencanaan Pembangunan Daerah", "Bappeda", "badan"),
    ("Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD", "badan"),
    ("Badan Pendapatan Daerah", "Bapenda", "badan"),
    ("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM", "badan"),
    ("Badan Penanggulangan Bencana Daerah", "BPBD", "badan"),
    ("Badan Kesatuan Bangsa dan Politik", "Kesbangpol", "badan"),
    ("Dinas Komunikasi dan Informatika", "Diskominfo", "dinas"),
    ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "dinas"),
    ("Dinas Pendidikan dan Kebudayaan", "Disdikbud", "dinas"),
    ("Dinas Kesehatan", "Dinkes", "dinas"),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR", "dinas"),
    ("Dinas Perumahan dan Kawasan Permukiman", "Disperkim", "dinas"),
    ("Satuan Polisi Pamong Praja", "Satpol PP", "dinas"),
    ("Dinas Sosial", "Dinsos", "dinas"),
    ("Dinas Tenaga Kerja", "Disnaker", "dinas"),
    ("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DPPPA", "dinas"),
    ("Dinas Ketahanan Pangan", "DKP", "dinas"),
    ("Dinas Lingkungan Hidup", "DLH", "dinas"),
    ("Dinas Perhubungan", "Dishub", "dinas"),
    ("Dinas Koperasi dan Usaha Kecil Menengah", "Diskop UKM", "dinas"),
    ("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP", "dinas"),
    ("Dinas Kepemudaan dan Olahraga", "Dispora", "dinas"),
    ("Dinas Pariwisata", "Dispar", "dinas"),
    ("Dinas Perpustakaan dan Kearsipan", "Dispusip", "dinas"),
    ("Dinas Pertanian", "Distan", "dinas"),
    ("Dinas Perikanan", "Diskan", "dinas"),
    ("Dinas Perdagangan", "Disdag", "dinas"),
    ("Dinas Perindustrian", "Disperin", "dinas"),
    ("Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar", "dinas"),
    ("Rumah Sakit Umum Daerah", "RSUD", "rsud"),
)


@dataclass(frozen=True)
class OpdOffice:
    street: str
    kecamatan: str
    servers: int  # servers in the OPD's own room, each to be migrated
    link: str  # fiber phase to the data center: I-III active, R relocated to duct, UC, P, F, or "-" none
    in_city_hall: bool = False
    site_name: str = ""  # when it is not "Kantor <short name>"


# short name | street | kecamatan | servers | fiber phase | in the city hall complex | site name (if not "Kantor X")
_OPD_OFFICE_TABLE = """
Setda       | Jl. Dr. Susilo No. 2, Sumur Batu | Teluk Betung Utara | 6  | I   | y | Kantor Wali Kota Bandar Lampung
Setwan      | Jl. Dr. Susilo No. 3, Sumur Batu | Teluk Betung Utara | 3  | I   | y |
Inspektorat | Jl. Dr. Susilo No. 4, Sumur Batu | Teluk Betung Utara | 2  | I   | y |
Bappeda     | Jl. Dr. Susilo No. 9, Sumur Batu | Teluk Betung Utara | 5  | I   | y |
BPKAD       | Jl. Dr. Susilo No. 11, Sumur Batu | Teluk Betung Utara | 8  | I   | y |
Bapenda     | Jl. Wolter Monginsidi No. 32 | Teluk Betung Utara | 8  | II  |   |
BKPSDM      | Jl. Dr. Susilo No. 6, Sumur Batu | Teluk Betung Utara | 5  | I   | y |
BPBD        | Jl. Basuki Rahmat No. 22 | Teluk Betung Utara | 3  | II  |   |
Kesbangpol  | Jl. Sultan Agung No. 7 | Way Halim | 1  | III |   |
Diskominfo  | Jl. Dr. Susilo No. 2, Gedung B lt. 2 | Teluk Betung Utara | 4  | I   | y |
Disdukcapil | Jl. Pangeran Antasari No. 88 | Kedamaian | 10 | II  |   |
Disdikbud   | Jl. Kartini No. 56 | Tanjung Karang Pusat | 7  | II  |   |
Dinkes      | Jl. Dr. Susilo No. 46 | Teluk Betung Utara | 8  | R   |   |
Dinas PUPR  | Jl. Tamin No. 21 | Tanjung Karang Barat | 4  | II  |   |
Disperkim   | Jl. Teuku Umar No. 14 | Kedaton | 2  | III |   |
Satpol PP   | Jl. Pangeran Emir M. Noer No. 1 | Tanjung Karang Pusat | 1  | II  |   |
Dinsos      | Jl. Raden Intan No. 112 | Enggal | 3  | III |   |
Disnaker    | Jl. Sam Ratulangi No. 42 | Langkapura | 2  | UC  |   |
DPPPA       | Jl. Sultan Agung No. 5 | Way Halim | 1  | III |   |
DKP         | Jl. Zainal Abidin Pagar Alam No. 14 | Rajabasa | 1  | P   |   |
DLH         | Jl. Cut Mutia No. 7 | Teluk Betung Utara | 2  | R   |   |
Dishub      | Jl. Yos Sudarso No. 1 | Bumi Waras | 5  | I   |   |
Diskop UKM  | Jl. Hayam Wuruk No. 11 | Tanjung Karang Timur | 1  | III |   |
DPMPTSP     | Jl. Dr. Susilo No. 1 | Teluk Betung Utara | 4  | I   | y | Mal Pelayanan Publik Bandar Lampung
Dispora     | Jl. Gatot Subroto No. 56 | Bumi Waras | 1  | P   |   |
Dispar      | Jl. Jenderal Sudirman No. 30 | Enggal | 2  | III |   |
Dispusip    | Jl. Raden Saleh No. 3 | Tanjung Karang Barat | 2  | III |   |
Distan      | Jl. Ryacudu No. 9 | Sukarame | 1  | -   |   |
Diskan      | Jl. Laksamana Malahayati No. 40 | Teluk Betung Selatan | 1  | -   |   |
Disdag      | Jl. Gatot Subroto No. 1 | Tanjung Karang Timur | 2  | UC  |   |
Disperin    | Jl. Soekarno-Hatta KM 8 | Sukarame | 1  | P   |   |
Damkar      | Jl. Ahmad Yani No. 8 | Tanjung Karang Pusat | 1  | II  |   |
RSUD        | Jl. Basuki Rahmat No. 73, Sumur Putri | Teluk Betung Utara | 9  | II  |   | RSUD A. Dadi Tjokrodipo
"""
OPD_OFFICES: dict[str, OpdOffice] = {
    short: OpdOffice(street, kecamatan, int(servers), link, hall == "y", site)
    for short, street, kecamatan, servers, link, hall, site in _table(_OPD_OFFICE_TABLE)
}
DEFAULT_OFFICE = OpdOffice("Jl. Dr. Susilo, Sumur Batu", "Teluk Betung Utara", 1, "P")

# What the first servers of some OPDs do (the rest get a generic role).
SERVER_ROLES: dict[str, tuple[str, ...]] = {
    "Setda": (
        "Server e-Office (lama)",
        "Server LPSE (lama)",
        "Server JDIH (lama)",
        "Domain controller Setda",
        "File server Setda",
        "Server absensi",
    ),
    "Bappeda": (
        "Server e-Planning",
        "Server basis data perencanaan",
        "Server GIS tata ruang",
        "File server Bappeda",
        "Server web Bappeda",
    ),
    "BPKAD": (
        "Server aplikasi SIPKD",
        "Server basis data SIPKD",
        "Server SIMDA BMD",
        "Server SIMDA Keuangan (arsip)",
        "Server gaji",
        "File server BPKAD",
        "Server backup BPKAD",
        "Server pengadaan",
    ),
    "Bapenda": (
        "Server e-BPHTB",
        "Server PBB-P2",
        "Server basis data pajak",
        "Server pajak restoran online",
        "Server e-SPTPD",
        "Server web Bapenda",
        "File server Bapenda",
        "Server backup Bapenda",
    ),
    "BKPSDM": (
        "Server SIMPEG (lama)",
        "Server e-Kinerja (lama)",
        "Server absensi sidik jari",
        "File server BKPSDM",
        "Server CAT seleksi",
    ),
    "Disdukcapil": (
        "Server SIAK Terpusat (milik Ditjen Dukcapil)",
        "Server Layanan Online Disdukcapil",
        "Server basis data layanan online",
        "Server antrean",
        "Server cetak KTP-el",
        "Server web Disdukcapil",
        "File server Disdukcapil",
        "Server arsip dokumen",
        "Server backup Disdukcapil",
        "Domain controller Disdukcapil",
    ),
    "Disdikbud": (
        "Server PPDB (aplikasi)",
        "Server PPDB (basis data)",
        "Server Dapodik lokal",
        "Server web Disdikbud",
        "File server Disdikbud",
        "Server e-Rapor",
        "Server ujian berbasis komputer",
    ),
    "Dinkes": (
        "Server SIKDA (aplikasi)",
        "Server SIKDA (basis data)",
        "Server e-Puskesmas",
        "Server web Dinkes",
        "Server surveilans",
        "File server Dinkes",
        "Server logistik obat",
        "Server backup Dinkes",
    ),
    "Dishub": ("Server ATCS", "Server NVR ATCS", "Server uji KIR", "Server web Dishub", "Server parkir elektronik"),
    "DPMPTSP": (
        "Server perizinan (SiCantik lokal)",
        "Server antrean MPP",
        "Server basis data perizinan",
        "File server DPMPTSP",
    ),
    "DLH": ("Server e-Retribusi Sampah", "Server web DLH"),
    "RSUD": (
        "Server SIMRS (aplikasi)",
        "Server SIMRS (basis data)",
        "Server PACS radiologi",
        "Server LIS laboratorium",
        "Server bridging BPJS",
        "Server web RSUD",
        "File server RSUD",
        "Server antrean RSUD",
        "Server backup RSUD",
    ),
}
GENERIC_SERVER_ROLES = (
    "Server aplikasi",
    "Server web",
    "Server basis data",
    "File server",
    "Server aplikasi lama",
    "Server backup",
)
# Servers that stay where they are, and why (the justification a retained server needs).
RETAINED_SERVERS: dict[str, str] = {
    "srv-disdukcapil-01": "Server SIAK milik Ditjen Dukcapil Kemendagri; pengelolaan dan lokasi ditentukan pusat.",
    "srv-rsud-01": "SIMRS melayani 24 jam di rumah sakit; latensi ke pusat data belum memadai.",
    "srv-rsud-02": "Basis data SIMRS harus satu lokasi dengan aplikasinya di rumah sakit.",
    "srv-rsud-03": "PACS radiologi menyimpan citra besar; tetap di RSUD sesuai standar pelayanan.",
    "srv-rsud-04": "LIS terhubung langsung ke alat laboratorium di RSUD.",
    "srv-rsud-05": "Bridging BPJS mengikuti SIMRS yang tetap di rumah sakit.",
}

# --- Equipment catalogue ------------------------------------------------------------------------------

# vendor: (model, OS or firmware)
OPD_SERVER_MODELS: tuple[tuple[str, str], ...] = (
    ("Dell", "PowerEdge R720"),
    ("Dell", "PowerEdge R730"),
    ("Dell", "PowerEdge T430"),
    ("Dell", "PowerEdge R740"),
    ("Dell", "PowerEdge T440"),
    ("HPE", "ProLiant DL380 Gen9"),
    ("HPE", "ProLiant DL380 Gen10"),
    ("HPE", "ProLiant ML350 Gen9"),
    ("HPE", "ProLiant DL360 Gen10"),
    ("Lenovo", "ThinkSystem SR550"),
    ("Lenovo", "ThinkSystem SR650"),
    ("Lenovo", "ThinkSystem ST250"),
    ("Fujitsu", "PRIMERGY RX2540 M4"),
)
SERVER_OS = (
    "Windows Server 2012 R2",
    "Windows Server 2016",
    "Windows Server 2019",
    "Ubuntu Server 18.04 LTS",
    "Ubuntu Server 20.04 LTS",
    "CentOS 7.9",
    "Debian 11",
    "Oracle Linux 7",
)
VM_OS = ("Ubuntu Server 22.04 LTS", "Ubuntu Server 24.04 LTS", "Rocky Linux 9", "Debian 12", "Windows Server 2022")

# Virtual machines already running in the data center: name, owner, OS, what it does.
_DC_VM_TABLE = """
vm-portal-web   | Diskominfo | Ubuntu Server 22.04 LTS | Portal resmi pemkot (web)
vm-portal-db    | Diskominfo | Ubuntu Server 22.04 LTS | Portal resmi pemkot (basis data)
vm-ppid         | Diskominfo | Ubuntu Server 22.04 LTS | PPID
vm-satudata     | Diskominfo | Ubuntu Server 22.04 LTS | Portal Satu Data
vm-lapor        | Diskominfo | Ubuntu Server 22.04 LTS | Integrasi SP4N-LAPOR!
vm-112-app      | Diskominfo | Rocky Linux 9           | Aplikasi call center 112
vm-112-pbx      | Diskominfo | Debian 12               | PBX call center 112 (Asterisk)
vm-dns-01       | Diskominfo | Debian 12               | DNS internal JIP
vm-dns-02       | Diskominfo | Debian 12               | DNS internal JIP (cadangan)
vm-mail         | Diskominfo | Rocky Linux 9           | Surat elektronik dinas
vm-waf          | Diskominfo | Debian 12               | Reverse proxy dan WAF
vm-backup       | Diskominfo | Windows Server 2022     | Backup pusat data
vm-monitoring   | Diskominfo | Ubuntu Server 22.04 LTS | Pemantauan jaringan
vm-simpul       | Diskominfo | Debian 12               | Simpul: inventaris infrastruktur
vm-ad           | Diskominfo | Windows Server 2022     | Domain controller pemkot
vm-sso          | Diskominfo | Ubuntu Server 22.04 LTS | Single sign-on pegawai
vm-splp-gw      | Diskominfo | Ubuntu Server 22.04 LTS | API gateway SPLP
vm-web-opd-01   | Diskominfo | Ubuntu Server 22.04 LTS | Hosting website OPD (1)
vm-web-opd-02   | Diskominfo | Ubuntu Server 22.04 LTS | Hosting website OPD (2)
vm-cctv-archive | Diskominfo | Ubuntu Server 22.04 LTS | Arsip rekaman CCTV kota
vm-eoffice-app  | Setda      | Ubuntu Server 22.04 LTS | e-Office (aplikasi)
vm-eoffice-db   | Setda      | Ubuntu Server 22.04 LTS | e-Office (basis data)
vm-lpse         | Setda      | Rocky Linux 9           | LPSE (SPSE LKPP)
vm-jdih         | Setda      | Ubuntu Server 22.04 LTS | JDIH
vm-simpeg-app   | BKPSDM     | Ubuntu Server 22.04 LTS | SIMPEG (aplikasi)
vm-simpeg-db    | BKPSDM     | Ubuntu Server 22.04 LTS | SIMPEG (basis data)
vm-ekinerja     | BKPSDM     | Ubuntu Server 22.04 LTS | e-Kinerja
vm-pajak-app    | Bapenda    | Rocky Linux 9           | Pajak daerah online (aplikasi)
vm-pajak-db     | Bapenda    | Rocky Linux 9           | Pajak daerah online (basis data)
vm-sicantik     | DPMPTSP    | Ubuntu Server 22.04 LTS | Perizinan online SiCantik
vm-atcs         | Dishub     | Windows Server 2022     | Pusat kendali ATCS
vm-siaga        | BPBD       | Ubuntu Server 24.04 LTS | Siaga Bencana (pengembangan)
vm-eplanning    | Bappeda    | Ubuntu Server 22.04 LTS | e-Planning (baru)
vm-ppdb         | Disdikbud  | Ubuntu Server 22.04 LTS | PPDB (cadangan musim pendaftaran)
vm-sikda        | Dinkes     | Ubuntu Server 22.04 LTS | SIKDA (replika)
"""
DC_VMS: list[list[str]] = _table(_DC_VM_TABLE)


# --- Fiber ------------------------------------------------------------------------------------------

CONTRACTORS = (
    "PT Siger Optik Mandiri",
    "PT Krakatau Data Link",
    "CV Tapis Jaringan Nusantara",
    "PT Sinar Fiber Lampung",
    "PT Way Kanan Telematika",
)
# Phase code: (procurement package, year, status)
FIBER_PHASES: dict[str, tuple[str, int, str]] = {
    "I": ("Paket Pembangunan Jaringan FO Tahap I 2023", 2023, FiberLinkStatus.ACTIVE),
    "II": ("Paket Pembangunan Jaringan FO Tahap II 2024", 2024, FiberLinkStatus.ACTIVE),
    "III": ("Paket Pembangunan Jaringan FO Tahap III 2025", 2025, FiberLinkStatus.ACTIVE),
    "R": ("Paket Relokasi Kabel FO Udara ke Ducting 2025", 2025, FiberLinkStatus.ACTIVE),
    "UC": ("Paket Pembangunan Jaringan FO Tahap IV 2026", 2026, FiberLinkStatus.UNDER_CONSTRUCTION),
    "P": ("Rencana Pembangunan Jaringan FO Tahap V 2027", 2027, FiberLinkStatus.PLANNED),
    "F": ("Paket Pembangunan Jaringan FO Tahap II 2024", 2024, FiberLinkStatus.FAULTY),
}
POPS: tuple[tuple[str, str, float, float], ...] = (
    ("POP Way Halim", "Way Halim", -5.3845, 105.2790),
    ("POP Sukarame", "Sukarame", -5.3770, 105.3010),
    ("POP Panjang", "Panjang", -5.4700, 105.3120),
    ("POP Kemiling", "Kemiling", -5.3930, 105.2070),
    ("POP Rajabasa", "Rajabasa", -5.3590, 105.2450),
)
ODCS: tuple[tuple[str, str, float, float], ...] = (
    ("ODC Tanjung Karang Pusat", "Tanjung Karang Pusat", -5.4135, 105.2575),
    ("ODC Teluk Betung", "Teluk Betung Selatan", -5.4480, 105.2660),
)
# Kecamatan offices with a link phase other than II/III (the rest follow the default spread).
KECAMATAN_LINKS = {"Kemiling": "P", "Tanjung Senang": "P", "Teluk Betung Timur": "UC", "Panjang": "F"}

# --- Applications ---------------------------------------------------------------------------------


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
    status: str = AppStatus.PRODUCTION
    description: str = ""


_C, _I = Criticality, IntegrationStatus
APPLICATIONS: tuple[App, ...] = (
    App(
        "Sistem Informasi Pemerintahan Daerah",
        "SIPD",
        "Bappeda",
        "https://sipd.kemendagri.go.id",
        _C.CRITICAL,
        _I.INTEGRATED,
        2023,
        description="Aplikasi nasional Kemendagri: perencanaan, penganggaran dan penatausahaan; diisi operator OPD.",
    ),
    App(
        "Sistem Informasi Manajemen Kepegawaian",
        "SIMPEG",
        "BKPSDM",
        "https://simpeg.bandarlampungkota.go.id",
        _C.HIGH,
        _I.SERVICE_BUS,
        2025,
        ("vm-simpeg-app", "vm-simpeg-db"),
    ),
    App(
        "e-Kinerja Pegawai",
        "e-Kinerja",
        "BKPSDM",
        "https://ekinerja.bandarlampungkota.go.id",
        _C.HIGH,
        _I.API_GATEWAY,
        2025,
        ("vm-ekinerja",),
    ),
    App(
        "Naskah Dinas Elektronik",
        "e-Office",
        "Setda",
        "https://eoffice.bandarlampungkota.go.id",
        _C.HIGH,
        _I.PLANNED,
        2026,
        ("vm-eoffice-app", "vm-eoffice-db"),
    ),
    App(
        "Sistem Informasi Pengelolaan Keuangan Daerah",
        "SIPKD",
        "BPKAD",
        "https://sipkd.bandarlampungkota.go.id",
        _C.CRITICAL,
        _I.PLANNED,
        2026,
        ("srv-bpkad-01", "srv-bpkad-02"),
    ),
    App(
        "SIMDA Barang Milik Daerah",
        "SIMDA BMD",
        "BPKAD",
        "https://simda-bmd.bandarlampungkota.go.id",
        _C.HIGH,
        _I.NONE,
        2027,
        ("srv-bpkad-03",),
    ),
    App(
        "Pajak Daerah Online (e-BPHTB dan PBB-P2)",
        "e-Pajak",
        "Bapenda",
        "https://pajak.bandarlampungkota.go.id",
        _C.CRITICAL,
        _I.API_GATEWAY,
        2025,
        ("vm-pajak-app", "vm-pajak-db", "srv-bapenda-01", "srv-bapenda-02"),
    ),
    App(
        "Layanan Online Disdukcapil",
        "Dukcapil Online",
        "Disdukcapil",
        "https://layanan.disdukcapil.bandarlampungkota.go.id",
        _C.CRITICAL,
        _I.SERVICE_BUS,
        2025,
        ("srv-disdukcapil-02", "srv-disdukcapil-03"),
    ),
    App(
        "Call Center 112",
        "112",
        "Diskominfo",
        "https://112.bandarlampungkota.go.id",
        _C.CRITICAL,
        _I.INTEGRATED,
        2024,
        ("vm-112-app", "vm-112-pbx"),
    ),
    App(
        "Sistem Informasi Manajemen Rumah Sakit",
        "SIMRS",
        "RSUD",
        "https://simrs.rsud.bandarlampungkota.go.id",
        _C.CRITICAL,
        _I.API_GATEWAY,
        2026,
        ("srv-rsud-01", "srv-rsud-02"),
    ),
    App(
        "SP4N-LAPOR! Kota Bandar Lampung",
        "LAPOR",
        "Diskominfo",
        "https://lapor.bandarlampungkota.go.id",
        _C.MEDIUM,
        _I.INTEGRATED,
        2023,
        ("vm-lapor",),
    ),
    App(
        "Portal Resmi Pemerintah Kota Bandar Lampung",
        "Portal",
        "Diskominfo",
        "https://www.bandarlampungkota.go.id",
        _C.HIGH,
        _I.NONE,
        None,
        ("vm-portal-web", "vm-portal-db"),
    ),
    App(
        "Pejabat Pengelola Informasi dan Dokumentasi",
        "PPID",
        "Diskominfo",
        "https://ppid.bandarlampungkota.go.id",
        _C.MEDIUM,
        _I.PLANNED,
        2026,
        ("vm-ppid",),
    ),
    App(
        "Satu Data Bandar Lampung",
        "Satu Data",
        "Diskominfo",
        "https://data.bandarlampungkota.go.id",
        _C.MEDIUM,
        _I.SERVICE_BUS,
        2025,
        ("vm-satudata",),
    ),
    App(
        "Layanan Pengadaan Secara Elektronik",
        "LPSE",
        "Setda",
        "https://lpse.bandarlampungkota.go.id",
        _C.CRITICAL,
        _I.INTEGRATED,
        2024,
        ("vm-lpse",),
    ),
    App(
        "Jaringan Dokumentasi dan Informasi Hukum",
        "JDIH",
        "Setda",
        "https://jdih.bandarlampungkota.go.id",
        _C.LOW,
        _I.INTEGRATED,
        2024,
        ("vm-jdih",),
    ),
    App(
        "Perizinan Online SiCantik",
        "SiCantik",
        "DPMPTSP",
        "https://perizinan.bandarlampungkota.go.id",
        _C.HIGH,
        _I.SERVICE_BUS,
        2025,
        ("vm-sicantik", "srv-dpmptsp-01"),
    ),
    App(
        "e-Planning Pembangunan Daerah",
        "e-Planning",
        "Bappeda",
        "https://eplanning.bandarlampungkota.go.id",
        _C.MEDIUM,
        _I.PLANNED,
        2026,
        ("srv-bappeda-01", "vm-eplanning"),
    ),
    App(
        "Penerimaan Peserta Didik Baru Online",
        "PPDB",
        "Disdikbud",
        "https://ppdb.bandarlampungkota.go.id",
        _C.HIGH,
        _I.NONE,
        2027,
        ("srv-disdikbud-01", "srv-disdikbud-02", "vm-ppdb"),
    ),
    App(
        "Area Traffic Control System",
        "ATCS",
        "Dishub",
        "https://atcs.bandarlampungkota.go.id",
        _C.HIGH,
        _I.NONE,
        None,
        ("srv-dishub-01", "vm-atcs"),
    ),
    App(
        "Sistem Informasi Kesehatan Daerah",
        "SIKDA",
        "Dinkes",
        "https://sikda.dinkes.bandarlampungkota.go.id",
        _C.HIGH,
        _I.PLANNED,
        2026,
        ("srv-dinkes-01", "srv-dinkes-02", "vm-sikda"),
    ),
    App(
        "Siaga Bencana Bandar Lampung",
        "Siaga Bencana",
        "BPBD",
        "https://siagabencana.bandarlampungkota.go.id",
        _C.HIGH,
        _I.PLANNED,
        2026,
        ("vm-siaga",),
        AppStatus.DEVELOPMENT,
    ),
    App(
        "e-Retribusi Sampah",
        "e-Retribusi",
        "DLH",
        "https://retribusi.bandarlampungkota.go.id",
        _C.MEDIUM,
        _I.NONE,
        2027,
        ("srv-dlh-01",),
    ),
    App(
        "Retribusi Pasar Elektronik",
        "e-Pasar",
        "Disdag",
        "https://epasar.bandarlampungkota.go.id",
        _C.LOW,
        _I.NONE,
        2027,
        (),
        AppStatus.PLANNED,
    ),
    App(
        "Simpul Inventaris Infrastruktur",
        "Simpul",
        "Diskominfo",
        "https://simpul.bandarlampungkota.go.id",
        _C.MEDIUM,
        _I.NONE,
        None,
        ("vm-simpul",),
    ),
    App(
        "SMS Gateway Pengaduan",
        "SMS Pengaduan",
        "Diskominfo",
        "https://sms.bandarlampungkota.go.id",
        _C.LOW,
        _I.NONE,
        None,
        (),
        AppStatus.RETIRED,
        description="Digantikan SP4N-LAPOR! sejak 2023.",
    ),
    *(
        App(
            "Website Resmi",
            f"Web {short}",
            short,
            f"https://{slug}.bandarlampungkota.go.id",
            _C.LOW,
            _I.NONE,
            None,
            (host,),
        )
        for short, slug, host in (
            ("Disdukcapil", "disdukcapil", "vm-web-opd-01"),
            ("Dinkes", "dinkes", "vm-web-opd-01"),
            ("Bappeda", "bappeda", "vm-web-opd-02"),
            ("BPBD", "bpbd", "vm-web-opd-02"),
            ("Dishub", "dishub", "vm-web-opd-02"),
            ("Disdikbud", "disdikbud", "vm-web-opd-01"),
        )
    ),
)

# --- Migration --------------------------------------------------------------------------------------

_S = MigrationState
# name: (start, end, status)
WAVES: tuple[tuple[str, datetime.date, datetime.date, str], ...] = (
    ("Gelombang 1 2025", datetime.date(2025, 2, 3), datetime.date(2025, 4, 25), WaveStatus.DONE),
    ("Gelombang 2 2025", datetime.date(2025, 5, 5), datetime.date(2025, 7, 25), WaveStatus.DONE),
    ("Gelombang 3 2025", datetime.date(2025, 8, 4), datetime.date(2025, 11, 14), WaveStatus.DONE),
    ("Gelombang 4 2026", datetime.date(2026, 1, 12), datetime.date(2026, 4, 10), WaveStatus.DONE),
    ("Gelombang 5 2026", datetime.date(2026, 5, 4), datetime.date(2026, 8, 28), WaveStatus.IN_PROGRESS),
    ("Gelombang 6 2026", datetime.date(2026, 9, 7), datetime.date(2026, 12, 18), WaveStatus.IN_PROGRESS),
)
# How many of the freely assigned servers end in each state (the rest stay inventoried).
STATE_QUOTAS: tuple[tuple[str, int], ...] = (
    (_S.SOURCE_DECOMMISSIONED, 20),
    (_S.ACCEPTED, 14),
    (_S.CUT_OVER, 7),
    (_S.TESTING, 7),
    (_S.MIGRATING, 7),
    (_S.SCHEDULED, 16),
    (_S.ASSESSED, 15),
)
RETIRED_COUNT = 10
FORWARD = (_S.ASSESSED, _S.SCHEDULED, _S.MIGRATING, _S.TESTING, _S.CUT_OVER, _S.ACCEPTED, _S.SOURCE_DECOMMISSIONED)

REASONS: dict[str, tuple[str, ...]] = {
    _S.ASSESSED: (
        "Survei ruang server OPD selesai; aplikasi dan basis data terdokumentasi",
        "Asesmen kesiapan selesai bersama PIC OPD",
        "Inventarisasi aplikasi dan dependensi selesai",
        "Hasil asesmen dibahas dalam rapat koordinasi SPBE",
    ),
    _S.SCHEDULED: (
        "Jadwal disepakati dengan PIC OPD",
        "Masuk jadwal {wave}",
        "Jendela pemeliharaan disetujui kepala dinas",
    ),
    _S.MIGRATING: (
        "Backup terverifikasi, migrasi dimulai",
        "Replikasi data ke pusat data dimulai",
        "Layanan dihentikan sementara sesuai jendela pemeliharaan",
    ),
    _S.TESTING: (
        "Uji fungsi aplikasi bersama PIC OPD",
        "Uji koneksi JIP dan akses pengguna",
        "Uji beban dan pemeriksaan log aplikasi",
    ),
    _S.CUT_OVER: (
        "DNS dialihkan ke alamat baru di pusat data",
        "Layanan dialihkan ke pusat data",
        "Pengguna dialihkan; server lama dalam mode baca saja",
    ),
    _S.ACCEPTED: (
        "Berita acara serah terima ditandatangani",
        "Uji terima oleh OPD selesai tanpa catatan",
        "Layanan stabil 14 hari; diterima OPD",
    ),
    _S.SOURCE_DECOMMISSIONED: (
        "Server lama dimatikan dan dicatat di BMD",
        "Data di server lama dihapus aman dan perangkat dikembalikan ke pengurus barang",
        "Server lama dilepas dari rak dan diusulkan penghapusan BMD",
    ),
    _S.RETIRED: (
        "Aplikasi sudah tidak dipakai sejak 2023",
        "Layanan digantikan aplikasi nasional",
        "Perangkat rusak; data sudah dipindahkan ke server lain",
        "Fungsi digabung ke aplikasi yang sudah ada di pusat data",
    ),
}
ROLLBACK_REASONS: dict[tuple[str, str], tuple[str, ...]] = {
    (_S.CUT_OVER, _S.TESTING): (
        "Rollback: aplikasi gagal terhubung ke basis data setelah cut-over",
        "Rollback: pengguna tidak dapat login (sertifikat SSL belum dipasang)",
        "Rollback: laporan bulanan gagal dibuat di lingkungan baru",
    ),
    (_S.TESTING, _S.MIGRATING): (
        "Uji gagal: sinkronisasi data belum lengkap",
        "Uji gagal: versi PHP di VM baru tidak cocok dengan aplikasi",
    ),
    (_S.MIGRATING, _S.SCHEDULED): (
        "Jendela pemeliharaan dibatalkan: listrik padam di gedung OPD",
        "Ditunda: bertepatan dengan penutupan tahun anggaran",
    ),
    (_S.SCHEDULED, _S.ASSESSED): (
        "Penilaian ulang: aplikasi butuh lisensi baru",
        "Penilaian ulang: vendor aplikasi mengganti arsitektur",
    ),
    (_S.RETAINED, _S.ASSESSED): ("Ditinjau ulang atas rekomendasi Inspektorat",),
}
OVERRIDES: dict[str, str] = {
    "fiber_link": "Link FO belum aktif; migrasi lewat VPN site-to-site sementara",
    "sign_off": "Persetujuan lisan kepala dinas; surat menyusul",
    "backup": "Snapshot penuh dibuat sebelum migrasi; verifikasi backup menyusul",
    "capacity": "Target sementara di host cadangan",
}
BLOCKERS: dict[str, tuple[tuple[str, str], ...]] = {
    BlockerCategory.FIBER_LINK: (("Link FO ke kantor belum aktif", "PPK paket jaringan FO"),),
    BlockerCategory.CAPACITY: (
        ("Rak kolokasi R09-R10 menunggu PDU tambahan", "Bidang Infrastruktur TIK Diskominfo"),
        ("Kapasitas penyimpanan cluster hampir penuh", "Bidang Infrastruktur TIK Diskominfo"),
    ),
    BlockerCategory.ADDRESS_PLAN: (
        ("Alokasi VLAN dan alamat IP belum disetujui", "Bidang Infrastruktur TIK Diskominfo"),
    ),
    BlockerCategory.BACKUP: (("Backup basis data belum pernah diuji pulih", "PIC TI {org}"),),
    BlockerCategory.SIGN_OFF: (("Menunggu tanda tangan kepala dinas", "Kepala {org}"),),
    BlockerCategory.BUDGET: (
        ("Lisensi sistem operasi belum dianggarkan (APBD Perubahan)", "BPKAD"),
        ("Biaya migrasi vendor belum masuk DPA", "Sekretaris {org}"),
    ),
    BlockerCategory.VENDOR: (
        ("Vendor aplikasi belum menyerahkan kredensial dan kode sumber", "Vendor aplikasi {org}"),
        ("Kontrak pemeliharaan vendor berakhir; menunggu perpanjangan", "PPK {org}"),
    ),
}

# --- People -----------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Ahmad",
    "Agus",
    "Budi",
    "Dwi",
    "Eka",
    "Fitri",
    "Hendra",
    "Indah",
    "Joko",
    "Kurnia",
    "Lestari",
    "Muhammad",
    "Nur",
    "Putri",
    "Rahmat",
    "Sari",
    "Teguh",
    "Wahyu",
    "Yuliana",
    "Zainal",
    "Rina",
    "Bayu",
    "Citra",
    "Dian",
    "Erwin",
    "Fajar",
    "Gita",
    "Hadi",
    "Irfan",
    "Lina",
    "Novi",
    "Ratna",
    "Suryadi",
    "Tri",
    "Yusuf",
    "Andika",
)
LAST_NAMES = (
    "Saputra",
    "Pratama",
    "Wijaya",
    "Hidayat",
    "Santoso",
    "Susanti",
    "Kurniawati",
    "Setiawan",
    "Nugroho",
    "Firmansyah",
    "Ramadhan",
    "Syahputra",
    "Permana",
    "Rahmawati",
    "Hasibuan",
    "Siregar",
    "Anggraini",
    "Wulandari",
    "Handoko",
    "Maulana",
    "Puspita",
    "Utami",
    "Gunawan",
    "Hakim",
    "Yusuf",
    "Marpaung",
)
HEAD_TITLES = {
    OrganizationKind.SECRETARIAT: "Sekretaris",
    OrganizationKind.AGENCY: "Kepala Dinas",
    OrganizationKind.BOARD: "Kepala Badan",
    OrganizationKind.INSPECTORATE: "Inspektur",
    OrganizationKind.HOSPITAL: "Direktur",
    OrganizationKind.DISTRICT: "Camat",
    OrganizationKind.URBAN_VILLAGE: "Lurah",
    OrganizationKind.OTHER: "Kepala",
}
PHONE_PREFIXES = ("0812", "0813", "0821", "0822", "0852", "0853", "0857", "0877", "0895")


# --- The loader -------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    loaded: bool  # False when the city was already there
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)


COUNTED_MODELS: tuple[type[models.Model], ...] = (
    Region,
    Organization,
    Contact,
    Site,
    Rack,
    Device,
    Interface,
    IPAddress,
    FiberLink,
    FiberCore,
    Application,
    MigrationWave,
    Migration,
    MigrationTransition,
    MigrationBlocker,
    User,
    ObjectChange,
)


def is_loaded() -> bool:
    return Site.objects.filter(name=DATA_CENTER_SITE).exists()


def load_demo() -> DemoResult:
    """Load the demo city once; on later runs only reset the demo users (role, OPD, password)."""
    started = time.monotonic()
    with transaction.atomic(), change_context(source=ChangeSource.COMMAND):
        fresh = not is_loaded()
        if fresh:
            _Builder().build()
        else:
            ensure_users()
    counts = {str(m._meta.verbose_name_plural): m.objects.count() for m in COUNTED_MODELS} if fresh else {}
    return DemoResult(fresh, time.monotonic() - started, counts, [u.username for u in DEMO_USERS])


def ensure_users() -> dict[str, User]:
    """Create the demo users, or put existing ones back to their demo role, OPD and password."""
    password = make_password(DEMO_PASSWORD, salt=_DEMO_SALT)
    organizations = dict(
        Organization.objects.filter(short_name__in={u.organization for u in DEMO_USERS if u.organization}).values_list(
            "short_name", "pk"
        )
    )
    existing = {u.username: u for u in User.objects.filter(username__in=[u.username for u in DEMO_USERS])}
    users = {}
    for spec in DEMO_USERS:
        organization_id = organizations.get(spec.organization)
        if spec.role == Role.OPD_OPERATOR and organization_id is None:
            continue  # the OPD was removed: an operator cannot exist without one
        wanted = {
            "role": spec.role,
            "organization_id": organization_id,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "email": f"{spec.username}@{EMAIL_DOMAIN}",
            "is_superuser": spec.role == Role.ADMINISTRATOR,
            "is_active": True,
            "password": password,
        }
        user = existing.get(spec.username) or User(username=spec.username)
        if user.pk is None or any(getattr(user, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(user, k, v)
            user.save()
        users[spec.username] = user
    return users


def shared_csv(name: str) -> list[dict[str, str]] | None:
    """Rows of a sample CSV in ../shared/data, or None when the project is checked out alone."""
    path = SHARED_DATA_DIR / name
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as f:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def kecamatan_names() -> list[str]:
    """The kecamatan in Kemendagri code order, whichever source they come from (the CSV is alphabetical),
    so that the same names give the same city."""
    rows = shared_csv("kecamatan-bandar-lampung.csv")
    names = {r["name"] for r in rows if r.get("name")} if rows else set(KECAMATAN)
    known = [n for n in KECAMATAN if n in names]
    return known + sorted(names - set(known))


def opd_rows() -> list[tuple[str, str, str]]:
    rows = shared_csv("opd-kota.csv")
    if not rows:
        return list(OPD_ROWS)
    kinds = set(OrganizationKind.values)
    order = {short: i for i, (_, short, _) in enumerate(OPD_ROWS)}
    found = [
        (r["name"], r["short_name"], r["kind"] if r["kind"] in kinds else OrganizationKind.OTHER)
        for r in rows
        if r.get("name") and r.get("short_name")
    ]
    return sorted(found, key=lambda row: (order.get(row[1], len(order)), row[1]))


def _office_hours(day: datetime.date) -> datetime.datetime:
    """A time on ``day`` for history written without a time of its own (a blocker opened or resolved)."""
    return datetime.datetime.combine(day, datetime.time(10, 0), WIB)


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _bearing(origin: tuple[float, float], point: tuple[float, float]) -> float:
    return math.atan2(point[0] - origin[0], point[1] - origin[1])


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


@dataclass
class _PendingDevice:
    device: Device
    interfaces: list[Interface]
    mgmt: Interface
    probe: bool


@dataclass
class _Plan:
    migration: Migration | None
    device: Device
    final: str
    detour: str = ""
    disposition: str = Disposition.UNDECIDED
    wave: MigrationWave | None = None
    planned_start: datetime.date | None = None
    t0: datetime.datetime | None = None
    skip_sign_off: bool = False
    skip_backup: bool = False


class _Builder:
    """Builds the whole city in one pass; the order matters only where one family points at another."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.regions: dict[str, Region] = {}
        self.orgs: dict[str, Organization] = {}
        self.sites: dict[str, Site] = {}
        self.site_index: dict[int, int] = {}
        self.site_hosts: Counter[int] = Counter()
        self.racks: dict[tuple[str, str], Rack] = {}
        self.rack_next_u: Counter[int] = Counter()
        self.devices: dict[str, Device] = {}
        self.pending: list[_PendingDevice] = []
        self.asset_registers: Counter[str] = Counter()
        self.used_names: set[str] = set()
        self.serials: set[str] = set()
        self.links: list[FiberLink] = []
        self.site_link_status: dict[int, str] = {}
        self.opd_servers: list[Device] = []
        self.dc_hosts: list[Device] = []
        self.vm_of: dict[int, Device] = {}
        self.cut_over_at: dict[int, datetime.datetime] = {}
        self.switched_off_at: dict[int, datetime.datetime] = {}
        self.users: dict[str, User] = {}

    # -- orchestration ------------------------------------------------------------------------------
    def build(self) -> None:
        with self._logged_at(REGISTRY_ENTERED):
            self.build_regions()
            self.build_organizations()
            self.users = ensure_users()
            self.build_sites()
            self.build_devices()
            self.build_fiber()
        self.build_migrations()  # each change logged at the moment of its step
        with self._logged_at(REGISTRY_ENTERED):
            self.build_applications()

    @staticmethod
    def _logged_at(moment: datetime.datetime, user: User | None = None):
        """The change log's time (and user) for what is written inside: the demo's history, not the load."""
        return change_context(
            user=user, source=ChangeSource.COMMAND, request_id=current_context().request_id, at=moment
        )

    # -- regions ------------------------------------------------------------------------------------
    def build_regions(self) -> None:
        province = Region.objects.create(name=PROVINCE[0], kind=RegionKind.PROVINCE, code=PROVINCE[1])
        city = Region.objects.create(name=CITY[0], kind=RegionKind.CITY, code=CITY[1], parent=province)
        self.regions[CITY[0]] = city
        used_codes = {code for code, *_ in KECAMATAN.values()}
        next_code = 21
        for name in kecamatan_names():
            if name in KECAMATAN:
                code, *_rest, kelurahan = KECAMATAN[name]
            else:  # a kecamatan the embedded table does not know: give it the next free code
                while f"18.71.{next_code:02d}" in used_codes:
                    next_code += 1
                code, kelurahan = f"18.71.{next_code:02d}", ()
                used_codes.add(code)
            kec = Region.objects.create(name=name, kind=RegionKind.DISTRICT, code=code, parent=city)
            self.regions[name] = kec
            for i, kel in enumerate(kelurahan, start=1):
                self.regions[f"{name}/{kel}"] = Region.objects.create(
                    name=kel, kind=RegionKind.URBAN_VILLAGE, code=f"{code}.{1000 + i}", parent=kec
                )

    def _kecamatan_point(self, name: str) -> tuple[float, float]:
        if name in KECAMATAN:
            return KECAMATAN[name][1], KECAMATAN[name][2]
        return CITY_HALL

    # -- organizations and contacts -----------------------------------------------------------------
    def build_organizations(self) -> None:
        city = self.regions[CITY[0]]
        for name, short, kind in opd_rows():
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            self.orgs[short] = Organization.objects.create(
                name=name, short_name=short, kind=kind, region=self.regions.get(office.kecamatan, city)
            )
        setda = self.orgs.get("Setda")
        if "RSUD" in self.orgs and "Dinkes" in self.orgs:
            self.orgs["RSUD"].parent = self.orgs["Dinkes"]
            self.orgs["RSUD"].save()
        for name in kecamatan_names():
            self.orgs[f"Kec. {name}"] = Organization.objects.create(
                name=f"Kecamatan {name}",
                short_name=f"Kec. {name}",
                kind=OrganizationKind.DISTRICT,
                region=self.regions[name],
                parent=setda,
            )
        for org in self.orgs.values():
            self._contacts(org)

    def _person(self, honorific: bool = False) -> tuple[str, str, str]:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            if (first, last) not in self.used_names and first != last:
                self.used_names.add((first, last))
                break
        name = f"{first} {last}"
        if honorific:
            pattern = self.rng.choice(
                (
                    "Drs. {n}, M.Si.",
                    "{n}, S.E., M.M.",
                    "Ir. {n}, M.T.",
                    "dr. {n}, M.Kes.",
                    "{n}, S.STP., M.Si.",
                    "{n}, S.Kom., M.T.I.",
                    "{n}, S.H., M.H.",
                )
            )
            name = pattern.format(n=name)
        return name, first.lower(), last.lower()

    def _phone(self) -> str:
        return f"{self.rng.choice(PHONE_PREFIXES)}-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}"

    def _contacts(self, org: Organization) -> None:
        slug = slugify(org.short_name).replace("-", "")
        head, _, _ = self._person(honorific=True)
        Contact.objects.create(
            organization=org,
            name=head,
            title=f"{HEAD_TITLES.get(org.kind, 'Kepala')} {org.short_name}",
            phone=f"(0721) {self.rng.randint(240000, 489999)}",
            email=f"{slug}@{EMAIL_DOMAIN}",
        )
        name, first, last = self._person()
        title = "Pranata Komputer Ahli Muda" if org.kind != OrganizationKind.DISTRICT else "Operator PATEN"
        Contact.objects.create(
            organization=org,
            name=name,
            title=f"{title} (PIC TI)",
            phone=self._phone(),
            email=f"{first}.{last}@{EMAIL_DOMAIN}",
            is_primary=True,
        )
        if self.rng.random() < 0.45:
            name, first, last = self._person()
            Contact.objects.create(
                organization=org,
                name=name,
                title=self.rng.choice(("Kepala Subbagian Umum dan Kepegawaian", "Operator SIMPEG", "Pengurus Barang")),
                phone=self._phone(),
                email=f"{first}.{last}@{EMAIL_DOMAIN}",
            )

    # -- sites and racks ----------------------------------------------------------------------------
    def _site(
        self,
        name: str,
        kind: str,
        org: Organization | None,
        region: Region | None,
        address: str,
        point: tuple[float, float],
        jitter: float = 0.0,
        status: str = SiteStatus.ACTIVE,
        description: str = "",
    ) -> Site:
        lat = point[0] + self.rng.uniform(-jitter, jitter)
        lon = point[1] + self.rng.uniform(-jitter, jitter)
        site = Site.objects.create(
            name=name,
            kind=kind,
            status=status,
            organization=org,
            region=region,
            address=address,
            latitude=_coordinate(lat),
            longitude=_coordinate(lon),
            description=description,
        )
        self.sites[name] = site
        self.site_index[site.pk] = len(self.site_index) + 1
        return site

    def _rack(self, site: Site, name: str, room: str, height: int = 42, description: str = "") -> Rack:
        rack = Rack.objects.create(site=site, name=name, room=room, u_height=height, description=description)
        self.racks[(site.name, name)] = rack
        return rack

    def build_sites(self) -> None:
        tbu = self.regions.get("Teluk Betung Utara")
        kominfo = self.orgs["Diskominfo"]
        dc = self._site(
            DATA_CENTER_SITE,
            SiteKind.DATA_CENTER,
            kominfo,
            tbu,
            "Kompleks Pemkot, Jl. Dr. Susilo No. 2, Sumur Batu",
            CITY_HALL,
            description="Pusat data Diskominfo di kompleks kantor wali kota (Tier II, 12 rak).",
        )
        for n in range(1, 13):
            room = "Ruang Server Utama" if n <= 10 else "Ruang Jaringan"
            note = "Kolokasi perangkat OPD" if 7 <= n <= 10 else ""
            self._rack(dc, f"R{n:02d}", room, description=note)
        cc = self._site(
            "Command Center Bandar Lampung",
            SiteKind.COMMAND_CENTER,
            kominfo,
            tbu,
            "Kompleks Pemkot, Jl. Dr. Susilo No. 2, Gedung C",
            (CITY_HALL[0] - 0.0007, CITY_HALL[1] - 0.0006),
            description="Ruang kendali kota, call center 112 dan video wall CCTV.",
        )
        self._rack(cc, "CC-R01", "Ruang Perangkat")
        self._rack(cc, "CC-R02", "Ruang Perangkat")
        for short in self.orgs:
            if short.startswith("Kec. "):
                continue
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            org = self.orgs[short]
            region = self.regions.get(office.kecamatan, self.regions[CITY[0]])
            if short == "DPMPTSP":
                site = self._site(
                    office.site_name,
                    SiteKind.MPP,
                    org,
                    region,
                    office.street,
                    (CITY_HALL[0] + 0.0016, CITY_HALL[1] + 0.0021),
                    description="Gedung sepuluh lantai; loket layanan lintas OPD dan instansi vertikal.",
                )
            elif office.in_city_hall:
                site = self._site(
                    office.site_name or f"Kantor {short}",
                    SiteKind.OPD_OFFICE,
                    org,
                    region,
                    office.street,
                    CITY_HALL,
                    jitter=0.0016,
                )
            else:
                site = self._site(
                    office.site_name or f"Kantor {short}",
                    SiteKind.OPD_OFFICE,
                    org,
                    region,
                    office.street,
                    self._kecamatan_point(office.kecamatan),
                    jitter=0.006,
                )
            if office.servers >= 4:
                racks = 2 if office.servers >= 8 else 1
                prefix = slugify(short).upper().replace("-", "")[:6]
                for n in range(1, racks + 1):
                    self._rack(site, f"{prefix}-R{n:02d}", "Ruang Server", 42 if racks > 1 else 20)
        for name in kecamatan_names():
            _code, lat, lon, street, _kelurahan = KECAMATAN.get(name, ("", *CITY_HALL, "", ()))
            org = self.orgs[f"Kec. {name}"]
            self._site(
                f"Kantor Camat {name}",
                SiteKind.DISTRICT_OFFICE,
                org,
                self.regions[name],
                street or f"Kecamatan {name}",
                (lat, lon),
                jitter=0.003,
            )
        kelurahan = [(kec, kel) for kec in kecamatan_names() for kel in KECAMATAN.get(kec, ("", 0, 0, "", ()))[4]]
        for kec, kel in sorted(self.rng.sample(kelurahan, min(12, len(kelurahan)))):
            lat, lon = self._kecamatan_point(kec)
            org = Organization.objects.create(
                name=f"Kelurahan {kel}",
                short_name=f"Kel. {kel}",
                kind=OrganizationKind.URBAN_VILLAGE,
                region=self.regions[f"{kec}/{kel}"],
                parent=self.orgs[f"Kec. {kec}"],
            )
            self.orgs[org.short_name] = org
            self._contacts(org)
            self._site(
                f"Kantor Lurah {kel}",
                SiteKind.VILLAGE_OFFICE,
                org,
                self.regions[f"{kec}/{kel}"],
                f"Kelurahan {kel}, Kecamatan {kec}",
                (lat, lon),
                jitter=0.008,
            )
        for name, kec, lat, lon in POPS:
            site = self._site(
                name,
                SiteKind.POP,
                kominfo,
                self.regions.get(kec),
                f"Kabinet outdoor, Kecamatan {kec}",
                (lat, lon),
                description="Kabinet POP dengan OLT dan catu daya cadangan.",
            )
            self._rack(site, "POP-R01", "Kabinet", 20)
        for name, kec, lat, lon in ODCS:
            self._site(
                name,
                SiteKind.POP,
                kominfo,
                self.regions.get(kec),
                f"ODC tepi jalan, Kecamatan {kec}",
                (lat, lon),
                description="Kabinet ODC pasif (splitter dan sambungan).",
            )

    # -- devices ------------------------------------------------------------------------------------
    def _serial(self, vendor: str) -> str:
        r = self.rng
        alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

        def s(n: int, chars: str = alnum) -> str:
            return "".join(r.choice(chars) for _ in range(n))

        formats = {
            "Dell": lambda: s(7),
            "HPE": lambda: f"CZ{s(8)}",
            "Lenovo": lambda: f"J30{s(5)}",
            "Fujitsu": lambda: f"YL{s(8)}",
            "Cisco": lambda: f"FOC{r.randint(2000, 2799)}{s(4)}",
            "MikroTik": lambda: s(12, "0123456789ABCDEF"),
            "Huawei": lambda: f"2102{s(16, '0123456789')}",
            "ZTE": lambda: f"ZTEG{s(8, '0123456789ABCDEF')}",
            "Fortinet": lambda: f"FG{s(2, '0123456789')}{s(2)}TK{s(8, '0123456789')}",
            "Ruijie": lambda: f"G1{s(11)}",
            "APC": lambda: f"AS{r.randint(1900, 2499)}{s(6, '0123456789')}",
            "Synology": lambda: f"{r.randint(18, 24)}{s(2)}PDN{s(6, '0123456789')}",
            "QNAP": lambda: f"Q{s(9, '0123456789')}",
            "Hikvision": lambda: f"DS{s(10, '0123456789')}",
        }
        while (serial := formats.get(vendor, lambda: s(10))()) in self.serials:
            pass
        self.serials.add(serial)
        return serial

    def _asset_number(self, kind: str, year: int) -> str:
        code = {
            DeviceKind.SERVER: "1.3.2.10.01.02",
            DeviceKind.STORAGE: "1.3.2.10.01.02",
            DeviceKind.UPS: "1.3.2.05.02.06",
        }.get(kind, "1.3.2.10.02.04")
        self.asset_registers[code] += 1
        return f"{code}.{self.asset_registers[code]:05d}/{year}"

    def _interfaces(self, kind: str, vendor: str, model: str) -> tuple[list[Interface], int]:
        """Interfaces a device of this kind has, and the index of the one that carries management."""
        K = InterfaceKind
        ports: list[tuple[str, str, int | None]] = []
        if kind == DeviceKind.SERVER:
            return [Interface(name=n, kind=K.COPPER_1G, speed_mbps=1000) for n in ("eno1", "eno2")], 0
        if kind == DeviceKind.VIRTUAL_MACHINE:
            return [Interface(name="ens192", kind=K.VIRTUAL, speed_mbps=10000)], 0
        if kind == DeviceKind.SWITCH:
            big = "9500" in model or "6857" in model or "S6730" in model
            if vendor == "Cisco":
                access = "TwentyFiveGigE1/0/{}" if big else "GigabitEthernet1/0/{}"
                ports = [
                    (access.format(i), K.SFP28 if big else K.COPPER_1G, 25000 if big else 1000) for i in range(1, 25)
                ]
                ports += [(f"TenGigabitEthernet1/1/{i}", K.SFP_PLUS, 10000) for i in range(1, 5)]
                ports.append(("Vlan100", K.VIRTUAL, None))
            elif vendor == "Huawei":
                ports = [
                    (
                        f"{'XGigabitEthernet' if big else 'GigabitEthernet'}0/0/{i}",
                        K.SFP_PLUS if big else K.COPPER_1G,
                        10000 if big else 1000,
                    )
                    for i in range(1, 25)
                ]
                ports += [
                    (
                        f"{'100GE' if big else 'XGigabitEthernet'}0/0/{i}",
                        K.QSFP if big else K.SFP_PLUS,
                        40000 if big else 10000,
                    )
                    for i in range(1, 5)
                ]
                ports.append(("Vlanif100", K.VIRTUAL, None))
            else:  # Ruijie and the rest
                ports = [(f"GigabitEthernet 0/{i}", K.COPPER_1G, 1000) for i in range(1, 25)]
                ports += [(f"TenGigabitEthernet 0/{i}", K.SFP_PLUS, 10000) for i in range(25, 29)]
                ports.append(("VLAN 100", K.VIRTUAL, None))
        elif kind == DeviceKind.ROUTER:
            if vendor == "MikroTik":
                count = 16 if "CCR2004" in model else 12 if "CCR2216" in model else 10 if "4011" in model else 5
                ports = [(f"ether{i}", K.COPPER_1G, 1000) for i in range(1, count + 1)]
                ports += [("sfp-sfpplus1", K.SFP_PLUS, 10000), ("vlan100-mgmt", K.VIRTUAL, None)]
            else:
                ports = [(f"GigabitEthernet0/0/{i}", K.COPPER_1G, 1000) for i in range(3)]
                ports += [("TenGigabitEthernet0/1/0", K.SFP_PLUS, 10000), ("Loopback0", K.VIRTUAL, None)]
        elif kind == DeviceKind.FIREWALL:
            count = 16 if "600" in model or "200" in model else 8
            ports = [(f"port{i}", K.COPPER_1G, 1000) for i in range(1, count + 1)]
            ports += [("x1", K.SFP_PLUS, 10000), ("x2", K.SFP_PLUS, 10000), ("mgmt", K.COPPER_1G, 1000)]
        elif kind == DeviceKind.OLT:
            if vendor == "ZTE":
                ports = [(f"gpon-olt_1/1/{i}", K.GPON, 2500) for i in range(1, 17)]
                ports += [
                    ("gei_1/3/1", K.SFP_PLUS, 10000),
                    ("gei_1/3/2", K.SFP_PLUS, 10000),
                    ("mng1", K.COPPER_1G, 100),
                ]
            else:
                ports = [(f"GPON 0/1/{i}", K.GPON, 2500) for i in range(16)]
                ports += [
                    ("XGE 0/9/0", K.SFP_PLUS, 10000),
                    ("XGE 0/9/1", K.SFP_PLUS, 10000),
                    ("meth0", K.COPPER_1G, 100),
                ]
        elif kind == DeviceKind.ONT:
            ports = [
                ("pon1", K.GPON, 2500),
                *((f"lan{i}", K.COPPER_1G, 1000) for i in range(1, 5)),
                ("mgmt", K.VIRTUAL, None),
            ]
        elif kind == DeviceKind.ACCESS_POINT:
            ports = [("eth0", K.COPPER_1G, 1000), ("wlan0", K.WIRELESS, 574), ("wlan1", K.WIRELESS, 2402)]
            interfaces = [Interface(name=n, kind=k, speed_mbps=s, if_index=i) for i, (n, k, s) in enumerate(ports, 1)]
            return interfaces, 0
        elif kind == DeviceKind.STORAGE:
            ports = [
                ("mgmt", K.COPPER_1G, 1000),
                ("ctrlA-port1", K.SFP_PLUS, 10000),
                ("ctrlB-port1", K.SFP_PLUS, 10000),
            ]
            interfaces = [Interface(name=n, kind=k, speed_mbps=s, if_index=i) for i, (n, k, s) in enumerate(ports, 1)]
            return interfaces, 0
        else:  # UPS network card, other
            return [Interface(name="nmc0", kind=K.COPPER_1G, speed_mbps=100, if_index=1)], 0
        interfaces = [Interface(name=n, kind=k, speed_mbps=s, if_index=i) for i, (n, k, s) in enumerate(ports, 1)]
        return interfaces, len(interfaces) - 1  # the management interface comes last

    def _device(
        self,
        name: str,
        org: Organization,
        site: Site,
        kind: str,
        vendor: str = "",
        model: str = "",
        *,
        rack: Rack | None = None,
        position: int | None = None,
        height: int = 1,
        year: int | None = None,
        os: str = "",
        status: str = DeviceStatus.ACTIVE,
        host: Device | None = None,
        description: str = "",
        warranty_years: int = 3,
    ) -> Device:
        rng = self.rng
        if rack is not None and position is None:
            position = self._position(rack, height)
        physical = kind != DeviceKind.VIRTUAL_MACHINE
        warranty = (
            datetime.date(year + warranty_years, rng.randint(1, 12), rng.randint(1, 28)) if physical and year else None
        )
        device = Device(
            name=name,
            organization=org,
            site=site,
            kind=kind,
            status=status,
            rack=rack,
            position=position,
            host=host,
            vendor=vendor,
            model=model,
            serial=self._serial(vendor) if physical else "",
            asset_number=self._asset_number(kind, year) if physical and year else "",
            os=os,
            purchase_year=year,
            warranty_end=warranty,
            description=description,
        )
        interfaces, mgmt_index = self._interfaces(kind, vendor, model)
        mgmt = interfaces[mgmt_index]
        mgmt.description = "Manajemen"
        mgmt.mac_address = ":".join(f"{b:02x}" for b in (0x02, 0x71, *(rng.randrange(256) for _ in range(4))))
        self.pending.append(_PendingDevice(device, interfaces, mgmt, probe=status == DeviceStatus.ACTIVE))
        self.devices[name] = device
        return device

    def _position(self, rack: Rack, height: int) -> int:
        """The next free unit from the bottom (U1 stays free for cabling)."""
        position = self.rack_next_u[rack.pk] or 2
        self.rack_next_u[rack.pk] = position + height
        return position

    def _flush(self) -> None:
        """Write the pending devices with their interfaces and management address, logging each write."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        devices = [p.device for p in pending]
        _bulk_create(Device, devices)
        interfaces = []
        for p in pending:
            for interface in p.interfaces:
                interface.device = p.device
                interfaces.append(interface)
        _bulk_create(Interface, interfaces)
        addresses = []
        for p in pending:
            site_number = self.site_index[p.device.site_id]
            self.site_hosts[site_number] += 1
            host_number = self.site_hosts[site_number]
            addresses.append(
                IPAddress(
                    address=f"127.71.{site_number}.{host_number}",
                    prefix_length=24,
                    interface=p.mgmt,
                    probe=p.probe,
                    dns_name=f"{p.device.name}.jip.{EMAIL_DOMAIN}",
                    description="Alamat manajemen (lab: loopback)",
                )
            )
        _bulk_create(IPAddress, addresses)
        changes = []
        now = timezone.now()
        for device, address in zip(devices, addresses, strict=True):
            before = changelog.serialize(device)
            device.primary_ip = address
            device.last_updated = now
            changes.append((device, ChangeAction.UPDATE, before, changelog.serialize(device)))
        Device.objects.bulk_update(devices, ["primary_ip", "last_updated"], batch_size=500)
        changelog.record_bulk(changes)
        for device in devices:
            changelog.remember_saved_state(device)

    def build_devices(self) -> None:
        self._data_center()
        self._command_center()
        self._offices()
        self._flush()
        self._vms()
        self._flush()

    def _data_center(self) -> None:
        dc = self.sites[DATA_CENTER_SITE]
        kominfo = self.orgs["Diskominfo"]

        def rack(n: int) -> Rack:
            return self.racks[(DATA_CENTER_SITE, f"R{n:02d}")]

        for n in range(1, 11):  # a top-of-rack switch at the top of each server rack
            self._device(
                f"dc-tor-r{n:02d}",
                kominfo,
                dc,
                DeviceKind.SWITCH,
                "Huawei",
                "CloudEngine S6730-H24X6C",
                rack=rack(n),
                position=42,
                year=2023,
                os="Huawei VRP V200R022",
            )
        core = [("dc-core-01", 11, 40), ("dc-core-02", 12, 40)]
        for name, r, u in core:
            self._device(
                name,
                kominfo,
                dc,
                DeviceKind.SWITCH,
                "Cisco",
                "Catalyst 9500-24Y4C",
                rack=rack(r),
                position=u,
                year=2023,
                os="Cisco IOS XE 17.9.4",
                warranty_years=5,
            )
        for i, r in ((1, 11), (2, 12)):
            self._device(
                f"dc-fw-0{i}",
                kominfo,
                dc,
                DeviceKind.FIREWALL,
                "Fortinet",
                "FortiGate 600E",
                rack=rack(r),
                position=36,
                year=2023,
                os="FortiOS 7.2.8",
                warranty_years=5,
            )
            self._device(
                f"dc-rtr-0{i}",
                kominfo,
                dc,
                DeviceKind.ROUTER,
                "MikroTik",
                "CCR2216-1G-12XS-2XQ",
                rack=rack(r),
                position=34,
                year=2024,
                os="RouterOS 7.15",
            )
        self._device(
            "dc-olt-01",
            kominfo,
            dc,
            DeviceKind.OLT,
            "Huawei",
            "MA5800-X7",
            rack=rack(12),
            position=20,
            height=7,
            year=2023,
            os="MA5800 V100R021",
        )
        self._device(
            "dc-mgmt-sw-01",
            kominfo,
            dc,
            DeviceKind.SWITCH,
            "Ruijie",
            "RG-S2910-24GT4XS-E",
            rack=rack(11),
            position=30,
            year=2023,
            os="RGOS 11.4",
        )
        host_models = (
            [("Dell", "PowerEdge R750", "VMware ESXi 7.0 U3", 2022)] * 4
            + [("HPE", "ProLiant DL380 Gen10 Plus", "VMware ESXi 8.0 U2", 2023)] * 4
            + [("Lenovo", "ThinkSystem SR650 V2", "Proxmox VE 8.2", 2024)] * 2
        )
        for i, (vendor, model, os, year) in enumerate(host_models, start=1):
            self.dc_hosts.append(
                self._device(
                    f"dc-host-{i:02d}",
                    kominfo,
                    dc,
                    DeviceKind.SERVER,
                    vendor,
                    model,
                    rack=rack((i + 1) // 2),
                    height=2,
                    year=year,
                    os=os,
                    warranty_years=5,
                    description="Host virtualisasi cluster pusat data",
                )
            )
        self._device(
            "dc-backup-01",
            kominfo,
            dc,
            DeviceKind.SERVER,
            "Dell",
            "PowerEdge R740xd",
            rack=rack(6),
            height=2,
            year=2022,
            os="Windows Server 2022",
            description="Server backup (repositori)",
        )
        self._device(
            "dc-stor-01",
            kominfo,
            dc,
            DeviceKind.STORAGE,
            "Dell",
            "PowerVault ME5024",
            rack=rack(6),
            height=2,
            year=2023,
            os="ME5 firmware 1.2",
            warranty_years=5,
        )
        self._device(
            "dc-stor-02",
            kominfo,
            dc,
            DeviceKind.STORAGE,
            "HPE",
            "MSA 2060",
            rack=rack(6),
            height=2,
            year=2024,
            os="MSA firmware IN110R003",
            warranty_years=5,
        )
        for i in range(1, 5):
            self._device(
                f"dc-ups-{i:02d}",
                kominfo,
                dc,
                DeviceKind.UPS,
                "APC",
                "Smart-UPS SRT 10000VA",
                rack=rack(11 if i <= 2 else 12),
                position=2 + (i % 2) * 6,
                height=6,
                year=2023,
                os="NMC AP9641 v2.4",
                warranty_years=2,
            )

    def _command_center(self) -> None:
        cc = self.sites["Command Center Bandar Lampung"]
        kominfo = self.orgs["Diskominfo"]
        r1, r2 = self.racks[(cc.name, "CC-R01")], self.racks[(cc.name, "CC-R02")]
        self._device(
            "cc-sw-01",
            kominfo,
            cc,
            DeviceKind.SWITCH,
            "Cisco",
            "Catalyst 9300-24T",
            rack=r1,
            position=40,
            year=2022,
            os="Cisco IOS XE 17.6.5",
        )
        self._device(
            "cc-rtr-01",
            kominfo,
            cc,
            DeviceKind.ROUTER,
            "MikroTik",
            "CCR2004-16G-2S+",
            rack=r1,
            position=38,
            year=2022,
            os="RouterOS 7.14",
        )
        self._device(
            "cc-fw-01",
            kominfo,
            cc,
            DeviceKind.FIREWALL,
            "Fortinet",
            "FortiGate 200F",
            rack=r1,
            position=36,
            year=2022,
            os="FortiOS 7.2.8",
        )
        self._device(
            "cc-vms-01",
            kominfo,
            cc,
            DeviceKind.SERVER,
            "Dell",
            "PowerEdge R740xd",
            rack=r2,
            height=2,
            year=2021,
            os="Windows Server 2019",
            description="Video management system CCTV kota",
        )
        self._device(
            "cc-nvr-01",
            kominfo,
            cc,
            DeviceKind.STORAGE,
            "Hikvision",
            "DS-96256NI-I24",
            rack=r2,
            height=4,
            year=2021,
            os="NVR firmware 4.7",
            description="Perekam CCTV 256 kanal",
        )
        self._device(
            "cc-ups-01",
            kominfo,
            cc,
            DeviceKind.UPS,
            "APC",
            "Smart-UPS SRT 6000VA",
            rack=r1,
            position=2,
            height=4,
            year=2022,
            os="NMC AP9641 v2.4",
        )
        for i in range(1, 3):
            self._device(
                f"cc-ap-0{i}",
                kominfo,
                cc,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=2022,
                os="RGOS AP 11.9",
            )

    def _opd_network(self, short: str, site: Site, org: Organization, size: int, year: int) -> None:
        rng = self.rng
        slug = slugify(short)
        if size >= 5 or short == "DPMPTSP":
            router = rng.choice(
                (("MikroTik", "CCR2004-16G-2S+", "RouterOS 7.14"), ("Cisco", "ISR 4331", "Cisco IOS XE 17.3"))
            )
        else:
            router = rng.choice(
                (("MikroTik", "RB4011iGS+RM", "RouterOS 7.12"), ("MikroTik", "hEX S (RB760iGS)", "RouterOS 7.12"))
            )
        self._device(f"rtr-{slug}", org, site, DeviceKind.ROUTER, *router[:2], year=year, os=router[2])
        switches = 2 if size >= 5 else 1
        for i in range(1, switches + 1):
            sw = rng.choice(
                (
                    ("Cisco", "Catalyst 2960X-24TS-L", "Cisco IOS 15.2(7)E"),
                    ("Huawei", "S5735-L24T4X-A", "Huawei VRP V200R021"),
                    ("Ruijie", "RG-S2910-24GT4XS-E", "RGOS 11.4"),
                )
            )
            status = DeviceStatus.ACTIVE if rng.random() > 0.04 else DeviceStatus.OFFLINE
            self._device(
                f"sw-{slug}-{i:02d}",
                org,
                site,
                DeviceKind.SWITCH,
                sw[0],
                sw[1],
                year=year + rng.randint(0, 2),
                os=sw[2],
                status=status,
            )
        for i in range(1, (3 if size >= 5 else 2)):
            ap = rng.choice(
                (
                    ("Ruijie", "RG-AP820-L(V3)", "RGOS AP 11.9"),
                    ("Ubiquiti", "UniFi U6-Lite", "UniFi 6.6"),
                    ("MikroTik", "cAP ax", "RouterOS 7.14"),
                )
            )
            status = DeviceStatus.ACTIVE if rng.random() > 0.08 else DeviceStatus.OFFLINE
            self._device(
                f"ap-{slug}-{i:02d}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                *ap[:2],
                year=2022 + rng.randint(0, 3),
                os=ap[2],
                status=status,
            )
        ups = ("APC", "Smart-UPS SRT 3000VA") if size >= 4 else ("APC", "Smart-UPS SMT1500I")
        self._device(f"ups-{slug}-01", org, site, DeviceKind.UPS, *ups, year=year, os="NMC AP9631 v7.1")
        if size >= 5:
            nas = rng.choice((("Synology", "RackStation RS1221+", "DSM 7.2"), ("QNAP", "TS-873AeU", "QTS 5.1")))
            self._device(
                f"nas-{slug}-01", org, site, DeviceKind.STORAGE, *nas[:2], year=2020 + rng.randint(0, 3), os=nas[2]
            )
        if short in ("BPKAD", "Bapenda", "Disdukcapil", "Dinkes", "RSUD"):
            self._device(
                f"fw-{slug}-01",
                org,
                site,
                DeviceKind.FIREWALL,
                "Fortinet",
                "FortiGate 100F",
                year=2022,
                os="FortiOS 7.0.15",
            )

    def _opd_servers(self, short: str, site: Site, org: Organization, count: int) -> None:
        rng = self.rng
        slug = slugify(short)
        roles = SERVER_ROLES.get(short, ())
        racks = [r for (s, _), r in self.racks.items() if s == site.name]
        for i in range(1, count + 1):
            vendor, model = rng.choice(OPD_SERVER_MODELS)
            year = rng.randint(2012, 2021)
            if "Gen10" in model or "R740" in model or "SR650" in model or "M4" in model:
                year = max(year, 2018)
            role = roles[i - 1] if i <= len(roles) else rng.choice(GENERIC_SERVER_ROLES)
            tower = model.startswith(("PowerEdge T", "ProLiant ML", "ThinkSystem ST"))
            rack = racks[(i - 1) % len(racks)] if racks and not tower else None
            name = f"srv-{slug}-{i:02d}"
            self.opd_servers.append(
                self._device(
                    name,
                    org,
                    site,
                    DeviceKind.SERVER,
                    vendor,
                    model,
                    rack=rack,
                    height=2,
                    year=year,
                    os=rng.choice(SERVER_OS),
                    description=role,
                )
            )

    def _offices(self) -> None:
        rng = self.rng
        mpp = self.sites.get("Mal Pelayanan Publik Bandar Lampung")
        for short, org in self.orgs.items():
            if short.startswith(("Kec. ", "Kel. ")):
                continue
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            site = self.sites[office.site_name or f"Kantor {short}"]
            year = rng.randint(2016, 2022)
            if site == mpp:
                self._mpp(site, org)
            else:
                self._opd_network(short, site, org, office.servers, year)
            self._opd_servers(short, site, org, office.servers)
        kecamatan_servers = set(rng.sample(kecamatan_names(), 6))
        for name in kecamatan_names():
            site, org = self.sites[f"Kantor Camat {name}"], self.orgs[f"Kec. {name}"]
            slug = slugify(name)
            planned = KECAMATAN_LINKS.get(name) == "P"
            year = rng.randint(2019, 2024)
            self._device(
                f"rtr-kec-{slug}",
                org,
                site,
                DeviceKind.ROUTER,
                "MikroTik",
                rng.choice(("RB4011iGS+RM", "hEX S (RB760iGS)")),
                year=year,
                os="RouterOS 7.12",
                status=DeviceStatus.OFFLINE if KECAMATAN_LINKS.get(name) == "F" else DeviceStatus.ACTIVE,
            )
            self._device(
                f"sw-kec-{slug}",
                org,
                site,
                DeviceKind.SWITCH,
                "Ruijie",
                "RG-S2910-24GT4XS-E",
                year=year,
                os="RGOS 11.4",
            )
            self._device(
                f"ap-kec-{slug}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=year,
                os="RGOS AP 11.9",
            )
            self._device(
                f"ups-kec-{slug}",
                org,
                site,
                DeviceKind.UPS,
                "APC",
                "Smart-UPS SMT1500I",
                year=year,
                os="NMC AP9631 v7.1",
                status=DeviceStatus.PLANNED if planned else DeviceStatus.ACTIVE,
            )
            if name in kecamatan_servers:
                vendor, model = rng.choice(
                    (("Dell", "PowerEdge T430"), ("HPE", "ProLiant ML350 Gen9"), ("Lenovo", "ThinkSystem ST250"))
                )
                self.opd_servers.append(
                    self._device(
                        f"srv-kec-{slug}-01",
                        org,
                        site,
                        DeviceKind.SERVER,
                        vendor,
                        model,
                        year=rng.randint(2014, 2019),
                        os=rng.choice(SERVER_OS),
                        description="Server PATEN (pelayanan administrasi terpadu kecamatan)",
                    )
                )
        for short, org in self.orgs.items():
            if not short.startswith("Kel. "):
                continue
            kel = short.removeprefix("Kel. ")
            site, slug = self.sites[f"Kantor Lurah {kel}"], slugify(kel)
            self._device(
                f"ont-kel-{slug}",
                org,
                site,
                DeviceKind.ONT,
                *rng.choice((("ZTE", "F670L"), ("Huawei", "EG8145V5"))),
                year=2025,
                os="ONT firmware V9",
            )
            self._device(
                f"ap-kel-{slug}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=2025,
                os="RGOS AP 11.9",
            )
        kominfo = self.orgs["Diskominfo"]
        for name, *_ in POPS:
            site, slug = self.sites[name], slugify(name)
            rack = self.racks[(name, "POP-R01")]
            olt = rng.choice((("ZTE", "ZXA10 C320", "ZXAN V2.1"), ("Huawei", "MA5800-X2", "MA5800 V100R021")))
            self._device(
                f"olt-{slug}", kominfo, site, DeviceKind.OLT, *olt[:2], rack=rack, height=2, year=2024, os=olt[2]
            )
            self._device(
                f"sw-{slug}",
                kominfo,
                site,
                DeviceKind.SWITCH,
                "Huawei",
                "S5735-L24T4X-A",
                rack=rack,
                year=2024,
                os="Huawei VRP V200R021",
            )
            self._device(
                f"ups-{slug}",
                kominfo,
                site,
                DeviceKind.UPS,
                "APC",
                "Smart-UPS SRT 2200VA",
                rack=rack,
                height=2,
                year=2024,
                os="NMC AP9641 v2.4",
            )

    def _mpp(self, site: Site, org: Organization) -> None:
        rng = self.rng
        rack = next(r for (s, _), r in self.racks.items() if s == site.name)
        self._device(
            "rtr-mpp",
            org,
            site,
            DeviceKind.ROUTER,
            "MikroTik",
            "CCR2004-16G-2S+",
            rack=rack,
            year=2021,
            os="RouterOS 7.14",
        )
        self._device(
            "sw-mpp-core",
            org,
            site,
            DeviceKind.SWITCH,
            "Huawei",
            "S6730-H24X6C",
            rack=rack,
            year=2021,
            os="Huawei VRP V200R021",
        )
        for floor in range(1, 11):
            status = DeviceStatus.PLANNED if floor == 10 else DeviceStatus.ACTIVE
            self._device(
                f"sw-mpp-lt{floor:02d}",
                org,
                site,
                DeviceKind.SWITCH,
                "Ruijie",
                "RG-S2910-24GT4XS-E",
                year=2021,
                os="RGOS 11.4",
                status=status,
                description=f"Switch distribusi lantai {floor}",
            )
            self._device(
                f"ap-mpp-lt{floor:02d}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=2021 + (floor == 10) * 5,
                os="RGOS AP 11.9",
                status=status if rng.random() > 0.1 else DeviceStatus.OFFLINE,
                description=f"Wi-Fi publik lantai {floor}",
            )
        self._device(
            "ups-mpp-01",
            org,
            site,
            DeviceKind.UPS,
            "APC",
            "Smart-UPS SRT 6000VA",
            rack=rack,
            height=4,
            year=2021,
            os="NMC AP9641 v2.4",
        )

    def _vms(self) -> None:
        dc = self.sites[DATA_CENTER_SITE]
        for i, (name, owner, os, description) in enumerate(DC_VMS):
            org = self.orgs.get(owner, self.orgs["Diskominfo"])
            host = self.dc_hosts[i % len(self.dc_hosts)]
            self._device(
                name,
                org,
                dc,
                DeviceKind.VIRTUAL_MACHINE,
                _hypervisor(host),
                "Virtual machine",
                os=os,
                host=host,
                description=description,
            )

    # -- fiber --------------------------------------------------------------------------------------
    def _link(
        self,
        site_a: Site,
        site_b: Site,
        phase: str,
        cores: int,
        deployment: str,
        *,
        cable: str = CableType.G652D,
        term_b: str = TerminationKind.OTB,
        name: str = "",
        carries: tuple[str, ...] = (),
        status: str | None = None,
        description: str = "",
    ) -> FiberLink:
        rng = self.rng
        package, year, phase_status = FIBER_PHASES[phase]
        status = status or phase_status
        straight = _distance_km(
            (float(site_a.latitude), float(site_a.longitude)), (float(site_b.latitude), float(site_b.longitude))
        )
        length = min(12.0, max(0.3, straight * rng.uniform(1.25, 1.6)))
        length_km = Decimal(f"{length:.3f}")
        splices = math.ceil(length / 2.5) + rng.randint(0, 2)
        connectors = 4 if term_b == TerminationKind.ODC else 2
        built = status in (FiberLinkStatus.ACTIVE, FiberLinkStatus.FAULTY, FiberLinkStatus.DECOMMISSIONED)
        installed = datetime.date(year, rng.randint(6, 11), rng.randint(1, 28)) if built else None
        code = f"FO-BL-{len(self.links) + 1:03d}"
        link = FiberLink(
            code=code,
            name=name or f"{site_a.name} - {site_b.name}",
            site_a=site_a,
            site_b=site_b,
            termination_a=TerminationKind.OTB,
            termination_a_label=f"OTB-{code[-3:]}-A",
            termination_b=term_b,
            termination_b_label=f"{'ODC' if term_b == TerminationKind.ODC else 'OTB'}-{code[-3:]}-B",
            cable_type=cable,
            core_count=cores,
            deployment=deployment,
            length_km=length_km,
            splice_count=splices,
            connector_count=connectors,
            status=status,
            installed_date=installed,
            contractor=rng.choice(CONTRACTORS) if status != FiberLinkStatus.PLANNED else "",
            procurement_package=package,
            description=description,
        )
        if built and installed:
            budget = link.loss_budget_db()
            factor = rng.uniform(1.1, 1.5) if rng.random() < 0.1 else rng.uniform(0.55, 0.95)
            if status == FiberLinkStatus.FAULTY:
                factor = 4.0
            link.measured_loss_db = (budget * Decimal(str(factor))).quantize(Decimal("0.01"))
            link.measured_on = min(DEMO_TODAY, installed + datetime.timedelta(days=rng.randint(7, 40)))
        save_link(link)  # with its cores
        link._demo_carries = carries
        self.links.append(link)
        for site in (site_a, site_b):
            if status == FiberLinkStatus.ACTIVE or site.pk not in self.site_link_status:
                self.site_link_status[site.pk] = status
        return link

    def build_fiber(self) -> None:
        dc = self.sites[DATA_CENTER_SITE]
        rng = self.rng
        cc = self.sites["Command Center Bandar Lampung"]
        self._link(
            dc,
            cc,
            "I",
            24,
            Deployment.INDOOR,
            carries=("Uplink command center", "Uplink command center", "Video wall CCTV", "Call center 112"),
        )
        for short in self.orgs:
            if short.startswith(("Kec. ", "Kel. ")):
                continue
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            if office.link == "-":
                continue
            site = self.sites[office.site_name or f"Kantor {short}"]
            central = office.in_city_hall or office.link == "R"
            deployment = (
                Deployment.DUCT if central else rng.choice((Deployment.AERIAL, Deployment.AERIAL, Deployment.DUCT))
            )
            cores = 48 if short in ("Setda", "DPMPTSP") else 24 if office.servers >= 4 else 12
            carries = [f"JIP {short} (Tx)", f"JIP {short} (Rx)", f"Internet {short}"]
            if short == "Dishub":
                carries += ["CCTV ATCS", "CCTV ATCS", "Kontroler lampu lalu lintas"]
            if short == "DPMPTSP":
                carries += ["Wi-Fi publik MPP", "Antrean MPP"]
            if short == "RSUD":
                carries += ["Bridging BPJS", "Telemedisin"]
            if office.link == "R":
                self._link(
                    dc,
                    site,
                    "II",
                    cores,
                    Deployment.AERIAL,
                    carries=(),
                    status=FiberLinkStatus.DECOMMISSIONED,
                    description="Kabel udara lama; diganti jalur ducting pada 2025.",
                )
            self._link(dc, site, office.link, cores, deployment, carries=tuple(carries))
        pops = [self.sites[name] for name, *_ in POPS]
        for pop in pops:
            self._link(
                dc,
                pop,
                "I",
                48,
                Deployment.DUCT,
                name=f"Trunk {pop.name}",
                carries=(
                    f"Uplink OLT {pop.name} (1)",
                    f"Uplink OLT {pop.name} (2)",
                    f"JIP {pop.name}",
                    f"JIP {pop.name}",
                    "CCTV ATCS",
                    "CCTV ATCS",
                    "Backbone internet",
                    "Backbone internet",
                ),
            )
        # The ring runs POP to POP round the city; its two ends meet again at the data center.
        ring = sorted(pops, key=lambda p: _bearing(CITY_HALL, (float(p.latitude), float(p.longitude))))
        for a, b in itertools.pairwise(ring):
            self._link(
                a,
                b,
                "II",
                24,
                Deployment.AERIAL,
                name=f"Ring {a.name} - {b.name}",
                carries=("Ring backbone JIP", "Ring backbone JIP"),
            )
        for odc_name, *_ in ODCS:
            self._link(
                dc,
                self.sites[odc_name],
                "III",
                48,
                Deployment.DUCT,
                term_b=TerminationKind.ODC,
                carries=("Distribusi GPON", "Distribusi GPON", "CCTV persimpangan"),
            )
        for name in kecamatan_names():
            site = self.sites[f"Kantor Camat {name}"]
            point = (float(site.latitude), float(site.longitude))
            pop = min(pops, key=lambda p: _distance_km(point, (float(p.latitude), float(p.longitude))))
            phase = KECAMATAN_LINKS.get(name) or rng.choice(("II", "III", "III"))
            self._link(
                pop,
                site,
                phase,
                12,
                Deployment.AERIAL,
                carries=(f"JIP Kecamatan {name}", f"JIP Kecamatan {name}", f"CCTV Kecamatan {name}"),
                description="Kabel putus tertimpa pohon tumbang; menunggu perbaikan." if phase == "F" else "",
            )
        for short, org in self.orgs.items():
            if not short.startswith("Kel. "):
                continue
            kel = short.removeprefix("Kel. ")
            kec = org.parent.short_name.removeprefix("Kec. ")
            phase = rng.choice(("III", "III", "UC", "P"))
            self._link(
                self.sites[f"Kantor Camat {kec}"],
                self.sites[f"Kantor Lurah {kel}"],
                phase,
                12,
                Deployment.AERIAL,
                cable=rng.choice((CableType.G652D, CableType.G657A1)),
                carries=(f"GPON Kelurahan {kel}",),
            )
        self._core_states()

    def _core_states(self) -> None:
        """Mark the cores each link carries; the cores were created with the link (all spare)."""
        rng = self.rng
        cores_by_link: dict[int, list[FiberCore]] = defaultdict(list)
        for core in FiberCore.objects.filter(link__in=self.links).order_by("link_id", "number"):
            cores_by_link[core.link_id].append(core)
        for link in self.links:
            cores = cores_by_link[link.pk]
            changed: list[FiberCore] = []
            if link.status in (FiberLinkStatus.ACTIVE, FiberLinkStatus.FAULTY):
                for core, carries in zip(cores, link._demo_carries, strict=False):
                    core.state, core.carries = CoreState.IN_USE, carries
                    changed.append(core)
                for core in cores[-2:]:
                    core.state, core.carries = CoreState.RESERVED, "Cadangan pemeliharaan"
                    changed.append(core)
                if link.status == FiberLinkStatus.FAULTY:
                    for core in cores[: len(link._demo_carries)]:
                        core.state = CoreState.BROKEN
                elif rng.random() < 0.12:
                    core = cores[len(link._demo_carries)]
                    core.state, core.carries = CoreState.BROKEN, "Patah di joint closure"
                    changed.append(core)
            elif link.status in (FiberLinkStatus.PLANNED, FiberLinkStatus.UNDER_CONSTRUCTION) and link._demo_carries:
                cores[0].state, cores[0].carries = CoreState.RESERVED, f"Rencana: {link._demo_carries[0]}"
                changed.append(cores[0])
            for core in dict.fromkeys(changed):
                core.save()

    # -- migrations ---------------------------------------------------------------------------------
    def build_migrations(self) -> None:
        # Each OPD's servers get their own VLAN in the data center.
        self.org_number = {short: i for i, short in enumerate(self.orgs)}
        waves = {}
        with self._logged_at(REGISTRY_ENTERED):  # the programme's waves were planned up front
            for name, start, end, status in WAVES:
                waves[name] = MigrationWave.objects.create(
                    name=name,
                    start_date=start,
                    end_date=end,
                    status=status,
                    description=f"Jendela migrasi server OPD ke pusat data, {start:%d/%m/%Y} - {end:%d/%m/%Y}.",
                )
        self.waves = list(waves.values())
        plans = self._assign_states()
        self.next_address: Counter[int] = Counter()
        for plan in plans:
            self._drive(plan)
        self._flush()

    def _assign_states(self) -> list[_Plan]:
        rng = self.rng
        app_hosts = {h for app in APPLICATIONS for h in app.hosts}
        plans: list[_Plan] = []
        free: list[Device] = []
        for device in self.opd_servers:
            if device.name in RETAINED_SERVERS:
                plans.append(_Plan(None, device, _S.RETAINED, disposition=Disposition.RETAIN))
            else:
                free.append(device)
        by_age = sorted((d for d in free if d.name not in app_hosts), key=lambda d: (d.purchase_year, d.name))
        retired = {d.pk for d in by_age[:RETIRED_COUNT]}
        rest = [d for d in free if d.pk not in retired]
        rng.shuffle(rest)
        plans += [_Plan(None, d, _S.RETIRED, disposition=Disposition.RETIRE) for d in free if d.pk in retired]
        states = [state for state, count in STATE_QUOTAS for _ in range(count)]
        for i, device in enumerate(rest):
            plans.append(_Plan(None, device, states[i] if i < len(states) else _S.INVENTORIED))
        # A few histories with the backward moves that really happen.
        detours = [
            ("cutover_rollback", (_S.ACCEPTED, _S.SOURCE_DECOMMISSIONED), 2),
            ("test_retry", (_S.CUT_OVER, _S.ACCEPTED, _S.SOURCE_DECOMMISSIONED), 2),
            ("abort_window", (_S.ACCEPTED, _S.SOURCE_DECOMMISSIONED), 1),
            ("reassess", (_S.SCHEDULED, _S.ACCEPTED), 1),
            ("ends_in_rollback", (_S.TESTING,), 1),
            ("ends_in_retry", (_S.MIGRATING,), 1),
            ("ends_aborted", (_S.SCHEDULED,), 1),
            ("ends_reassessed", (_S.ASSESSED,), 1),
            ("retain_review", (_S.ASSESSED,), 1),
        ]
        for detour, finals, count in detours:
            candidates = [p for p in plans if p.final in finals and not p.detour]
            for plan in candidates[:count]:
                plan.detour = detour
        for plan in plans:
            if plan.disposition == Disposition.UNDECIDED and plan.final != _S.INVENTORIED:
                roll = rng.random()
                if plan.detour or roll < 0.6:
                    plan.disposition = Disposition.REHOST
                elif roll < 0.85:
                    plan.disposition = Disposition.MOVE_HARDWARE
                else:
                    plan.disposition = Disposition.REBUILD
            plan.skip_sign_off = rng.random() < 0.12
            plan.skip_backup = rng.random() < 0.08
            plan.t0 = self._campaign_start(plan)
            self._choose_wave(plan)
        plans.sort(key=lambda p: (p.t0, p.device.name))
        return plans

    def _campaign_start(self, plan: _Plan) -> datetime.datetime:
        """Most servers were listed in the first inventory campaign; some were found later."""
        rng = self.rng
        late = plan.device.name.startswith("srv-kec-") or (plan.final == _S.INVENTORIED and rng.random() < 0.5)
        if late:
            day = datetime.date(2025, 3, 3) + datetime.timedelta(days=rng.randint(0, 560))
        else:
            day = HISTORY_START + datetime.timedelta(days=rng.randint(0, 46))
        return self._working_time(day)

    def _working_time(self, day: datetime.date) -> datetime.datetime:
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time(self.rng.randint(8, 15), self.rng.randint(0, 59)), WIB)

    def _choose_wave(self, plan: _Plan) -> None:
        rng = self.rng
        w = self.waves
        final = _S.SCHEDULED if plan.detour == "ends_reassessed" else plan.final
        if final in (_S.SOURCE_DECOMMISSIONED,):
            wave = rng.choice(w[:3])
        elif final == _S.ACCEPTED:
            wave = rng.choice(w[2:5])
        elif final == _S.CUT_OVER:
            wave = rng.choice(w[4:6])
        elif final in (_S.TESTING, _S.MIGRATING):
            wave = w[5] if rng.random() < 0.75 else w[4]
        elif final == _S.SCHEDULED:
            wave = w[5]
        else:
            return
        plan.wave = wave
        latest = min(wave.end_date - datetime.timedelta(days=21), DEMO_TODAY - datetime.timedelta(days=25))
        if final == _S.SCHEDULED:
            plan.planned_start = DEMO_TODAY + datetime.timedelta(days=rng.randint(-12, 24))
            return
        span = max(0, (latest - wave.start_date).days)
        plan.planned_start = wave.start_date + datetime.timedelta(days=rng.randint(0, span))

    def _steps(self, plan: _Plan) -> list[str]:
        final, detour = plan.final, plan.detour
        if final == _S.INVENTORIED:
            return []
        if final == _S.RETIRED:
            return [_S.ASSESSED, _S.RETIRED] if self.rng.random() < 0.7 else [_S.RETIRED]
        if final == _S.RETAINED:
            return [_S.ASSESSED, _S.RETAINED]
        ends = {
            "ends_in_rollback": (_S.CUT_OVER, _S.TESTING),
            "ends_in_retry": (_S.TESTING, _S.MIGRATING),
            "ends_aborted": (_S.MIGRATING, _S.SCHEDULED),
            "ends_reassessed": (_S.SCHEDULED, _S.ASSESSED),
        }
        if detour == "retain_review":
            return [_S.ASSESSED, _S.RETAINED, _S.ASSESSED]
        if detour in ends:
            last_forward, back = ends[detour]
            return [*FORWARD[: FORWARD.index(last_forward) + 1], back]
        steps = list(FORWARD[: FORWARD.index(final) + 1])
        insert_after = {
            "cutover_rollback": (_S.CUT_OVER, [_S.TESTING, _S.CUT_OVER]),
            "test_retry": (_S.TESTING, [_S.MIGRATING, _S.TESTING]),
            "abort_window": (_S.MIGRATING, [_S.SCHEDULED, _S.MIGRATING]),
            "reassess": (_S.SCHEDULED, [_S.ASSESSED, _S.SCHEDULED]),
        }
        if detour in insert_after:
            after, extra = insert_after[detour]
            i = steps.index(after) + 1
            steps[i:i] = extra
        return steps

    def _times(self, plan: _Plan, steps: list[str]) -> list[datetime.datetime]:
        rng = self.rng
        days = datetime.timedelta(days=1)
        times: list[datetime.datetime] = []
        prev = plan.t0
        seen: set[str] = set()
        for state in steps:
            repeat = state in seen
            seen.add(state)
            if repeat:
                gap = rng.randint(1, 8)
            elif state == _S.ASSESSED:
                gap = rng.randint(14, 75) if plan.final != _S.ASSESSED else rng.randint(20, 500)
            elif state == _S.SCHEDULED:
                target = plan.planned_start - rng.randint(14, 40) * days
                gap = max(2, (target - prev.date()).days)
            elif state == _S.MIGRATING:
                gap = max(1, (plan.planned_start + rng.randint(-1, 5) * days - prev.date()).days)
            elif state == _S.TESTING:
                gap = rng.randint(1, 4)
            elif state == _S.CUT_OVER:
                gap = rng.randint(2, 7)
            elif state == _S.ACCEPTED:
                gap = rng.randint(7, 21)
            elif state == _S.SOURCE_DECOMMISSIONED:
                gap = rng.randint(30, 75)
            else:  # retired, retained
                gap = rng.randint(10, 90)
            at = self._working_time(prev.date() + gap * days)
            if at <= prev:
                at = prev + datetime.timedelta(hours=2)
            times.append(at)
            prev = at
        limit = DEMO_NOW - datetime.timedelta(hours=3)
        if times and times[-1] > limit:  # squeeze the history so that it ends before "now"
            scale = (limit - plan.t0) / (times[-1] - plan.t0)
            times = [plan.t0 + (t - plan.t0) * scale for t in times]
        return times

    def _actor(self, state: str, device: Device) -> User | None:
        u = self.users
        if state == _S.ACCEPTED:
            for user in u.values():
                if user.role == Role.OPD_OPERATOR and user.organization_id == device.organization_id:
                    return user
        if state in (_S.RETIRED, _S.RETAINED, _S.SCHEDULED):
            return u.get("insinyur")
        if state in (_S.MIGRATING, _S.TESTING, _S.CUT_OVER, _S.SOURCE_DECOMMISSIONED):
            return u.get(self.rng.choice(("teknisi", "teknisi", "insinyur")))
        return u.get(self.rng.choice(("insinyur", "teknisi", "admin")))

    def _drive(self, plan: _Plan) -> None:
        rng = self.rng
        device = plan.device
        steps = self._steps(plan)
        times = self._times(plan, steps)
        with self._logged_at(plan.t0):
            migration = start_tracking(device, at=plan.t0)
        plan.migration = migration
        vlan = 100 + self.org_number[device.organization.short_name]
        previous = _S.INVENTORIED
        moved = False
        for state, at in zip(steps, times, strict=True):
            reason = ""
            override = ""
            key = (previous, state)
            if key in ROLLBACK_REASONS:
                reason = rng.choice(ROLLBACK_REASONS[key])
            elif state == _S.RETAINED:
                reason = RETAINED_SERVERS.get(device.name, "Server CCTV lokal dengan rekaman besar; tetap di OPD.")
            else:
                reason = rng.choice(REASONS[state]).format(wave=plan.wave or "")
            if state == _S.ASSESSED and previous == _S.INVENTORIED:
                migration.readiness = rng.choice((Readiness.READY, Readiness.READY, Readiness.READY_WITH_CONDITIONS))
                if plan.final == _S.ASSESSED and rng.random() < 0.4:
                    migration.readiness = Readiness.NOT_READY
                if plan.final == _S.RETIRED:
                    migration.readiness = Readiness.NOT_READY
                migration.disposition = plan.disposition if plan.detour != "retain_review" else Disposition.RETAIN
            if state == _S.ASSESSED and previous == _S.RETAINED:
                migration.disposition = Disposition.REHOST
                migration.readiness = Readiness.READY_WITH_CONDITIONS
            if state == _S.SCHEDULED and migration.wave_id is None:
                self._schedule(migration, plan, vlan)
            if state == _S.MIGRATING:
                day = timezone.localtime(at).date()
                if not plan.skip_backup and migration.backup_verified_on is None:
                    migration.backup_verified_on = day - datetime.timedelta(days=rng.randint(1, 6))
                if not plan.skip_sign_off and migration.owner_signed_off_on is None:
                    migration.owner_signed_off_on = day - datetime.timedelta(days=rng.randint(2, 12))
                unmet = [g.code for g in gates(migration) if not g.met]
                override = "; ".join(OVERRIDES.get(code, code) for code in unmet)
            # The change log names the same person as the transition record.
            with self._logged_at(at, self._actor(state, device)) as ctx:
                if state == _S.CUT_OVER and not moved:
                    moved = True
                    self._move(migration, plan)
                transition(migration, state, user=ctx.user, reason=reason, override_reason=override, at=at)
                if state in (_S.SOURCE_DECOMMISSIONED, _S.RETIRED):
                    self._switch_off(device, plan)
            previous = state
        self._blockers(plan, steps, times)

    def _schedule(self, migration: Migration, plan: _Plan, vlan: int) -> None:
        rng = self.rng
        start = plan.planned_start
        migration.wave = plan.wave
        migration.planned_start = start
        migration.planned_cutover = start + datetime.timedelta(days=rng.randint(7, 14))
        migration.planned_acceptance = migration.planned_cutover + datetime.timedelta(days=14)
        migration.planned_decommission = migration.planned_acceptance + datetime.timedelta(days=rng.randint(30, 60))
        if plan.disposition == Disposition.MOVE_HARDWARE:
            migration.target_rack = self.racks[(DATA_CENTER_SITE, f"R{rng.randint(7, 10):02d}")]
        else:
            migration.target_host = rng.choice(self.dc_hosts)
        migration.target_vlan = vlan
        self.next_address[vlan] += 1
        migration.target_address = f"10.71.{vlan}.{10 + self.next_address[vlan]}"

    def _move(self, migration: Migration, plan: _Plan) -> None:
        """At cut-over the server runs in the data center: moved in its rack, or rebuilt as a VM there."""
        device = plan.device
        dc = self.sites[DATA_CENTER_SITE]
        if plan.disposition == Disposition.MOVE_HARDWARE:
            rack = migration.target_rack
            device.description = f"{device.description} (dipindahkan dari {device.site.name})"
            device.site, device.rack, device.position = dc, rack, self._position(rack, 2)
            device.save()
            return
        vm = self._device(
            f"vm-{device.name.removeprefix('srv-')}",
            device.organization,
            dc,
            DeviceKind.VIRTUAL_MACHINE,
            _hypervisor(migration.target_host),
            "Virtual machine",
            os=self.rng.choice(VM_OS),
            host=migration.target_host,
            description=f"{device.description} (hasil migrasi dari {device.name})",
        )
        self.vm_of[device.pk] = vm
        self.cut_over_at[device.pk] = current_context().at
        self._flush()  # written now, so the change log has the VM from its cut-over on

    def _switch_off(self, device: Device, plan: _Plan) -> None:
        if plan.disposition == Disposition.MOVE_HARDWARE:
            return  # the same hardware runs on in the data center
        device.status = DeviceStatus.DECOMMISSIONED
        device.save()
        self.switched_off_at[device.pk] = current_context().at
        address = device.primary_ip
        address.probe = False
        address.status = IPAddressStatus.DEPRECATED
        address.save()

    def _blockers(self, plan: _Plan, steps: list[str], times: list[datetime.datetime]) -> None:
        rng = self.rng
        final = plan.final
        device = plan.device
        org = device.organization.short_name
        dates = {state: timezone.localtime(at).date() for state, at in zip(steps, times, strict=True)}
        start = dates.get(_S.ASSESSED, timezone.localtime(plan.t0).date())
        link_ok = self.site_link_status.get(device.site_id) == FiberLinkStatus.ACTIVE
        blockers: list[tuple[str, datetime.date, datetime.date | None]] = []
        if final in (_S.INVENTORIED, _S.ASSESSED, _S.SCHEDULED) and (not link_ok or rng.random() < 0.45):
            category = (
                BlockerCategory.FIBER_LINK
                if not link_ok
                else rng.choice([c for c in BLOCKERS if c != BlockerCategory.FIBER_LINK])
            )
            opened = min(DEMO_TODAY, start + datetime.timedelta(days=rng.randint(0, 30)))
            blockers.append((category, opened, None))
        elif final in (_S.MIGRATING, _S.TESTING) and rng.random() < 0.35:
            blockers.append((BlockerCategory.VENDOR, dates.get(_S.MIGRATING, start), None))
        if _S.MIGRATING in dates and (plan.skip_sign_off or rng.random() < 0.35):
            migrating = dates[_S.MIGRATING]
            category = (
                BlockerCategory.SIGN_OFF
                if plan.skip_sign_off
                else rng.choice(
                    (
                        BlockerCategory.ADDRESS_PLAN,
                        BlockerCategory.CAPACITY,
                        BlockerCategory.BACKUP,
                        BlockerCategory.BUDGET,
                    )
                )
            )
            opened = min(migrating, dates.get(_S.SCHEDULED, start) + datetime.timedelta(days=rng.randint(0, 10)))
            resolved = migrating + datetime.timedelta(days=rng.randint(3, 20)) if plan.skip_sign_off else migrating
            blockers.append((category, opened, min(resolved, DEMO_TODAY)))
        for category, opened, resolved in blockers:
            description, owner = rng.choice(BLOCKERS[category])
            with self._logged_at(_office_hours(opened)):
                blocker = MigrationBlocker.objects.create(
                    migration=plan.migration,
                    category=category,
                    description=description,
                    owner=owner.format(org=org),
                    opened_on=opened,
                    due_on=opened + datetime.timedelta(days=rng.choice((14, 30, 45, 60))),
                )
            if resolved is not None:
                blocker.resolved_on = max(resolved, opened)
                with self._logged_at(_office_hours(blocker.resolved_on)):
                    blocker.save()

    # -- applications -------------------------------------------------------------------------------
    def build_applications(self) -> None:
        for spec in APPLICATIONS:
            owner = self.orgs.get(spec.owner)
            if owner is None:
                continue
            app = Application.objects.create(
                name=spec.name,
                short_name=spec.short_name,
                organization=owner,
                url=spec.url,
                criticality=spec.criticality,
                integration_status=spec.integration,
                target_year=spec.target_year,
                status=spec.status,
                description=spec.description,
            )
            # Served from its OPD's servers at first; each rebuilt VM joins at its cut-over and each
            # switched-off server leaves then, so the history shows what ran the service when.
            servers = [self.devices[name] for name in spec.hosts if name in self.devices]
            if servers:
                app.devices.set(servers)
            events = []
            for device in servers:
                if device.pk in self.vm_of:
                    events.append((self.cut_over_at[device.pk], 0, app.devices.add, self.vm_of[device.pk]))
                if device.pk in self.switched_off_at:
                    events.append((self.switched_off_at[device.pk], 1, app.devices.remove, device))
            for at, _order, change, device in sorted(events, key=lambda e: (e[0], e[1], e[3].pk)):
                with self._logged_at(at):
                    change(device)


def _hypervisor(host: Device) -> str:
    return "VMware" if "ESXi" in host.os else "Proxmox"


def _bulk_create(model: type[models.Model], objects: list) -> None:
    """bulk_create that logs one create per object, as single saves do."""
    model.objects.bulk_create(objects, batch_size=500)
    changelog.record_bulk((obj, ChangeAction.CREATE, None, changelog.serialize(obj)) for obj in objects)
    for obj in objects:
        changelog.remember_saved_state(obj)
