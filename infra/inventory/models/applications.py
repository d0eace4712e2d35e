from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField

from ..choices import ApplicationStatus, Criticality, IntegrationStatus


class Application(ChangeLoggedModel):
    """A public-service system (SIPD, SIMPEG, e-office...) and its SPBE integration status."""

    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    url = models.URLField(_("URL"), blank=True)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.PRODUCTION
    )
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    integration_status = models.CharField(
        _("SPBE integration"), max_length=20, choices=IntegrationStatus.choices, default=IntegrationStatus.NONE
    )
    target_year = models.PositiveSmallIntegerField(
        _("integration target year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    devices = models.ManyToManyField(
        "inventory.Device", verbose_name=_("hosted on"), blank=True, related_name="applications"
    )
    display_fields = ("short_name", "name")

    class Meta:
        ordering = ["name"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="application_unique_name_in_organization",
                violation_error_message=_("This organization already has an application with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name
