from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField

from ..choices import SiteKind, SiteStatus


class Site(ChangeLoggedModel):
    """A place with equipment: the data center, an OPD office, a kecamatan office, a POP."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=SiteStatus.choices, default=SiteStatus.ACTIVE)
    region = models.ForeignKey(
        "inventory.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
    )
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("owning organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    constraint_fields = {"site_coordinates_pair": "latitude"}
    display_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="site_unique_name",
                violation_error_message=_("A site with this name already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_pair",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rack(ChangeLoggedModel):
    """A rack or room inside a site; in the data center, where migrated servers go."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="racks")
    name = models.CharField(_("name"), max_length=100)
    room = models.CharField(_("room"), max_length=100, blank=True)
    u_height = models.PositiveSmallIntegerField(
        _("height (U)"), default=42, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    changelog_parent = "site"
    display_fields = ("name",)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("rack")
        verbose_name_plural = _("racks")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="rack_unique_name_in_site",
                violation_error_message=_("This site already has a rack with this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(u_height__gte=1, u_height__lte=60),
                name="rack_u_height_range",
                violation_error_message=_("Rack height must be between 1 and 60 U."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
