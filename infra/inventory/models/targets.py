from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel


class YearTarget(ChangeLoggedModel):
    """What the city means to have reached by the end of a year: servers moved into the data center,
    applications integrated, sites connected, fiber in service.

    Every target is cumulative, the figure reached by 31 December of the year (not that year's
    additions): a plan of ten applications a year is 10, 20, 30... Each is compared with the indicator
    of the same name (inventory.indicators) on 31 December. Only the servers' target is required (it
    came first); a year may leave the others empty.
    """

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    servers_moved = models.PositiveIntegerField(
        _("servers moved by year end"), help_text=_("Cumulative: all servers cut over by 31 December of this year.")
    )
    applications_integrated = models.PositiveIntegerField(
        _("applications integrated by year end"),
        null=True,
        blank=True,
        help_text=_("Cumulative: all applications integrated through the API gateway or service bus by 31 December."),
    )
    sites_connected = models.PositiveIntegerField(
        _("sites connected by year end"),
        null=True,
        blank=True,
        help_text=_("Cumulative: all sites with an active fiber path to the data center by 31 December."),
    )
    fiber_km = models.DecimalField(
        _("active fiber by year end (km)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Cumulative: kilometres of active fiber by 31 December."),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("For example the RPJMD or Renstra reference.")
    )
    display_fields = ("year", "servers_moved")

    class Meta:
        ordering = ["year"]
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                name="yeartarget_unique_year",
                violation_error_message=_("There is already a target for this year."),
            ),
            models.CheckConstraint(
                condition=models.Q(fiber_km__isnull=True) | models.Q(fiber_km__gte=0),
                name="yeartarget_fiber_km_not_negative",
                violation_error_message=_("The fiber target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.servers_moved}"
