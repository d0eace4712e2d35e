"""What is probed and how: checks, the SNMP credentials they use, and maintenance windows."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import (
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SECRET_MAX_LENGTH,
    EncryptedTextField,
    LimitedTextField,
)

from ..choices import AuthProtocol, CheckKind, PrivProtocol, SnmpVersion

SECRET_FIELDS = ("community", "auth_key", "priv_key")
URL_MAX_LENGTH = 2000


def _url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # "http://[::1" and the like: the URL validator says what is wrong
        return ""


# RFC 3414: a v3 password is at least 8 characters (net-snmp refuses shorter ones).
V3_KEY_MIN_LENGTH = 8


class SnmpCredential(ChangeLoggedModel):
    """How to ask a device's SNMP agent: a v2c community or a v3 user with authPriv keys. The secrets
    are encrypted at rest and never shown again, not even to the engineers who set them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    version = models.CharField(_("SNMP version"), max_length=2, choices=SnmpVersion.choices, default=SnmpVersion.V2C)
    community = EncryptedTextField(_("community"), max_length=SECRET_MAX_LENGTH, blank=True)
    username = models.CharField(_("v3 user name"), max_length=64, blank=True)
    auth_protocol = models.CharField(
        _("v3 authentication"), max_length=10, choices=AuthProtocol.choices, default=AuthProtocol.SHA256
    )
    auth_key = EncryptedTextField(_("v3 authentication key"), max_length=SECRET_MAX_LENGTH, blank=True)
    priv_protocol = models.CharField(
        _("v3 privacy"), max_length=10, choices=PrivProtocol.choices, default=PrivProtocol.AES
    )
    priv_key = EncryptedTextField(_("v3 privacy key"), max_length=SECRET_MAX_LENGTH, blank=True)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    changelog_redact = SECRET_FIELDS
    display_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SNMP credential")
        verbose_name_plural = _("SNMP credentials")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.version == SnmpVersion.V2C and not self.community:
            errors["community"] = _("A v2c credential needs a community.")
        if self.version == SnmpVersion.V3:
            if not self.username:
                errors["username"] = _("A v3 credential needs a user name.")
            for field in ("auth_key", "priv_key"):
                if len(getattr(self, field) or "") < V3_KEY_MIN_LENGTH:
                    errors[field] = _("A v3 key is at least %(n)s characters long.") % {"n": V3_KEY_MIN_LENGTH}
        if errors:
            raise ValidationError(errors)


