from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField

from ..choices import ContractStatus


class Contract(ChangeLoggedModel):
    """A procurement package (paket pengadaan, kontrak): what the city bought, from whom, for how much.

    The quantities it buys are what auditors hold the registry against (``inventory.reconciliation``):
    the fiber links and devices laid or delivered under it point at it."""

    number = models.CharField(
        _("contract number"),
        max_length=200,
        help_text=_("The number on the contract or SPK, e.g. 041/SPK/DISKOMINFO/2024."),
    )
    title = models.CharField(_("title"), max_length=300, blank=True, help_text=_("The package name (nama paket)."))
    year = models.PositiveSmallIntegerField(
        _("fiscal year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The budget year (tahun anggaran) the contract is paid from."),
    )
    contractor = models.CharField(_("contractor"), max_length=150, blank=True)
    value = models.DecimalField(
        _("contract value (Rp)"),
        max_digits=17,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The contract's value in Rupiah (nilai kontrak)."),
    )
    signed_date = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("work starts"), null=True, blank=True)
    end_date = models.DateField(
        _("completion date"), null=True, blank=True, help_text=_("When the work is due to be handed over.")
    )
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    contracted_km = models.DecimalField(
        _("contracted fiber (km)"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The route length of fiber the contract buys; empty when it buys none."),
    )
    contracted_links = models.PositiveIntegerField(_("contracted fiber links"), null=True, blank=True)
    contracted_sites = models.PositiveIntegerField(_("contracted sites"), null=True, blank=True)
    contracted_devices = models.PositiveIntegerField(_("contracted devices"), null=True, blank=True)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    display_fields = ("number",)

    class Meta:
        ordering = ["-year", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                name="contract_unique_number",
                violation_error_message=_("A contract with this number already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0) | models.Q(value__isnull=True),
                name="contract_value_not_negative",
                violation_error_message=_("The contract value cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(contracted_km__gte=0) | models.Q(contracted_km__isnull=True),
                name="contract_km_not_negative",
                violation_error_message=_("The contracted fiber length cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["year"])]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The completion date cannot be before the work starts.")
        if self.signed_date and self.start_date and self.start_date < self.signed_date:
            errors["start_date"] = _("The work cannot start before the contract is signed.")
        if errors:
            raise ValidationError(errors)
