from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField

from ..choices import OrganizationKind


class Organization(ChangeLoggedModel):
    """A city agency (OPD): it owns sites, devices and applications and is what progress is reported by."""

    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(
        _("short name"), max_length=50, help_text=_("The name people use, for example Disdukcapil.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    region = models.ForeignKey(
        "inventory.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    website = models.URLField(
        _("website"),
        blank=True,
        help_text=_("The OPD's public website: checked for being up, secure and updated (Situs web OPD)."),
    )
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    display_fields = ("short_name", "name")

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="organization_unique_name",
                violation_error_message=_("An organization with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["short_name"],
                name="organization_unique_short_name",
                violation_error_message=_("An organization with this short name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:  # seen: stop on a loop saved unvalidated
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An organization cannot be its own parent.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Contact(ChangeLoggedModel):
    """A person responsible at an OPD (PIC) whom engineers and auditors can reach."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    changelog_parent = "organization"
    display_fields = ("name",)

    class Meta:
        ordering = ["organization", "-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="contact_unique_name_in_organization",
                violation_error_message=_("This organization already has a contact with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
