"""The five spreadsheets: one declaration per kind drives its import, its export and its template.

Column names are the Indonesian words a Diskominfo spreadsheet uses; the English field names are
accepted as aliases. docs/import-formats.md describes every column.
"""

import ipaddress

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infra.core import changelog
from infra.core.bulk import create_many, update_many
from infra.core.choices import ChangeAction
from infra.core.models.features import next_stamp

from ..choices import (
    SERVER_KINDS,
    CableType,
    ContractStatus,
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
from ..models import (
    Contract,
    Device,
    FiberLink,
    Interface,
    IPAddress,
    Migration,
    MigrationWave,
    Organization,
    Rack,
    Region,
    Site,
)
from ..services.fiber import sync_cores
from ..services.migration import start_tracking_many
from .cells import Boolean, CellError, Choice, Converter, Money, Reference, normalize_key
from .engine import AMBIGUOUS, BATCH_SIZE, Column, Lookup, RefKind, Row, Sheet, unneeded_fields
from .synonyms import INDONESIAN_LABELS


def choice(choices: type, *, blank: object = None) -> Choice:
    """A choice column; ``blank`` is what an empty cell means ("" for a text field that may be empty)."""
    converter = Choice(choices, INDONESIAN_LABELS.get(choices))
    converter.blank_value = blank
    return converter


# --- how related objects are named in a cell --------------------------------------------------
ORGANIZATION = RefKind(
    noun=gettext_lazy("OPD"),
    queryset=lambda: Organization.objects.all(),
    keys=lambda o: (o.short_name, o.name),
    label=lambda o: o.short_name or o.name,
)
REGION = RefKind(
    noun=gettext_lazy("region"),
    queryset=lambda: Region.objects.all(),
    keys=lambda r: (r.code, r.name),
    label=lambda r: r.code or r.name,
)
SITE = RefKind(
    noun=gettext_lazy("site"),
    queryset=lambda: Site.objects.all(),
    keys=lambda s: (s.name,),
    label=lambda s: s.name,
    # Created by an import with "create missing sites and racks": a site of kind "other", to be
    # completed on its page (kind, OPD, region, coordinates).
    create=lambda name, _scope: Site(name=name, kind=SiteKind.OTHER, status=SiteStatus.ACTIVE),
)
RACK = RefKind(
    noun=gettext_lazy("rack"),
    queryset=lambda: Rack.objects.all(),
    keys=lambda r: (r.name,),
    label=lambda r: r.name,
    scope=lambda r: r.site_id,
    create=lambda name, site: Rack(name=name, site=site),
)
DEVICE = RefKind(
    noun=gettext_lazy("device"),
    queryset=lambda: Device.objects.all(),
    keys=lambda d: (d.name,),
    label=lambda d: d.name,
    scope=lambda d: d.organization_id,
)
INTERFACE = RefKind(
    noun=gettext_lazy("port"),
    queryset=lambda: Interface.objects.select_related("device").only("name", "device__name", "device__site"),
    # "sw-core-01 ge-0/0/1" or "sw-core-01:ge-0/0/1": the device's name, then its interface's.
    keys=lambda i: (f"{i.device.name} {i.name}", f"{i.device.name}:{i.name}"),
    label=lambda i: f"{i.device.name} {i.name}",
    scope=lambda i: i.device.site_id,
)
CONTRACT = RefKind(
    noun=gettext_lazy("contract"),
    queryset=lambda: Contract.objects.all(),
    keys=lambda c: (c.number,),
    label=lambda c: c.number,
)
WAVE = RefKind(
    noun=gettext_lazy("migration wave"),
    queryset=lambda: MigrationWave.objects.all(),
    keys=lambda w: (w.name,),
    label=lambda w: w.name,
)

OPD_HELP = gettext_lazy("The OPD: its short name (Disdukcapil) or its full name.")
PORT_HELP = gettext_lazy("device name and interface name at the row's site, e.g. sw-core-01 ge-0/0/1")
DESCRIPTION_ALIASES = ("description", "catatan", "deskripsi")
CONTRACT_HELP = gettext_lazy("number of a contract, e.g. 041/SPK/DISKOMINFO/2024")
CONTRACT_COLUMN_HELP = gettext_lazy(
    "The contract (paket pengadaan) it was bought under, by its number; the contract must exist (Contracts "
    "sheet or page)."
)


def _key_text(sheet: Sheet, row: Row, name: str) -> str | None:
    """The normalized text of a key cell, or None (with an error) when it is empty."""
    if name in row.bad:
        return None
    value = row.values.get(name)
    if not value:
        sheet.error(row, name, _("This key column cannot be empty."))
        return None
    return normalize_key(value)


# --- organizations ----------------------------------------------------------------------------
class OrganizationSheet(Sheet):
    kind = "organizations"
    model = Organization
    title = gettext_lazy("Organizations")
    key_help = gettext_lazy(
        "A row updates the OPD with the same singkatan (short name), or else the same nama; otherwise it "
        "creates one. induk may name an OPD from an earlier row of the same file."
    )
    refs = {"organization": ORGANIZATION, "region": REGION}
    columns = (
        Column("nama", "name", key=True, aliases=("nama_opd", "full_name"), help=gettext_lazy("Full name.")),
        Column(
            "singkatan",
            "short_name",
            key=True,
            aliases=("nama_singkat", "short"),
            help=gettext_lazy("The name people use, e.g. Disdukcapil. Unique."),
        ),
        Column("jenis", "kind", choice(OrganizationKind), aliases=("type",)),
        Column(
            "induk",
            "parent",
            Reference(gettext_lazy("short name or full name of an OPD")),
            ref="organization",
            help=gettext_lazy("Parent OPD (a kelurahan under its kecamatan)."),
        ),
        Column(
            "wilayah",
            "region",
            Reference(gettext_lazy("Kemendagri code (18.71.01) or name of a region")),
            ref="region",
            help=gettext_lazy("Region (kota, kecamatan...)."),
        ),
        Column(
            "situs_web",
            "website",
            aliases=("situs", "url"),
            help=gettext_lazy("The OPD's public website (https://...): checked in the OPD websites report."),
        ),
        Column("keterangan", "description", aliases=DESCRIPTION_ALIASES),
    )

    def missing_key_columns(self, present: set[str]) -> list[str]:
        return [] if present & {"nama", "singkatan"} else ["singkatan"]

    def key_error_column(self) -> str:
        return "singkatan" if "singkatan" in self.header_labels else "nama"

    def preload(self) -> None:
        organizations = list(Organization.objects.all())
        self.lookups["organization"] = Lookup(ORGANIZATION, organizations)
        self.lookups["region"] = Lookup(REGION)
        self.by_short: dict[str, object] = {}
        self.by_name: dict[str, object] = {}
        for o in organizations:
            for index, key in ((self.by_short, normalize_key(o.short_name)), (self.by_name, normalize_key(o.name))):
                index[key] = AMBIGUOUS if key in index else o
        self.existing = {o.pk: o for o in organizations}
        self.loaded = organizations
        self.attach_related(organizations)

    def instance_key(self, obj: Organization) -> object:
        return obj.pk

    def row_key(self, row: Row) -> object | None:
        if {"nama", "singkatan"} & row.bad:
            return None
        short, name = row.values.get("singkatan"), row.values.get("nama")
        if not short and not name:
            self.error(row, self.key_error_column(), _("Give the OPD's short name or name."))
            return None
        found = (short and self.by_short.get(normalize_key(short))) or (name and self.by_name.get(normalize_key(name)))
        if found is AMBIGUOUS:
            self.error(
                row,
                self.key_error_column(),
                _("Several stored records have this key, differing only in upper and lower case; rename one."),
            )
            return None
        if found:
            return found.pk
        return ("new", normalize_key(short or name))

    def find_existing(self, row: Row, key: object) -> Organization | None:
        return self.existing.get(key)

    def resolve(self, row: Row, name: str, instance) -> None:
        super().resolve(row, name, instance)
        # Refuse a loop here: Organization.clean() walks the parents and would never stop on one.
        ancestor = row.values.get("induk") if name == "induk" else None
        visited: set[int] = set()
        while ancestor is not None and id(ancestor) not in visited:
            if ancestor is instance or (instance is not None and instance.pk and ancestor.pk == instance.pk):
                self.error(row, "induk", _("This parent would make the OPD its own ancestor."))
                del row.values["induk"]
                return
            visited.add(id(ancestor))
            ancestor = ancestor.parent

    def after_row(self, row: Row) -> None:
        # Later rows may name this OPD as their parent.
        self.lookups["organization"].add(row.instance)

    def export_rows(self):
        # Parents before their children, so that the file imports into an empty database too.
        organizations = list(Organization.objects.select_related("parent", "region"))
        parent_of = {o.pk: o.parent_id for o in organizations}

        def depth(pk: int) -> int:
            seen = 0
            while parent_of.get(pk) is not None and seen < len(parent_of):
                pk, seen = parent_of[pk], seen + 1
            return seen

        organizations.sort(key=lambda o: (depth(o.pk), o.name))
        bound = self.bound_columns()
        for organization in organizations:
            yield [self.export_cell(organization, bc) for bc in bound]


# --- sites ------------------------------------------------------------------------------------
class SiteSheet(Sheet):
    kind = "sites"
    model = Site
    title = gettext_lazy("Sites")
    key_help = gettext_lazy("A row updates the site with the same nama (any case), or creates one.")
    refs = {"organization": ORGANIZATION, "region": REGION}
    columns = (
        Column("nama", "name", key=True, aliases=("nama_lokasi", "lokasi"), help=gettext_lazy("Site name, unique.")),
        Column("jenis", "kind", choice(SiteKind), aliases=("type",)),
        Column("status", "status", choice(SiteStatus)),
        Column(
            "opd",
            "organization",
            Reference(OPD_HELP),
            ref="organization",
            aliases=("pemilik", "owner"),
            help=gettext_lazy("Owning OPD."),
        ),
        Column(
            "wilayah",
            "region",
            Reference(gettext_lazy("Kemendagri code (18.71.01) or name of a region")),
            ref="region",
            aliases=("kecamatan",),
        ),
        Column("alamat", "address"),
        Column("lintang", "latitude", aliases=("lat",), help=gettext_lazy("Latitude, e.g. -5,4291 (with bujur).")),
        Column("bujur", "longitude", aliases=("lon", "lng"), help=gettext_lazy("Longitude, e.g. 105,2614.")),
        Column("keterangan", "description", aliases=DESCRIPTION_ALIASES),
    )

    def instance_key(self, obj: Site) -> object:
        return normalize_key(obj.name)

    def row_key(self, row: Row) -> object | None:
        return _key_text(self, row, "nama")


# --- devices ----------------------------------------------------------------------------------
MANAGEMENT_INTERFACE = "mgmt0"


class AddressCell(Converter):
    """An IP address, optionally with a prefix length: ("10.1.2.3", 24) or ("10.1.2.3", None)."""

    def parse(self, raw: object) -> tuple[str, int | None]:
        address, slash, prefix = str(raw).strip().partition("/")
        try:
            ip = ipaddress.ip_address(address.strip())
            length = int(prefix) if slash else None
        except ValueError:
            raise CellError(_("Enter an IP address, for example 10.1.2.3 or 10.1.2.3/24.")) from None
        if length is not None and not 0 <= length <= ip.max_prefixlen:
            raise CellError(
                _("The prefix length of an IPv%(v)s address is 0 to %(max)s.")
                % {"v": ip.version, "max": ip.max_prefixlen}
            )
        return str(ip), length

    def allowed(self) -> str:
        return _("an IPv4 or IPv6 address, optionally with /prefix (10.1.2.3/24)")


def _primary_address(device: Device) -> str:
    ip = device.primary_ip
    return f"{ip.address}/{ip.prefix_length}" if ip else ""


def _migration_state(device: Device) -> str:
    migration = getattr(device, "migration", None)  # none: RelatedObjectDoesNotExist is an AttributeError
    return migration.state if migration is not None else ""


class DeviceSheet(Sheet):
    kind = "devices"
    model = Device
    title = gettext_lazy("Devices")
    key_help = gettext_lazy("A row updates the device with the same opd and nama (any case), or creates one.")
    refs = {"organization": ORGANIZATION, "site": SITE, "rack": RACK, "contract": CONTRACT}
    columns = (
        Column("nama", "name", key=True, aliases=("nama_perangkat", "hostname"), help=gettext_lazy("Device name.")),
        Column("opd", "organization", Reference(OPD_HELP), ref="organization", key=True, aliases=("pemilik",)),
        Column(
            "lokasi",
            "site",
            Reference(gettext_lazy("name of a site")),
            ref="site",
            help=gettext_lazy("Site where it stands."),
        ),
        Column("jenis", "kind", choice(DeviceKind), aliases=("jenis_perangkat",)),
        Column("status", "status", choice(DeviceStatus)),
        Column("merek", "vendor", aliases=("merk", "brand")),
        Column("model", "model", aliases=("tipe_model",)),
        Column("nomor_seri", "serial", aliases=("serial_number", "sn", "no_seri")),
        Column(
            "kode_barang_bmd",
            "asset_number",
            aliases=("kode_barang", "nomor_bmd", "bmd"),
            help=gettext_lazy("Number in the asset register (BMD); unique when given."),
        ),
        Column("sistem_operasi", "os", aliases=("operating_system",)),
        Column("tahun_pengadaan", "purchase_year", aliases=("tahun",)),
        Column(
            "tanggal_perolehan",
            "purchase_date",
            aliases=("tanggal_pengadaan", "tgl_pengadaan", "tgl_perolehan", "tanggal_pembelian"),
            help=gettext_lazy("Acquisition date in the asset register (BMD), e.g. 26/10/2015; not in the future."),
        ),
        Column(
            "nilai_perolehan",
            "acquisition_value",
            Money(),
            aliases=("nilai_perolehan_rp", "harga_perolehan"),
            help=gettext_lazy("Acquisition value in Rupiah, e.g. 314.000.000; zero or more."),
        ),
        Column("sumber_dana", "funding_source", choice(FundingSource, blank=""), aliases=("sumber_anggaran",)),
        Column("garansi_sampai", "warranty_end", aliases=("garansi", "akhir_garansi")),
        Column(
            "kontrak",
            "contract",
            Reference(CONTRACT_HELP),
            ref="contract",
            aliases=("paket_pengadaan", "nomor_kontrak", "contract"),
            help=CONTRACT_COLUMN_HELP,
        ),
        Column(
            "rak",
            "rack",
            Reference(gettext_lazy("name of a rack at the row's site")),
            ref="rack",
            scope="lokasi",
            help=gettext_lazy("Rack at the device's site."),
        ),
        Column("posisi_u", "position", aliases=("posisi", "u")),
        Column(
            "alamat_ip",
            converter=AddressCell(),
            aliases=("ip", "ip_address", "primary_ip", "alamat_ip_utama"),
            help=gettext_lazy(
                "Management address: kept on the interface mgmt0 (created when missing) and made the primary "
                "address. An empty cell leaves addresses as they are."
            ),
            get=_primary_address,
        ),
        Column(
            "pantau",
            converter=Boolean(),
            aliases=("probe", "monitor"),
            help=gettext_lazy(
                "Probe the address for reachability: ya or tidak. New addresses are not probed unless ya."
            ),
            get=lambda d: d.primary_ip.probe if d.primary_ip else False,
        ),
        Column(
            "tahap_migrasi",
            converter=choice(MigrationState),
            aliases=("status_migrasi",),
            help=gettext_lazy(
                "For a server or VM not yet tracked: the migration state it is in today (Belum Migrasi, Sudah "
                "Migrasi...). Tracking starts there, recorded as an imported starting point. A tracked server's "
                "state changes only through its transitions."
            ),
            get=lambda d: _migration_state(d),
        ),
        Column("keterangan", "description", aliases=DESCRIPTION_ALIASES),
    )

    def preload(self) -> None:
        super().preload()
        device_ip = Device._meta.get_field("primary_ip")
        ip_interface = IPAddress._meta.get_field("interface")
        self.devices_by_pk = {d.pk: d for d in self.loaded}
        timestamps = unneeded_fields(Interface)
        self.management = {
            i.device_id: i for i in Interface.objects.filter(name=MANAGEMENT_INTERFACE).defer(*timestamps)
        }
        management_by_pk = {i.pk: i for i in self.management.values()}
        self.ip_by_address: dict[str, IPAddress] = {}
        self.ips_by_interface: dict[int, list[IPAddress]] = {}
        ip_by_pk = {}
        addresses = IPAddress.objects.select_related("interface").defer(
            *unneeded_fields(IPAddress), *(f"interface__{name}" for name in timestamps)
        )
        for ip in addresses:
            if ip.interface_id in management_by_pk:
                ip_interface.set_cached_value(ip, management_by_pk[ip.interface_id])
            self.ip_by_address[ip.address] = ip
            self.ips_by_interface.setdefault(ip.interface_id, []).append(ip)
            ip_by_pk[ip.pk] = ip
        for device in self.devices_by_pk.values():
            if device.primary_ip_id in ip_by_pk:
                device_ip.set_cached_value(device, ip_by_pk[device.primary_ip_id])
        self.addresses_in_file: dict[str, int] = {}
        self.migration_states: dict[int, str] = {}
        if "tahap_migrasi" in self.present_by_name:
            self.migration_states = dict(Migration.objects.values_list("device_id", "state"))

    def instance_key(self, obj: Device) -> object:
        return (obj.organization_id, normalize_key(obj.name))

    def row_key(self, row: Row) -> object | None:
        name = _key_text(self, row, "nama")
        self.resolve(row, "opd", None)
        organization = row.values.get("opd")
        if organization is None and "opd" not in row.bad:
            self.error(row, "opd", _("This key column cannot be empty."))
        if name is None or organization is None:
            return None
        return (organization.pk, name)

    def new_instance(self, row: Row) -> Device:
        return Device()

    def _managed_address(self, device: Device, interface: Interface | None) -> IPAddress | None:
        """The address the import maintains: the primary one, else the first one on mgmt0."""
        if device.primary_ip_id:
            return device.primary_ip
        if interface is not None:
            found = self.ips_by_interface.get(interface.pk)
            return found[0] if found else None
        return None

    def after_row(self, row: Row) -> None:
        self._starting_state(row)
        self._address(row)

    def _starting_state(self, row: Row) -> None:
        """A server's migration state today: tracking starts there (written after the devices)."""
        state = row.values.get("tahap_migrasi")
        if not state:
            return
        device = row.instance
        if "jenis" in row.bad:
            return  # its kind is wrong: that error is enough
        if device.kind not in SERVER_KINDS:
            self.error(row, "tahap_migrasi", _("Only servers and virtual machines are migrated."))
            return
        current = self.migration_states.get(device.pk) if device.pk else None
        if current == state:
            return
        if current is not None:
            self.error(
                row,
                "tahap_migrasi",
                _(
                    "This server's migration is tracked already, in the state %(current)s; a tracked state "
                    "changes only through its transitions (the migration's page)."
                )
                % {"current": MigrationState(current).label},
            )
            return
        row.extra["start_state"] = state
        row.own_changes.append("tahap_migrasi")
        row.changed = True

    def _address(self, row: Row) -> None:
        address = row.values.get("alamat_ip")
        has_probe = "pantau" in row.values
        if address is None and not has_probe:
            return
        device = row.instance
        interface = self.management.get(device.pk) if device.pk else None
        ip = self._managed_address(device, interface) if device.pk else None
        prefix = None
        if address is not None:
            address, prefix = address
            first = self.addresses_in_file.setdefault(address, row.number)
            if first != row.number:
                self.error(
                    row,
                    "alamat_ip",
                    _("This IP address is already recorded.") + " " + _("Also in row %(row)s.") % {"row": first},
                )
                return
            taken = self.ip_by_address.get(address)
            if taken is not None and taken is not ip:
                owner = taken.interface.device_id if taken.interface_id else None
                if owner is not None and owner != device.pk:
                    other = self.devices_by_pk.get(owner)
                    self.error(
                        row,
                        "alamat_ip",
                        _("This IP address is already recorded.")
                        + " "
                        + _("It belongs to %(device)s.") % {"device": other.name if other else owner},
                    )
                    return
                ip = taken
        elif ip is None:
            if row.values["pantau"]:
                self.error(
                    row,
                    "pantau",
                    _("There is no address to probe: fill in %(column)s.")
                    % {"column": self.header_labels.get("alamat_ip", "alamat_ip")},
                )
            return
        probe = row.values["pantau"] if has_probe else None
        if (
            ip is not None
            and ip.pk is not None
            and ip.interface_id is not None
            and device.primary_ip_id == ip.pk
            and address in (None, ip.address)
            and prefix in (None, ip.prefix_length)
            and probe in (None, ip.probe)
        ):
            return  # the address is as the row says
        if ip is None:
            ip = IPAddress(address=address, prefix_length=32 if prefix is None else prefix)
        stored = (ip.address, ip.prefix_length, ip.probe) if ip.pk else None
        before = changelog.serialize(ip) if ip.pk else None
        if address is not None:
            ip.address = address
        if prefix is not None:
            ip.prefix_length = prefix
        if probe is not None:
            ip.probe = probe
        if ip.interface_id is None:
            if interface is None:
                interface = Interface(name=MANAGEMENT_INTERFACE)
                row.extra["new_interface"] = interface
            ip.interface = interface
        # An address still waiting for its interface changes when that interface is saved.
        ip_changed = before is None or ip.interface_id is None or before != changelog.serialize(ip)
        if ip_changed:
            self.validate_instance(row, ip, column="alamat_ip" if address is not None else "pantau")
        row.extra.update(ip=ip, ip_before=before, ip_changed=ip_changed)
        if stored is None or stored[:2] != (ip.address, ip.prefix_length) or device.primary_ip_id != ip.pk:
            row.own_changes.append("alamat_ip" if address is not None else "pantau")
        if probe is not None and (stored[2] if stored else False) != probe:
            row.own_changes.append("pantau")
        row.changed = True

    def export_queryset(self):
        return Device.objects.select_related(
            "organization", "site", "rack", "primary_ip", "migration", "contract"
        ).order_by("organization__short_name", "name", "pk")

    def after_write(self, rows: list[Row]) -> None:
        interfaces = []
        for row in rows:
            interface = row.extra.get("new_interface")
            if interface is not None:
                interface.device = row.instance
                interfaces.append(interface)
        create_many(Interface, interfaces, validate=False, log=False, batch_size=BATCH_SIZE)
        new_ips, changed_ips = [], []
        for row in rows:
            ip = row.extra.get("ip")
            if ip is None:
                continue
            if ip.interface_id is None and ip.interface is not None:
                ip.interface = ip.interface  # the interface was created just now: take its key
            if ip.pk is None:
                new_ips.append(ip)
            elif row.extra["ip_changed"]:
                changed_ips.append((ip, row.extra["ip_before"], changelog.serialize(ip)))
        create_many(IPAddress, new_ips, validate=False, log=False, batch_size=BATCH_SIZE)
        update_many(IPAddress, changed_ips, log=False, batch_size=BATCH_SIZE)
        self._set_primary_addresses(rows)
        starts = [(r.instance, r.extra["start_state"]) for r in rows if "start_state" in r.extra]
        # Logged by the service as created in this import; their first transitions are made by nobody.
        start_tracking_many(starts, at=timezone.now(), imported=True)
        self.extra_changes += [(i, ChangeAction.CREATE, None, changelog.serialize(i)) for i in interfaces]
        self.extra_changes += [(ip, ChangeAction.CREATE, None, changelog.serialize(ip)) for ip in new_ips]
        self.extra_changes += [(ip, ChangeAction.UPDATE, before, after) for ip, before, after in changed_ips]

    def _set_primary_addresses(self, rows: list[Row]) -> None:
        new_devices, moved = [], []
        for row in rows:
            ip = row.extra.get("ip")
            if ip is None or row.instance.primary_ip_id == ip.pk:
                continue
            row.instance.primary_ip = ip
            (new_devices if row.is_new else moved).append(row.instance)
        # A new device has exactly one address, on its mgmt0: one UPDATE sets them all, where a
        # bulk_update would send a CASE branch per device.
        on_mgmt = IPAddress.objects.filter(
            interface__device=OuterRef("pk"), interface__name=MANAGEMENT_INTERFACE
        ).values("pk")[:1]
        # The base manager writes without logging: the import records these devices once, with their
        # final state (engine.write), where the logged manager would record each step.
        pks = [d.pk for d in new_devices]
        for start in range(0, len(pks), BATCH_SIZE):
            Device._base_manager.filter(pk__in=pks[start : start + BATCH_SIZE]).update(primary_ip=Subquery(on_mgmt))
        if moved:
            now = timezone.now()
            for device in moved:
                device.last_updated = next_stamp(device.last_updated, now)
            Device._base_manager.bulk_update(moved, ["primary_ip", "last_updated"], batch_size=BATCH_SIZE)


# --- contracts --------------------------------------------------------------------------------
class ContractSheet(Sheet):
    kind = "contracts"
    model = Contract
    title = gettext_lazy("Contracts")
    key_help = gettext_lazy(
        "A row updates the contract with the same nomor (any case), or creates one. Import contracts before "
        "the fiber links and devices that name them."
    )
    columns = (
        Column(
            "nomor",
            "number",
            key=True,
            aliases=("nomor_kontrak", "no_kontrak", "nomor_spk", "number"),
            help=gettext_lazy("The contract's number, e.g. 041/SPK/DISKOMINFO/2024. Unique."),
        ),
        Column("nama_paket", "title", aliases=("judul", "paket", "title")),
        Column("tahun_anggaran", "year", aliases=("tahun", "ta", "year"), help=gettext_lazy("Fiscal year, e.g. 2024.")),
        Column("kontraktor", "contractor", aliases=("penyedia", "rekanan", "contractor")),
        Column(
            "nilai_kontrak",
            "value",
            Money(),
            aliases=("nilai", "nilai_kontrak_rp", "value"),
            help=gettext_lazy("The contract's value in Rupiah, e.g. 4.865.000.000; zero or more."),
        ),
        Column("tanggal_kontrak", "signed_date", aliases=("tanggal_spk", "tanggal_tanda_tangan", "signed_date")),
        Column("tanggal_mulai", "start_date", aliases=("mulai", "start_date")),
        Column("tanggal_selesai", "end_date", aliases=("selesai", "tanggal_serah_terima", "end_date")),
        Column("status", "status", choice(ContractStatus)),
        Column(
            "panjang_fo_km",
            "contracted_km",
            aliases=("volume_fo_km", "panjang_kabel_km", "contracted_km"),
            help=gettext_lazy("Fiber route length the contract buys, in km; empty when it buys none."),
        ),
        Column("jumlah_ruas", "contracted_links", aliases=("jumlah_link", "contracted_links")),
        Column("jumlah_lokasi", "contracted_sites", aliases=("jumlah_titik", "contracted_sites")),
        Column("jumlah_perangkat", "contracted_devices", aliases=("contracted_devices",)),
        Column("keterangan", "description", aliases=DESCRIPTION_ALIASES),
    )

    def instance_key(self, obj: Contract) -> object:
        return normalize_key(obj.number)

    def row_key(self, row: Row) -> object | None:
        return _key_text(self, row, "nomor")

    def export_queryset(self):
        return Contract.objects.order_by("year", "number")


# --- fiber links ------------------------------------------------------------------------------
class FiberLinkSheet(Sheet):
    kind = "fiberlinks"
    model = FiberLink
    title = gettext_lazy("Fiber links")
    key_help = gettext_lazy("A row updates the link with the same kode (any case), or creates one with its cores.")
    refs = {"site": SITE, "interface": INTERFACE, "contract": CONTRACT}
    columns = (
        Column("kode", "code", key=True, aliases=("kode_link", "kode_ruas"), help=gettext_lazy("Link code, unique.")),
        Column("nama", "name", aliases=("nama_ruas",)),
        Column("lokasi_a", "site_a", Reference(gettext_lazy("name of a site")), ref="site", aliases=("site_a",)),
        Column("terminasi_a", "termination_a", choice(TerminationKind)),
        Column("label_terminasi_a", "termination_a_label"),
        Column(
            "port_a",
            "interface_a",
            Reference(PORT_HELP),
            ref="interface",
            scope="lokasi_a",
            aliases=("interface_a", "antarmuka_a"),
            help=gettext_lazy("The switch port the link ends on at site A: SNMP reads the link's state there."),
        ),
        Column("lokasi_b", "site_b", Reference(gettext_lazy("name of a site")), ref="site", aliases=("site_b",)),
        Column("terminasi_b", "termination_b", choice(TerminationKind)),
        Column("label_terminasi_b", "termination_b_label"),
        Column(
            "port_b",
            "interface_b",
            Reference(PORT_HELP),
            ref="interface",
            scope="lokasi_b",
            aliases=("interface_b", "antarmuka_b"),
            help=gettext_lazy("The switch port the link ends on at site B."),
        ),
        Column("jenis_kabel", "cable_type", choice(CableType), aliases=("kabel", "tipe_kabel")),
        Column("jumlah_core", "core_count", aliases=("core", "jumlah_inti")),
        Column("pemasangan", "deployment", choice(Deployment), aliases=("jenis_pemasangan", "instalasi")),
        Column("panjang_km", "length_km", aliases=("panjang", "panjang_rute_km")),
        Column("jumlah_sambungan", "splice_count", aliases=("sambungan", "splices")),
        Column("jumlah_konektor", "connector_count", aliases=("konektor", "connectors")),
        Column("status", "status", choice(FiberLinkStatus)),
        Column("tanggal_pasang", "installed_date", aliases=("tanggal_pemasangan", "installed_on")),
        Column("kontraktor", "contractor", aliases=("penyedia", "vendor")),
        Column(
            "paket_pengadaan",
            "contract",
            Reference(CONTRACT_HELP),
            ref="contract",
            aliases=("kontrak", "paket", "nomor_kontrak"),
            help=CONTRACT_COLUMN_HELP,
        ),
        Column("redaman_terukur_db", "measured_loss_db", aliases=("redaman", "redaman_db", "loss_db")),
        Column("panjang_gelombang", "measured_wavelength", choice(Wavelength), aliases=("lambda", "wavelength")),
        Column("tanggal_ukur", "measured_on", aliases=("tanggal_pengukuran",)),
        Column("keterangan", "description", aliases=DESCRIPTION_ALIASES),
    )

    def instance_key(self, obj: FiberLink) -> object:
        return normalize_key(obj.code)

    def row_key(self, row: Row) -> object | None:
        return _key_text(self, row, "kode")

    def export_queryset(self):
        return FiberLink.objects.select_related(
            "site_a", "site_b", "interface_a__device", "interface_b__device", "contract"
        )

    def after_write(self, rows: list[Row]) -> None:
        # New links get their cores, and a changed core count adds or drops spare ones (the service's
        # rule, logged by it); the links themselves are logged with the rest of the import.
        sync_cores([r.instance for r in rows if r.changed])


# --- migrations -------------------------------------------------------------------------------
STATE_READ_ONLY = gettext_lazy(
    "the state changes only through the migration's transitions (its page, the API or the migration service)."
)
ACTUAL_READ_ONLY = gettext_lazy("actual dates are stamped by the migration's transitions.")


class MigrationSheet(Sheet):
    kind = "migrations"
    model = Migration
    title = gettext_lazy("Migrations")
    key_help = gettext_lazy(
        "A row updates the migration of the server named by server and opd, or starts tracking that server "
        "in the state tahap (inventoried when empty), recorded as an imported starting point. A tracked "
        "server's state (tahap) and actual dates are not imported."
    )
    refs = {"organization": ORGANIZATION, "device": DEVICE, "site": SITE, "rack": RACK, "wave": WAVE}
    columns = (
        Column(
            "server",
            "device",
            Reference(gettext_lazy("name of a server or VM of the row's OPD")),
            ref="device",
            scope="opd",
            key=True,
            aliases=("nama_server", "perangkat"),
            help=gettext_lazy("The server (a device of kind server or virtual machine)."),
        ),
        Column(
            "opd",
            converter=Reference(OPD_HELP),
            ref="organization",
            key=True,
            aliases=("organization", "pemilik"),
            help=gettext_lazy("The server's OPD."),
            get=lambda m: m.device.organization,
        ),
        Column("tahap", "state", choice(MigrationState), read_only=STATE_READ_ONLY, aliases=("state", "status")),
        Column("kesiapan", "readiness", choice(Readiness)),
        Column("disposisi", "disposition", choice(Disposition)),
        Column("gelombang", "wave", Reference(gettext_lazy("name of a migration wave")), ref="wave"),
        Column(
            "lokasi_tujuan",
            converter=Reference(gettext_lazy("name of a site")),
            ref="site",
            aliases=("target_site",),
            help=gettext_lazy("Site of the target rack (the data center); narrows rak_tujuan."),
            get=lambda m: m.target_rack.site if m.target_rack_id else None,
        ),
        Column(
            "rak_tujuan",
            "target_rack",
            Reference(gettext_lazy("name of a rack")),
            ref="rack",
            scope="lokasi_tujuan",
        ),
        Column(
            "host_tujuan",
            "target_host",
            Reference(gettext_lazy("name of a device")),
            ref="device",
            scope="opd_host_tujuan",
            help=gettext_lazy("Host or cluster node for a server rehosted as a VM."),
        ),
        Column(
            "opd_host_tujuan",
            converter=Reference(OPD_HELP),
            ref="organization",
            aliases=("target_host_organization",),
            help=gettext_lazy("OPD of host_tujuan, when its name is not unique."),
            get=lambda m: m.target_host.organization if m.target_host_id else None,
        ),
        Column("alamat_tujuan", "target_address", aliases=("ip_tujuan",)),
        Column("vlan_tujuan", "target_vlan"),
        Column("backup_terverifikasi", "backup_verified_on", aliases=("tanggal_backup",)),
        Column("persetujuan_pemilik", "owner_signed_off_on", aliases=("tanggal_persetujuan",)),
        Column("alasan_dipertahankan", "retain_justification"),
        Column("rencana_mulai", "planned_start"),
        Column("realisasi_mulai", "actual_start", read_only=ACTUAL_READ_ONLY),
        Column("rencana_cutover", "planned_cutover"),
        Column("realisasi_cutover", "actual_cutover", read_only=ACTUAL_READ_ONLY),
        Column("rencana_penerimaan", "planned_acceptance"),
        Column("realisasi_penerimaan", "actual_acceptance", read_only=ACTUAL_READ_ONLY),
        Column("rencana_penghapusan", "planned_decommission"),
        Column("realisasi_penghapusan", "actual_decommission", read_only=ACTUAL_READ_ONLY),
        Column("catatan", "notes", aliases=("keterangan", "description")),
    )

    def instance_key(self, obj: Migration) -> object:
        return obj.device_id

    def row_key(self, row: Row) -> object | None:
        self.resolve(row, "server", None)
        device = row.values.get("server")
        if device is None and "server" not in row.bad:
            self.error(row, "server", _("This key column cannot be empty."))
        return device.pk if device is not None else None

    def export_queryset(self):
        return Migration.objects.select_related(
            "device__organization", "wave", "target_rack__site", "target_host__organization"
        ).order_by("device__organization__short_name", "device__name")

    def check_read_only(self, row: Row) -> None:
        # A new row's tahap is where tracking starts (an imported starting point), not a change.
        state = row.values.pop("tahap", None) if row.is_new else None
        super().check_read_only(row)
        if state:
            row.values["tahap"] = row.extra["start_state"] = state

    def write(self, rows: list[Row]) -> None:
        # A migration starts through the service, which records its first transition and logs its
        # creation (in the import's change context).
        self.write_created_refs(rows)
        changelog.record_bulk(self.extra_changes)  # the target sites and racks the file named
        now = timezone.now()
        fields = [bc.column.field for bc in self.present if bc.column.field and not bc.column.read_only]
        new = [row for row in rows if row.is_new]
        # In a fixed number of queries: those starting in the first state, then the imported starting points.
        for imported in (False, True):
            group = [row for row in new if bool(row.extra.get("start_state")) is imported]
            starts = [
                (
                    row.instance.device,
                    row.extra.get("start_state") or MigrationState.INVENTORIED,
                    {f: getattr(row.instance, f) for f in fields if f != "device"},
                )
                for row in group
            ]
            for row, migration in zip(group, start_tracking_many(starts, at=now, imported=imported), strict=True):
                row.instance = migration
        updated = [r for r in rows if r.changed and not r.is_new]
        # Nothing is written after the updates: the write path logs them itself.
        update_many(
            Migration, [(r.instance, r.before, changelog.serialize(r.instance)) for r in updated], batch_size=BATCH_SIZE
        )


SHEETS: dict[str, type[Sheet]] = {
    sheet.kind: sheet
    for sheet in (OrganizationSheet, SiteSheet, ContractSheet, DeviceSheet, FiberLinkSheet, MigrationSheet)
}
