from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel


class YearTarget(ChangeLoggedModel):
    """How many servers the city means to have moved into the data center by the end of a year."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    servers_moved = models.PositiveIntegerField(
        _("servers moved by year end"), help_text=_("Cumulative: all servers cut over by 31 December of this year.")
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
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.servers_moved}"
