from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel

from ..choices import REGION_PARENT_KINDS, RegionKind


class Region(ChangeLoggedModel):
    """An administrative area (kota, kecamatan, kelurahan) that sites and OPDs belong to."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=RegionKind.choices)
    code = models.CharField(
        _("Kemendagri code"),
        max_length=20,
        blank=True,
        help_text=_("The Ministry of Home Affairs area code, for example 18.71 or 18.71.01."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    changelog_parent = "parent"
    display_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_in_parent",
                violation_error_message=_("A region with this name already exists under this parent."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(code=""),
                name="region_unique_code",
                violation_error_message=_("Another region already has this Kemendagri code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The cycle first: placing a region inside itself is the more telling message.
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:  # seen: stop on a loop saved unvalidated
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A region cannot be inside itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        parent_kind = self.parent.kind if self.parent_id else None
        allowed = REGION_PARENT_KINDS.get(self.kind, set())
        if self.kind and parent_kind not in allowed:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s cannot be placed under %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": self.parent or _("nothing")}
                }
            )
