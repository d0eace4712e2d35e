"""Checks as a spreadsheet: the probes' sheet in the inventory's import, export and templates.

The inventory cannot import the probes (the apps are layered), so this sheet is declared here and
added to the inventory's registry from ``ProbesConfig.ready()``. A row names a check by its kind
and target; credentials are named, never written out: a secret is not a column, in either direction.
"""

import ipaddress
import re

from django.db.models import F
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infra.inventory.models import Device, IPAddress
from infra.inventory.spreadsheets import Sheet
from infra.inventory.spreadsheets.cells import Boolean, CellError, Choice, Converter, Number, Reference, normalize_key
from infra.inventory.spreadsheets.engine import AMBIGUOUS, Column, RefKind, Row
from infra.inventory.spreadsheets.sheets import DESCRIPTION_ALIASES, OPD_HELP, ORGANIZATION

from .choices import CheckKind
from .models import Check, SnmpCredential
from .models.checks import SECRET_FIELDS

# Only digits and dots: meant as an IPv4 address, never a host name (a typo such as 10.1.1.300).
_DOTTED_DIGITS = re.compile(r"^[\d.]+$")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$", re.I
)


def target_key(text: str) -> str:
    """How two targets are compared: an address in its one canonical form, a host name in any case."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return normalize_key(text)
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:10.1.2.3 is 10.1.2.3, as the registry stores it
    return str(mapped or ip)


class TargetCell(Converter):
    """An IP address (written back in its canonical form) or a host name."""

    def parse(self, raw: object) -> str:
        text = str(raw).strip()
        try:
            ipaddress.ip_address(text)
        except ValueError:
            if _DOTTED_DIGITS.match(text) or not _HOST_NAME.match(text):
                raise CellError(_("Enter an IP address (10.1.2.3, 2001:db8::1) or a host name.")) from None
            return text
        return target_key(text)

    def allowed(self) -> str:
        return _("an IPv4 or IPv6 address, or a host name")


class Enabled(Boolean):
    """ya/tidak; an empty cell is "not given" (a new check is enabled, a stored one keeps its state)."""

    def allowed(self) -> str:
        return _("ya or tidak (yes/no); empty: ya for a new check, unchanged for a stored one")


CREDENTIAL = RefKind(
    noun=SnmpCredential._meta.verbose_name,
    # Referred to by name only: the secrets are never read (nor decrypted) by an import or export.
    queryset=lambda: SnmpCredential.objects.defer(*SECRET_FIELDS),
    keys=lambda c: (c.name,),
    label=lambda c: c.name,
)
DEVICE = RefKind(
    noun=Device._meta.verbose_name,
    # With its OPD: a stored check's OPD cell is read from its device without a query per row.
    queryset=lambda: Device.objects.select_related("organization").only(
        "name", "organization__name", "organization__short_name"
    ),
    keys=lambda d: (d.name,),
    label=lambda d: d.name,
    scope=lambda d: d.organization_id,
)


class CheckSheet(Sheet):
    kind = "checks"
    model = Check
    title = capfirst(Check._meta.verbose_name_plural)
    list_url = "probes:check_list"
    key_help = gettext_lazy(
        "A row updates the check with the same jenis and target (an address in any notation, a host name in any "
        "case), or creates one. An ICMP check of an address recorded in the registry is linked to that address "
        "and to the device it is on, like the checks made by the probe mark."
    )
    refs = {"organization": ORGANIZATION, "device": DEVICE, "credential": CREDENTIAL}
    columns = (
        Column(
            "jenis",
            "kind",
            # Website checks are not listed here: they follow the URLs of applications and OPD websites
            # (services/websites.py), which their own sheets carry.
            Choice([c for c in CheckKind.choices if c[0] != CheckKind.HTTP], {CheckKind.ICMP: ("ping",)}),
            key=True,
            aliases=("type", "tipe"),
            help=gettext_lazy("What is probed: icmp (ping an address) or snmp (ask a device's agent)."),
        ),
        Column(
            "target",
            "address",
            TargetCell(),
            key=True,
            aliases=("address", "alamat", "alamat_ip", "sasaran"),
            help=gettext_lazy("The address (or host name) probed; for SNMP, the agent's address."),
        ),
        Column(
            "opd",
            converter=Reference(OPD_HELP),
            ref="organization",
            aliases=("organization", "pemilik"),
            help=gettext_lazy("The device's OPD; narrows perangkat."),
            get=lambda c: c.device.organization if c.device_id else None,
        ),
        Column(
            "perangkat",
            "device",
            Reference(gettext_lazy("name of a device (of the row's OPD)")),
            ref="device",
            scope="opd",
            aliases=("device", "nama_perangkat"),
            help=gettext_lazy("The device checked: required for SNMP, optional for ICMP."),
        ),
        Column(
            "kredensial",
            "credential",
            Reference(gettext_lazy("name of an SNMP credential")),
            ref="credential",
            aliases=("credential", "snmp_credential", "kredensial_snmp"),
            help=gettext_lazy(
                "The SNMP credential, by its name: required for SNMP. Secrets are set in the application, "
                "never in a file."
            ),
        ),
        Column("port", "port", aliases=("snmp_port", "port_snmp")),
        Column("interval_detik", "interval", aliases=("interval", "selang_detik")),
        Column("timeout_detik", "timeout", Number(), aliases=("timeout", "batas_waktu_detik")),
        Column("paket", "packets", aliases=("packets", "jumlah_paket")),
        Column("ulang", "retries", aliases=("retries", "percobaan_ulang")),
        Column("turun_setelah", "down_after", aliases=("down_after",)),
        Column("naik_setelah", "up_after", aliases=("up_after",)),
        Column("flap_rendah", "flap_low", Number(), aliases=("flap_low", "ambang_flap_rendah")),
        Column("flap_tinggi", "flap_high", Number(), aliases=("flap_high", "ambang_flap_tinggi")),
        Column("aktif", "enabled", Enabled(), aliases=("enabled",)),
        Column("keterangan", "description", aliases=DESCRIPTION_ALIASES),
    )

    def preload(self) -> None:
        super().preload()
        # Registry addresses by their canonical form, each with the device of its interface.
        addresses = list(IPAddress.objects.only("address").annotate(device_pk=F("interface__device")))
        self.ip_by_target: dict[str, IPAddress] = {target_key(ip.address): ip for ip in addresses}
        # A stored check's address object is at hand too: its clean() reads it, and must not query.
        by_pk = {ip.pk: ip for ip in addresses}
        ip_field = Check._meta.get_field("ip_address")
        for check in self.loaded:
            if check.ip_address_id in by_pk:
                ip_field.set_cached_value(check, by_pk[check.ip_address_id])

    def instance_key(self, obj: Check) -> object:
        return (obj.kind, target_key(obj.address))

    def row_key(self, row: Row) -> object | None:
        if {"jenis", "target"} & row.bad:
            return None
        kind, target = row.values.get("jenis"), row.values.get("target")
        for name, value in (("jenis", kind), ("target", target)):
            if not value:
                self.error(row, name, _("This key column cannot be empty."))
        if not kind or not target:
            return None
        key = (kind, target_key(target))
        if self.existing.get(key) is AMBIGUOUS:
            self.error(
                row,
                "target",
                _("Several stored checks of this kind have this target: edit them in the application."),
            )
            return None
        return key

    def key_error_column(self) -> str:
        return "target"

    def find_existing(self, row: Row, key: object) -> Check | None:
        check = self.existing.get(key)
        if check is not None:
            row.values["target"] = check.address  # the same target: its stored spelling stays
        return check

    def resolve_refs(self, row: Row, instance: Check | None) -> None:
        super().resolve_refs(row, instance)
        ip = None
        if row.values.get("jenis") == CheckKind.ICMP and row.values.get("target"):
            ip = self.ip_by_target.get(target_key(row.values["target"]))
        row.extra["ip"] = ip
        device = row.values.get("perangkat")
        if ip is not None and ip.device_pk is not None and device is not None and device.pk != ip.device_pk:
            owner = self.lookups["device"].by_pk.get(ip.device_pk)
            self.error(
                row,
                "perangkat",
                _("The address %(address)s is recorded on the device %(device)s.")
                % {"address": ip.address, "device": owner.name if owner else ip.device_pk},
            )
        self._check_organization(row, instance)

    def _check_organization(self, row: Row, instance: Check | None) -> None:
        """The OPD column only narrows the device: on its own, or naming another OPD, it is a mistake."""
        organization = row.values.get("opd")
        if organization is None or "perangkat" in row.bad:
            return
        _ip, linked = self._link(row)
        if linked is not None:
            device = linked  # the device of the registry address, which the check follows
        elif "perangkat" in row.values:
            device = row.values["perangkat"]  # found within the OPD, when there is one
        else:
            device = self.column_object(instance, "perangkat") if instance is not None else None
        if device is None:
            self.error(row, "opd", _("An OPD alone is not stored: name the device (perangkat) too."))
        elif device.organization_id != organization.pk:
            self.error(
                row,
                "opd",
                _("The device %(device)s belongs to %(organization)s.")
                % {"device": device.name, "organization": ORGANIZATION.label(device.organization)},
            )

    def _link(self, row: Row) -> tuple[IPAddress | None, Device | None]:
        """The registry address an ICMP row's check follows, and the device that address is on."""
        ip = row.extra.get("ip")
        if ip is None or ip.device_pk is None:
            return ip, None
        return ip, self.lookups["device"].by_pk.get(ip.device_pk)

    def differs(self, row: Row) -> bool:
        ip, device = self._link(row)
        check = row.instance
        if ip is not None and (check.ip_address_id != ip.pk or (device is not None and check.device_id != device.pk)):
            return True
        return super().differs(row)

    def assign(self, row: Row) -> None:
        super().assign(row)
        ip, device = self._link(row)
        if ip is not None:
            row.instance.ip_address = ip
            if device is not None:
                row.instance.device = device

    def field_label(self, field_name: str) -> str:
        if field_name == "ip_address":
            return "target"  # the one ICMP check of an address: the address is the target column
        return super().field_label(field_name)

    def export_queryset(self):
        return Check.objects.select_related("device__organization", "credential").defer(
            *(f"credential__{name}" for name in SECRET_FIELDS)
        )
