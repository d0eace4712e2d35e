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
    FundingSource,
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
# column's own name, its field name and Column.aliases). A synonym for a column a sheet does not
# have is skipped (a kind registered by another app may name its own columns here).
_OPD = ("Nama OPD", "OPD Pemilik", "Perangkat Daerah", "Unit Kerja", "SKPD", "Instansi")
_NOTES = ("Keterangan", "Ket.", "Catatan", "Uraian", "Notes", "Remarks")
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "organizations": {
        "nama": ("Nama OPD", "Nama Perangkat Daerah", "Nama Instansi", "Nama Unit Kerja", "Organization", "Name"),
        "singkatan": ("Singkatan OPD", "Nama Singkat", "Akronim", "Short Name", "Abbreviation"),
        "jenis": ("Jenis OPD", "Jenis Instansi", "Kind"),
        "induk": ("OPD Induk", "Instansi Induk", "Parent"),
        "wilayah": ("Wilayah Administrasi", "Kode Wilayah", "Kecamatan", "Region"),
        "situs_web": ("Alamat Situs", "Alamat Website", "Laman Resmi", "Situs Resmi", "Homepage"),
        "keterangan": _NOTES,
    },
    "sites": {
        "nama": ("Nama Lokasi", "Nama Gedung", "Nama Site", "Lokasi", "Gedung", "Site", "Name"),
        "jenis": ("Jenis Lokasi", "Jenis Gedung", "Kind"),
        "status": ("Status Lokasi",),
        "opd": _OPD,
        "wilayah": ("Kelurahan", "Kode Wilayah", "Region"),
        "alamat": ("Alamat Lengkap", "Alamat Gedung", "Address"),
        "lintang": ("Latitude", "Koordinat Lintang", "Garis Lintang"),
        "bujur": ("Longitude", "Koordinat Bujur", "Garis Bujur"),
        "keterangan": _NOTES,
    },
    "devices": {
        "nama": ("Nama Server", "Nama Perangkat", "Nama Host", "Hostname", "Host Name", "Device Name"),
        "opd": _OPD,
        "lokasi": ("Lokasi", "Lokasi Perangkat", "Lokasi Server", "Gedung", "Ruang Server", "Site", "Location"),
        "jenis": ("Jenis Perangkat", "Jenis Barang", "Kategori", "Kategori Perangkat", "Device Type", "Kind"),
        "status": ("Status Perangkat", "Status Operasional"),
        "merek": ("Merk", "Merek", "Merk/Type", "Merk / Tipe", "Merek/Tipe", "Vendor", "Pabrikan", "Manufacturer"),
        "model": ("Tipe", "Type", "Model/Tipe", "Seri", "Model Perangkat"),
        "nomor_seri": ("No. Seri", "Nomor Seri", "Serial Number", "Serial No", "S/N", "No. Serial"),
        "kode_barang_bmd": (
            "No. Inventaris BMD",
            "Nomor Inventaris",
            "No. Inventaris",
            "Kode Barang",
            "Kode Aset",
            "Nomor Register",
            "No. Register",
            "No. Reg",
            "Asset Number",
        ),
        "sistem_operasi": ("OS", "Sistem Operasi", "Operating System", "OS/Versi"),
        "tahun_pengadaan": ("Tahun Pengadaan", "Tahun Perolehan", "Tahun Pembelian", "Thn. Pengadaan", "Year"),
        "garansi_sampai": ("Masa Garansi", "Garansi s/d", "Akhir Garansi", "Warranty End", "Warranty"),
        "tanggal_perolehan": (
            "Tgl. Pengadaan",
            "Tanggal Pengadaan",
            "Tanggal Perolehan",
            "Tgl. Perolehan",
            "Tanggal Pembelian",
            "Tgl. Pembelian",
            "Purchase Date",
        ),
        "nilai_perolehan": (
            "Nilai Perolehan (Rp)",
            "Nilai Perolehan",
            "Harga",
            "Harga Perolehan",
            "Harga (Rp)",
            "Nilai Aset",
            "Acquisition Value",
        ),
        "sumber_dana": ("Sumber Dana", "Sumber Anggaran", "Asal Anggaran", "Funding Source"),
        "tahap_migrasi": ("Status Migrasi", "Tahap Migrasi", "Migrasi", "Migration State"),
        "rak": ("Rak", "Nomor Rak", "Rack"),
        "posisi_u": ("Posisi Rak", "Posisi (U)", "Rack Unit"),
        "alamat_ip": ("IP Address", "Alamat IP", "IP", "IP Manajemen", "Management IP"),
        "pantau": ("Dipantau", "Monitoring", "Pantau Ping"),
        "keterangan": _NOTES,
    },
    "fiberlinks": {
        "kode": ("Kode Ruas", "Kode Jalur", "ID Link", "Link ID"),
        "nama": ("Nama Ruas", "Nama Jalur", "Nama Link", "Ruas"),
        "lokasi_a": ("Lokasi A", "Titik A", "Dari", "Ujung A", "Site A"),
        "lokasi_b": ("Lokasi B", "Titik B", "Ke", "Tujuan", "Ujung B", "Site B"),
        "jenis_kabel": ("Jenis Kabel", "Tipe Kabel", "Cable Type"),
        "jumlah_core": ("Jumlah Core", "Kapasitas Core", "Core", "Cores"),
        "pemasangan": ("Jenis Pemasangan", "Metode Pemasangan", "Instalasi"),
        "panjang_km": ("Panjang (km)", "Panjang Kabel", "Panjang", "Jarak (km)", "Length"),
        "status": ("Status Link",),
        "tanggal_pasang": ("Tanggal Pemasangan", "Tgl. Pasang"),
        "kontraktor": ("Penyedia", "Pelaksana", "Rekanan", "Contractor"),
        "paket_pengadaan": ("Paket Pekerjaan", "Nama Paket", "Kontrak"),
        "redaman_terukur_db": ("Redaman (dB)", "Redaman", "Loss (dB)"),
        "tanggal_ukur": ("Tanggal Pengukuran", "Tgl. Ukur"),
        "keterangan": _NOTES,
    },
    "migrations": {
        "server": ("Nama Server", "Hostname", "Nama Perangkat"),
        "opd": _OPD,
        "tahap": ("Status Migrasi", "Tahap Migrasi", "Tahap"),
        "kesiapan": ("Kesiapan", "Status Kesiapan", "Readiness"),
        "disposisi": ("Rencana Migrasi", "Strategi Migrasi", "Disposisi", "Disposition"),
        "gelombang": ("Gelombang Migrasi", "Wave", "Batch"),
        "lokasi_tujuan": ("Lokasi Tujuan", "Pusat Data Tujuan", "Target Site"),
        "rak_tujuan": ("Rak Tujuan", "Target Rack"),
        "alamat_tujuan": ("IP Tujuan", "IP Baru", "Alamat IP Tujuan", "Target IP"),
        "rencana_mulai": ("Rencana Mulai", "Jadwal Mulai", "Tanggal Mulai"),
        "rencana_cutover": ("Rencana Cutover", "Jadwal Cutover", "Tanggal Cutover"),
        "catatan": _NOTES,
    },
    "checks": {
        "jenis": ("Jenis Pemantauan", "Jenis Cek", "Check Type"),
        "target": ("IP Address", "Alamat IP", "Host", "Target"),
        "opd": _OPD,
        "perangkat": ("Nama Perangkat", "Nama Server", "Hostname", "Device"),
        "keterangan": _NOTES,
    },
}

