import datetime
import ipaddress

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField, MACAddressField

from ..choices import DeviceKind, DeviceStatus, FundingSource, InterfaceKind, IPAddressStatus


class Device(ChangeLoggedModel):
    """A piece of equipment or a virtual machine that an OPD owns: what gets migrated and probed."""

    name = models.CharField(_("name"), max_length=100)
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="devices",
    )
    site = models.ForeignKey("inventory.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="devices")
    rack = models.ForeignKey(
        "inventory.Rack",
        verbose_name=_("rack"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
    )
    position = models.PositiveSmallIntegerField(
        _("position (U)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE)
    host = models.ForeignKey(
        "self",
        verbose_name=_("host"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guests",
        help_text=_("For a virtual machine: the server or cluster node it runs on."),
    )
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    asset_number = models.CharField(
        _("BMD asset number"),
        max_length=50,
        blank=True,
        help_text=_("The number in the region's asset register (Barang Milik Daerah)."),
    )
    os = models.CharField(_("operating system"), max_length=100, blank=True)
    purchase_year = models.PositiveSmallIntegerField(
        _("purchase year"), null=True, blank=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    purchase_date = models.DateField(
        _("purchase date"),
        null=True,
        blank=True,
        help_text=_("The acquisition date in the asset register (tanggal perolehan)."),
    )
    acquisition_value = models.DecimalField(
        _("acquisition value (Rp)"),
        max_digits=17,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The value in the asset register (nilai perolehan), in Rupiah."),
    )
    funding_source = models.CharField(_("funding source"), max_length=10, choices=FundingSource.choices, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    contract = models.ForeignKey(
        "inventory.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        help_text=_("The procurement package (paket pengadaan) the device was bought under."),
    )
    primary_ip = models.OneToOneField(
        "inventory.IPAddress",
        verbose_name=_("primary address"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_for",
    )
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    constraint_fields = {"device_position_needs_rack": "position"}
    display_fields = ("name",)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="device_unique_name_in_organization",
                violation_error_message=_("This organization already has a device with this name."),
            ),
            models.UniqueConstraint(
                fields=["asset_number"],
                condition=~models.Q(asset_number=""),
                name="device_unique_asset_number",
                violation_error_message=_("Another device already has this BMD asset number."),
            ),
            models.CheckConstraint(
                condition=models.Q(position__isnull=True) | models.Q(rack__isnull=False),
                name="device_position_needs_rack",
                violation_error_message=_("A rack position needs a rack."),
            ),
        ]
        indexes = [
            models.Index(fields=["site", "kind"]),
            models.Index(fields=["status"]),
            # The device list's order: its first page is read from this index, not sorted from all rows.
            models.Index(fields=["name", "id"], name="device_name_order"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_server(self) -> bool:
        return self.kind in (DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE)

    def clean(self) -> None:
        errors = {}
        if self.rack_id and self.site_id and self.rack.site_id != self.site_id:
            errors["rack"] = _("The rack %(rack)s is not at the site %(site)s.") % {
                "rack": self.rack,
                "site": self.site,
            }
        if self.rack and self.position and self.position > self.rack.u_height:
            errors["position"] = _("Position %(pos)s is above the top of a %(height)sU rack.") % {
                "pos": self.position,
                "height": self.rack.u_height,
            }
        if self.host_id and self.kind != DeviceKind.VIRTUAL_MACHINE:
            errors["host"] = _("Only a virtual machine has a host.")
        if self.host_id and self.pk and self.host_id == self.pk:
            errors["host"] = _("A device cannot host itself.")
        if self.primary_ip_id and self.pk:
            interface = self.primary_ip.interface
            if interface is None or interface.device_id != self.pk:
                errors["primary_ip"] = _("The primary address must be on one of this device's interfaces.")
        errors.update(self._asset_errors())
        if errors:
            raise ValidationError(errors)

    def _asset_errors(self) -> dict[str, str]:
        """The asset register's dates must agree: purchased by today, in its purchase year, before
        its warranty ended. (A value below zero is the field's own validator.)"""
        errors = {}
        bought = self.purchase_date
        if bought is None:
            return errors
        # The cheap bound first: a date more than two days before the system clock's is past in every time zone.
        if bought >= datetime.date.today() - datetime.timedelta(days=2) and bought > timezone.localdate():
            errors["purchase_date"] = _("The purchase date cannot be in the future.")
        elif self.purchase_year is not None and self.purchase_year != bought.year:
            errors["purchase_year"] = _(
                "The purchase year %(year)s is not the year of the purchase date (%(date)s)."
            ) % {"year": self.purchase_year, "date": date_format(bought, "j F Y")}
        if self.warranty_end is not None and self.warranty_end < bought:
            errors["warranty_end"] = _("The warranty cannot end before the purchase date (%(date)s).") % {
                "date": date_format(bought, "j F Y")
            }
        return errors


class Interface(ChangeLoggedModel):
    """A network port of a device; the ifIndex lets SNMP report its link state."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="interfaces")
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("type"), max_length=20, choices=InterfaceKind.choices, default=InterfaceKind.COPPER_1G)
    speed_mbps = models.PositiveIntegerField(_("speed (Mbit/s)"), null=True, blank=True)
    if_index = models.PositiveIntegerField(_("SNMP ifIndex"), null=True, blank=True)
    mac_address = MACAddressField(_("MAC address"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    changelog_parent = "device"
    display_fields = ("name",)

    class Meta:
        ordering = ["device", "name"]
        verbose_name = _("interface")
        verbose_name_plural = _("interfaces")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "name"],
                name="interface_unique_name_in_device",
                violation_error_message=_("This device already has an interface with this name."),
            ),
            models.UniqueConstraint(
                fields=["device", "if_index"],
                name="interface_unique_ifindex_in_device",
                violation_error_message=_("This device already has an interface with this ifIndex."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IPAddress(ChangeLoggedModel):
    """An address on an interface; the ones marked for probing are checked for reachability."""

    address = models.GenericIPAddressField(_("address"), unpack_ipv4=True)
    prefix_length = models.PositiveSmallIntegerField(
        _("prefix length"), default=32, validators=[MinValueValidator(0), MaxValueValidator(128)]
    )
    interface = models.ForeignKey(
        Interface,
        verbose_name=_("interface"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ip_addresses",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=IPAddressStatus.choices, default=IPAddressStatus.ACTIVE
    )
    dns_name = models.CharField(_("DNS name"), max_length=255, blank=True)
    probe = models.BooleanField(
        _("probe"),
        default=False,
        help_text=_("Check this address for reachability. Off by default: switch it on per address."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    changelog_parent = "interface"
    display_fields = ("address", "prefix_length")

    class Meta:
        ordering = ["address"]
        verbose_name = _("IP address")
        verbose_name_plural = _("IP addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["address"],
                name="ipaddress_unique_address",
                violation_error_message=_("This IP address is already recorded."),
            ),
            models.CheckConstraint(
                condition=models.Q(prefix_length__lte=128),
                name="ipaddress_prefix_length_range",
                violation_error_message=_("The prefix length is out of range."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}/{self.prefix_length}"

    def clean(self) -> None:
        if not self.address:
            return
        try:
            ip = ipaddress.ip_address(self.address)
        except ValueError:
            return  # the field's own validator reports it
        if self.prefix_length is not None and self.prefix_length > ip.max_prefixlen:
            raise ValidationError(
                {
                    "prefix_length": _("An IPv%(v)s prefix is at most /%(max)s.")
                    % {"v": ip.version, "max": ip.max_prefixlen}
                }
            )

    @staticmethod
    def parse(text: str) -> tuple[str, int]:
        """Split "192.0.2.1/24" (or a bare address) into a normalized address and a prefix length."""
        iface = ipaddress.ip_interface(text.strip())
        return str(iface.ip), iface.network.prefixlen