class Check(ChangeLoggedModel):
    """One thing probed on a schedule: an address by ICMP, or a device's agent by SNMP."""

    # A 4-byte key: raw results refer to it tens of millions of times a day (docs/probes.md, "Data").
    id = models.AutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CheckKind.choices, default=CheckKind.ICMP)
    device = models.ForeignKey(
        "inventory.Device",
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checks",
    )
    ip_address = models.ForeignKey(
        "inventory.IPAddress",
        verbose_name=_("IP address"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        help_text=_("The registry's address this check follows; its address is copied below."),
    )
    address = models.CharField(
        _("target"),
        max_length=255,
        help_text=_(
            "The IP address (or host name) probed. For SNMP, the agent's address. For HTTP(S), the URL's host."
        ),
    )
    # HTTP(S) checks: a website or an application's URL (engines/http.py, services/websites.py).
    url = models.CharField(
        _("URL"),
        max_length=URL_MAX_LENGTH,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("HTTP(S) checks: the page fetched (http:// or https://)."),
    )
    application = models.ForeignKey(
        "inventory.Application",
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        help_text=_("The application whose URL this check follows."),
    )
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("OPD website"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="website_checks",
        help_text=_("The OPD whose website this check follows."),
    )
    expect_text = models.CharField(
        _("expected text"),
        max_length=200,
        blank=True,
        help_text=_("HTTP(S): a text the page must contain (empty: any page counts)."),
    )
    stale_days = models.PositiveSmallIntegerField(
        _("not updated after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("HTTP(S): warn when the site has not been updated for this many days (empty: the default)."),
    )
    port = models.PositiveIntegerField(
        _("SNMP port"), default=161, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    credential = models.ForeignKey(
        SnmpCredential,
        verbose_name=_("SNMP credential"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
    )
    interval = models.PositiveIntegerField(
        _("interval (s)"),
        default=60,
        validators=[MinValueValidator(30), MaxValueValidator(86400)],
        help_text=_("Seconds between two probes."),
    )
    timeout = models.FloatField(
        _("timeout (s)"),
        default=1.0,
        validators=[MinValueValidator(0.1), MaxValueValidator(30)],
        help_text=_("Seconds to wait for each reply."),
    )
    packets = models.PositiveSmallIntegerField(
        _("packets per probe"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("ICMP echo requests per probe; one reply is enough to count as up."),
    )
    retries = models.PositiveSmallIntegerField(
        _("retries"),
        default=1,
        validators=[MaxValueValidator(5)],
        help_text=_("SNMP: requests sent again after a timeout before the probe fails."),
    )
    down_after = models.PositiveSmallIntegerField(
        _("down after"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Failed probes in a row before the state goes down."),
    )
    up_after = models.PositiveSmallIntegerField(
        _("up after"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Successful probes in a row before the state goes up."),
    )
    flap_low = models.FloatField(
        _("flap low threshold (%)"),
        default=5.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Flapping stops when the state changes less than this (percent, Nagios's method)."),
    )
    flap_high = models.FloatField(
        _("flap high threshold (%)"),
        default=20.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Flapping starts when the state changes this much or more (percent)."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    auto_created = models.BooleanField(
        _("from the probe mark"),
        default=False,
        editable=False,
        help_text=_("Made because the IP address is marked for probing; it follows the mark."),
    )
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    display_fields = ("kind", "address")

    class Meta:
        ordering = ["address", "kind", "id"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        constraints = [
            models.UniqueConstraint(
                fields=["ip_address"],
                condition=models.Q(kind="icmp"),
                name="check_one_icmp_per_address",
                violation_error_message=_("This IP address already has an ICMP check."),
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=models.Q(kind="snmp"),
                name="check_one_snmp_per_device",
                violation_error_message=_("This device already has an SNMP check."),
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(kind="http", auto_created=True),
                name="check_one_auto_http_per_application",
                violation_error_message=_("This application already has an automatic website check."),
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(kind="http", auto_created=True),
                name="check_one_auto_http_per_organization",
                violation_error_message=_("This OPD already has an automatic website check."),
            ),
            models.CheckConstraint(
                condition=models.Q(flap_low__lte=models.F("flap_high")),
                name="check_flap_thresholds_ordered",
                violation_error_message=_("The flap low threshold cannot be above the high threshold."),
            ),
        ]
        indexes = [models.Index(fields=["device", "kind"], name="check_device_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address}"

    def clean_fields(self, exclude=None) -> None:
        # An HTTP(S) check's target is its URL's host: filled before the fields are checked, so a
        # check made from a URL alone is not refused for an empty target.
        if self.kind == CheckKind.HTTP and self.url and not self.address:
            self.address = _url_host(self.url)[:255]
        super().clean_fields(exclude)

    def clean(self) -> None:
        errors = {}
        if self.kind == CheckKind.SNMP:
            if not self.credential_id:
                errors["credential"] = _("An SNMP check needs a credential.")
            if not self.device_id:
                errors["device"] = _("An SNMP check belongs to a device.")
        if self.kind == CheckKind.HTTP:
            if not self.url:
                errors["url"] = _("An HTTP(S) check needs a URL.")
            else:
                host = _url_host(self.url)
                if host:
                    self.address = host[:255]
        if self.ip_address_id and self.ip_address and not self.address:
            self.address = self.ip_address.address
        if self.auto_created and self.ip_address_id and self.ip_address and self.enabled != self.ip_address.probe:
            # The address's probe mark is the one switch of its automatic check (services.checks).
            errors["enabled"] = _(
                "This check follows the probe mark of %(address)s: change the mark on the IP address instead."
            ) % {"address": self.ip_address.address}
        if errors:
            raise ValidationError(errors)


class MaintenanceWindow(ChangeLoggedModel):
    """Planned work on a device, a site or an OPD: its alerts are held and its time is left out of
    availability (shown apart)."""

    device = models.ForeignKey(
        "inventory.Device",
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
    )
    site = models.ForeignKey(
        "inventory.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
    )
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    reason = LimitedTextField(_("reason"), max_length=REASON_MAX_LENGTH)

    constraint_fields = {"maintenance_one_target": "device", "maintenance_ends_after_start": "end"}
    # __str__ reads the device, site or OPD too: nothing is left out of a brief list (display_fields).

    class Meta:
        ordering = ["-start", "id"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(device__isnull=False, site__isnull=True, organization__isnull=True)
                    | models.Q(device__isnull=True, site__isnull=False, organization__isnull=True)
                    | models.Q(device__isnull=True, site__isnull=True, organization__isnull=False)
                ),
                name="maintenance_one_target",
                violation_error_message=_("Choose exactly one of a device, a site or an organization."),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="maintenance_ends_after_start",
                violation_error_message=_("The window must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["start", "end"], name="maintenance_period")]

    def __str__(self) -> str:
        target = self.device or self.site or self.organization
        # In the city's time, however the start was given (an API client may send another offset).
        return f"{target}: {timezone.localtime(self.start):%Y-%m-%d %H:%M}"