# --- cell values ------------------------------------------------------------------------------
# Labels and everyday words that Indonesian spreadsheets use for each choice, besides the code
# and the translated label. Matching ignores case, spaces and punctuation ("APBD-P" = "apbd p").
# A word stands for one value only (a test checks that no word is shadowed by another value's).
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
        DeviceKind.SERVER: (
            *("server fisik", "server", "pc server", "server rak", "rack server", "server rackmount"),
            *("server tower", "tower server", "server blade", "blade server", "physical server"),
        ),
        DeviceKind.VIRTUAL_MACHINE: ("mesin virtual", "vm", "server virtual", "virtual server", "vps"),
        DeviceKind.SWITCH: ("switch hub", "hub", "core switch", "switch core", "switch distribusi", "switch akses"),
        DeviceKind.ROUTER: ("ruter", "router gateway"),
        DeviceKind.FIREWALL: ("utm", "ngfw", "next generation firewall"),
        DeviceKind.OLT: ("optical line terminal",),
        DeviceKind.ONT: ("onu", "modem ont", "modem fiber", "optical network terminal"),
        DeviceKind.ACCESS_POINT: ("titik akses", "ap", "wifi", "hotspot", "wireless access point"),
        DeviceKind.STORAGE: ("penyimpanan", "san", "nas", "media penyimpanan", "storage server", "disk array"),
        DeviceKind.UPS: ("catu daya cadangan", "uninterruptible power supply"),
        DeviceKind.OTHER: ("lainnya", "lain lain"),
    },
    DeviceStatus: {
        DeviceStatus.PLANNED: ("direncanakan", "rencana", "akan dipasang", "belum terpasang"),
        DeviceStatus.ACTIVE: ("aktif", "hidup", "menyala", "beroperasi", "berfungsi", "online", "digunakan"),
        DeviceStatus.OFFLINE: ("mati", "tidak aktif", "padam", "offline", "down", "tidak berfungsi"),
        DeviceStatus.DECOMMISSIONED: (
            *("dihapuskan", "dihapus", "tidak digunakan", "tidak dipakai", "afkir", "dibongkar"),
            *("penghapusan", "usulan penghapusan"),
        ),
    },
    FundingSource: {
        FundingSource.APBD: ("apbd", "apbd murni", "apbd induk", "apbd p", "apbd perubahan", "apbdp"),
        FundingSource.APBN: ("apbn",),
        FundingSource.DAK: ("dak", "dana alokasi khusus", "dak fisik"),
        FundingSource.GRANT: ("hibah", "dana hibah", "hibah pusat", "hibah provinsi", "bantuan hibah"),
        FundingSource.BLUD: ("blud", "badan layanan umum daerah"),
        FundingSource.OTHER: ("lainnya", "lain lain"),
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
        MigrationState.INVENTORIED: (
            *("terinventarisasi", "didata", "belum migrasi", "belum dimigrasi", "belum dimigrasikan"),
            "sudah didata",
        ),
        MigrationState.ASSESSED: ("dinilai", "sudah dinilai", "sudah diassessment", "sudah dikaji"),
        MigrationState.SCHEDULED: ("dijadwalkan", "sudah dijadwalkan", "terjadwal"),
        MigrationState.MIGRATING: (
            *("sedang migrasi", "migrasi", "proses migrasi", "sedang dimigrasi", "sedang dimigrasikan"),
            "dalam proses migrasi",
        ),
        MigrationState.TESTING: ("pengujian", "uji", "uji coba", "sedang diuji"),
        MigrationState.CUT_OVER: ("cutover", "pindah layanan", "sudah cutover"),
        MigrationState.ACCEPTED: (
            *("diterima", "sudah migrasi", "sudah dimigrasi", "sudah dimigrasikan", "selesai migrasi"),
            "migrasi selesai",
        ),
        MigrationState.SOURCE_DECOMMISSIONED: ("sumber dihapus", "sumber dimatikan", "server lama dimatikan"),
        MigrationState.RETIRED: ("dipensiunkan", "dihentikan"),
        MigrationState.RETAINED: ("dipertahankan", "tetap di opd", "tidak dimigrasi", "tidak dimigrasikan"),
    },
}
