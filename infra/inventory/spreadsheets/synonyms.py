"""Every word a spreadsheet may use that is not the template's own: the one place for synonyms.

``HEADER_SYNONYMS`` (kind -> template column -> titles) is how a file's column titles are matched
to the template's columns before any fuzzy guess; ``INDONESIAN_LABELS`` (choice list -> value ->
words) is how a cell's everyday words are matched to a choice. Matching ignores case, spaces and
punctuation. docs/import-formats.md lists both (a test keeps it in step).
"""

from ..choices import (
    CableType,
    Deployment,
    DeviceKind,
    DeviceStatus,
    Disposition,
    FiberLinkStatus,
    MigrationState,
    OrganizationKind,
    Readiness,
    SiteKind,
    SiteStatus,
    TerminationKind,
    Wavelength,
)

# --- column titles ----------------------------------------------------------------------------
# kind -> template column name -> titles found in Diskominfo and BMD spreadsheets (besides the
# column's own name, its field name and Column.aliases).
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {}

# --- cell values ------------------------------------------------------------------------------
# Labels that Indonesian spreadsheets already use for each choice, besides the code and the
# translated label. Matching ignores case, spaces, "-" and "_".
INDONESIAN_LABELS = {
    OrganizationKind: {
        OrganizationKind.SECRETARIAT: ("sekretariat daerah", "setda"),
        OrganizationKind.AGENCY: ("dinas",),
        OrganizationKind.BOARD: ("badan",),
        OrganizationKind.DISTRICT: ("kantor kecamatan",),
        OrganizationKind.URBAN_VILLAGE: ("kantor kelurahan",),
        OrganizationKind.HOSPITAL: ("rumah sakit umum daerah", "rumah sakit"),
        OrganizationKind.OTHER: ("lainnya", "lain lain"),
    },
    SiteKind: {
        SiteKind.DATA_CENTER: ("pusat data", "data center", "pusat data daerah"),
        SiteKind.OPD_OFFICE: ("kantor opd", "kantor dinas"),
        SiteKind.DISTRICT_OFFICE: ("kantor kecamatan", "kecamatan"),
        SiteKind.VILLAGE_OFFICE: ("kantor kelurahan", "kelurahan"),
        SiteKind.COMMAND_CENTER: ("ruang kendali", "command center"),
        SiteKind.MPP: ("mal pelayanan publik", "mall pelayanan publik"),
        SiteKind.POP: ("pop", "odc", "kabinet odc"),
        SiteKind.OTHER: ("lainnya",),
    },
    SiteStatus: {
        SiteStatus.PLANNED: ("direncanakan", "rencana"),
        SiteStatus.ACTIVE: ("aktif",),
        SiteStatus.DECOMMISSIONED: ("tidak digunakan", "nonaktif"),
    },
    DeviceKind: {
        DeviceKind.SERVER: ("server fisik", "server"),
        DeviceKind.VIRTUAL_MACHINE: ("mesin virtual", "vm", "server virtual"),
        DeviceKind.ACCESS_POINT: ("titik akses", "ap"),
        DeviceKind.STORAGE: ("penyimpanan", "san", "nas"),
        DeviceKind.OTHER: ("lainnya",),
    },
    DeviceStatus: {
        DeviceStatus.PLANNED: ("direncanakan", "rencana"),
        DeviceStatus.ACTIVE: ("aktif", "hidup", "menyala"),
        DeviceStatus.OFFLINE: ("mati", "tidak aktif", "padam"),
        DeviceStatus.DECOMMISSIONED: ("dihapuskan", "tidak digunakan", "afkir"),
    },
    CableType: {},
    Deployment: {
        Deployment.AERIAL: ("udara", "kabel udara", "adss", "tiang"),
        Deployment.DUCT: ("duct", "tanam duct", "bawah tanah", "ducting"),
        Deployment.DIRECT_BURIED: ("tanam langsung",),
        Deployment.INDOOR: ("dalam gedung", "indoor"),
    },
    TerminationKind: {TerminationKind.DEVICE_PORT: ("port perangkat",)},
    FiberLinkStatus: {
        FiberLinkStatus.PLANNED: ("direncanakan", "rencana"),
        FiberLinkStatus.UNDER_CONSTRUCTION: ("dalam pembangunan", "pembangunan", "konstruksi"),
        FiberLinkStatus.ACTIVE: ("aktif",),
        FiberLinkStatus.FAULTY: ("gangguan", "rusak", "putus"),
        FiberLinkStatus.DECOMMISSIONED: ("tidak digunakan", "nonaktif"),
    },
    Wavelength: {},
    Readiness: {
        Readiness.UNKNOWN: ("belum diketahui", "belum dinilai"),
        Readiness.READY: ("siap",),
        Readiness.READY_WITH_CONDITIONS: ("siap dengan syarat", "siap bersyarat"),
        Readiness.NOT_READY: ("belum siap", "tidak siap"),
    },
    Disposition: {
        Disposition.UNDECIDED: ("belum diputuskan",),
        Disposition.REHOST: ("rehost", "jadi vm", "dipindah sebagai vm"),
        Disposition.MOVE_HARDWARE: ("pindah perangkat", "pindah fisik"),
        Disposition.REBUILD: ("bangun ulang",),
        Disposition.RETIRE: ("dimatikan", "pensiun"),
        Disposition.RETAIN: ("dipertahankan", "tetap di opd"),
    },
    MigrationState: {
        MigrationState.INVENTORIED: ("terinventarisasi", "didata"),
        MigrationState.ASSESSED: ("dinilai",),
        MigrationState.SCHEDULED: ("dijadwalkan",),
        MigrationState.MIGRATING: ("sedang migrasi", "migrasi"),
        MigrationState.TESTING: ("pengujian", "uji"),
        MigrationState.CUT_OVER: ("cutover", "pindah layanan"),
        MigrationState.ACCEPTED: ("diterima",),
        MigrationState.SOURCE_DECOMMISSIONED: ("sumber dihapus", "sumber dimatikan"),
        MigrationState.RETIRED: ("dipensiunkan",),
        MigrationState.RETAINED: ("dipertahankan", "tetap di opd"),
    },
}
