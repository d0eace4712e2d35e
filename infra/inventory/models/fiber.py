from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField

from ..choices import (
    CORE_COUNTS,
    CableType,
    CoreColor,
    CoreState,
    Deployment,
    FiberLinkStatus,
    TerminationKind,
    Wavelength,
)

# Loss budget figures used in practice (DOMAIN.md).
ATTENUATION_DB_PER_KM = {Wavelength.NM_1310: Decimal("0.35"), Wavelength.NM_1550: Decimal("0.25")}
SPLICE_LOSS_DB = Decimal("0.2")
CONNECTOR_LOSS_DB = Decimal("0.5")
FIBERS_PER_TUBE = 12
TIA_598 = list(CoreColor.values)


def core_colors(number: int) -> tuple[int, str, str]:
    """(tube number, tube colour, core colour) of core ``number`` under TIA-598, 12 cores a tube."""
    tube, position = divmod(number - 1, FIBERS_PER_TUBE)
    return tube + 1, TIA_598[tube % len(TIA_598)], TIA_598[position]


class FiberLink(ChangeLoggedModel):
    """A fiber cable between two sites: the intra-government network the data center depends on.

    Its cores are not made by ``save()``: write links through ``infra.inventory.services.fiber``
    (``save_link``, ``create_links``), which keeps each link's cores in step with its core count."""

    code = models.CharField(
        _("code"), max_length=50, help_text=_("The link's identifier in drawings and contracts, e.g. FO-BL-001.")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    site_a = models.ForeignKey(
        "inventory.Site", verbose_name=_("site A"), on_delete=models.PROTECT, related_name="fiber_links_a"
    )
    site_b = models.ForeignKey(
        "inventory.Site", verbose_name=_("site B"), on_delete=models.PROTECT, related_name="fiber_links_b"
    )
    termination_a = models.CharField(
        _("termination A"), max_length=20, choices=TerminationKind.choices, default=TerminationKind.OTB
    )
    termination_a_label = models.CharField(_("termination A label"), max_length=100, blank=True)
    termination_b = models.CharField(
        _("termination B"), max_length=20, choices=TerminationKind.choices, default=TerminationKind.OTB
    )
    termination_b_label = models.CharField(_("termination B label"), max_length=100, blank=True)
    interface_a = models.ForeignKey(
        "inventory.Interface",
        verbose_name=_("interface at A"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fiber_links_a",
        help_text=_("The switch port this link ends on at site A: SNMP reads the link's state there."),
    )
    interface_b = models.ForeignKey(
        "inventory.Interface",
        verbose_name=_("interface at B"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fiber_links_b",
        help_text=_("The switch port this link ends on at site B."),
    )
    cable_type = models.CharField(_("cable type"), max_length=10, choices=CableType.choices, default=CableType.G652D)
    core_count = models.PositiveSmallIntegerField(
        _("core count"), choices=[(n, str(n)) for n in CORE_COUNTS], default=24
    )
    deployment = models.CharField(_("deployment"), max_length=20, choices=Deployment.choices)
    length_km = models.DecimalField(
        _("route length (km)"), max_digits=8, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    splice_count = models.PositiveSmallIntegerField(_("splices"), default=0)
    connector_count = models.PositiveSmallIntegerField(_("connectors"), default=2)
    status = models.CharField(
        _("status"), max_length=20, choices=FiberLinkStatus.choices, default=FiberLinkStatus.PLANNED
    )
    installed_date = models.DateField(_("installed on"), null=True, blank=True)
    contractor = models.CharField(_("contractor"), max_length=150, blank=True)
    contract = models.ForeignKey(
        "inventory.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fiber_links",
        help_text=_("The procurement package (paket pengadaan) the link was laid under."),
    )
    measured_loss_db = models.DecimalField(
        _("measured loss (dB)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    measured_wavelength = models.PositiveSmallIntegerField(
        _("measured at"), choices=Wavelength.choices, default=Wavelength.NM_1310
    )
    measured_on = models.DateField(_("measured on"), null=True, blank=True)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    constraint_fields = {"fiberlink_two_sites": "site_b"}
    display_fields = ("code",)

    class Meta:
        ordering = ["code"]
        verbose_name = _("fiber link")
        verbose_name_plural = _("fiber links")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="fiberlink_unique_code",
                violation_error_message=_("A fiber link with this code already exists."),
            ),
            models.CheckConstraint(
                condition=~models.Q(site_a=models.F("site_b")),
                name="fiberlink_two_sites",
                violation_error_message=_("A fiber link must join two different sites."),
            ),
            models.CheckConstraint(
                condition=models.Q(core_count__in=CORE_COUNTS),
                name="fiberlink_standard_core_count",
                violation_error_message=_("The core count must be a standard cable size."),
            ),
            models.CheckConstraint(
                condition=models.Q(length_km__gte=0),
                name="fiberlink_length_not_negative",
                violation_error_message=_("The route length cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.code

    # --- loss budget -------------------------------------------------------------------------
    def loss_budget_db(self, wavelength: int | None = None) -> Decimal:
        """Expected end-to-end loss: fiber attenuation x length + splices + connectors."""
        per_km = ATTENUATION_DB_PER_KM[wavelength or self.measured_wavelength]
        budget = (
            per_km * (self.length_km or Decimal("0"))
            + SPLICE_LOSS_DB * self.splice_count
            + CONNECTOR_LOSS_DB * self.connector_count
        )
        return budget.quantize(Decimal("0.01"))

    @property
    def loss_budget_db_value(self) -> Decimal:
        """The budget at the measured wavelength (an attribute for serializers and tables)."""
        return self.loss_budget_db()

    @property
    def loss_margin_db(self) -> Decimal | None:
        """Budget minus measured loss: negative means the link loses more than it should."""
        if self.measured_loss_db is None:
            return None
        return self.loss_budget_db() - self.measured_loss_db

    @property
    def loss_within_budget(self) -> bool | None:
        margin = self.loss_margin_db
        return None if margin is None else margin >= 0

    @property
    def loss_excess_db(self) -> Decimal | None:
        """How much the measured loss exceeds the budget (None when within it or unmeasured)."""
        margin = self.loss_margin_db
        return -margin if margin is not None and margin < 0 else None

    # --- validation and cores ----------------------------------------------------------------
    def clean(self) -> None:
        if self.site_a_id and self.site_b_id and self.site_a_id == self.site_b_id:
            raise ValidationError({"site_b": _("A fiber link must join two different sites.")})
        errors = {}
        for end in ("a", "b"):
            interface = getattr(self, f"interface_{end}") if getattr(self, f"interface_{end}_id") else None
            site_id = getattr(self, f"site_{end}_id")
            if interface is not None and site_id and interface.device.site_id != site_id:
                errors[f"interface_{end}"] = _("This interface's device is not at the link's site %(end)s.") % {
                    "end": end.upper()
                }
        if errors:
            raise ValidationError(errors)
        if self.pk and self.core_count:
            busy = list(
                self.cores.filter(number__gt=self.core_count)
                .exclude(state=CoreState.SPARE)
                .values_list("number", flat=True)
            )
            if busy:
                raise busy_cores_error(busy)


class FiberCore(ChangeLoggedModel):
    """One fiber of a cable, with its TIA-598 colour and what it carries."""

    link = models.ForeignKey(FiberLink, verbose_name=_("fiber link"), on_delete=models.CASCADE, related_name="cores")
    number = models.PositiveSmallIntegerField(_("core"))
    tube = models.PositiveSmallIntegerField(_("tube"))
    tube_color = models.CharField(_("tube colour"), max_length=10, choices=CoreColor.choices)
    color = models.CharField(_("colour"), max_length=10, choices=CoreColor.choices)
    state = models.CharField(_("state"), max_length=10, choices=CoreState.choices, default=CoreState.SPARE)
    carries = models.CharField(
        _("carries"), max_length=200, blank=True, help_text=_("The circuit or service on this core.")
    )

    changelog_parent = "link"
    display_fields = ("link", "number")

    class Meta:
        ordering = ["link", "number"]
        verbose_name = _("fiber core")
        verbose_name_plural = _("fiber cores")
        constraints = [
            models.UniqueConstraint(
                fields=["link", "number"],
                name="fibercore_unique_number_in_link",
                violation_error_message=_("This link already has a core with this number."),
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1),
                name="fibercore_number_positive",
                violation_error_message=_("Core numbers start at 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}:{self.number}"


def busy_cores_error(numbers: list[int]) -> ValidationError:
    """The core count cannot drop below a core that is in use, reserved or broken."""
    numbers = sorted(numbers)
    return ValidationError(
        {
            "core_count": ngettext(
                "Core %(cores)s is not spare, so the core count cannot drop below it.",
                "Cores %(cores)s are not spare, so the core count cannot drop below them.",
                len(numbers),
            )
            % {"cores": ", ".join(map(str, numbers))}
        }
    )
