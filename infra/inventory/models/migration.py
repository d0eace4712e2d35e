from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.changes import ImmutableChangeError
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH, REASON_MAX_LENGTH, LimitedTextField

from ..choices import (
    BlockerCategory,
    Disposition,
    MigrationState,
    Readiness,
    WaveStatus,
)


class MigrationWave(ChangeLoggedModel):
    """A named window in which a group of servers moves into the data center."""

    name = models.CharField(_("name"), max_length=100)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    start_date = models.DateField(_("starts"), null=True, blank=True)
    end_date = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=WaveStatus.choices, default=WaveStatus.PLANNED)

    constraint_fields = {"migrationwave_end_after_start": "end_date"}
    display_fields = ("name",)

    class Meta:
        ordering = ["start_date", "name"]
        verbose_name = _("migration wave")
        verbose_name_plural = _("migration waves")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="migrationwave_unique_name",
                violation_error_message=_("A wave with this name already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="migrationwave_end_after_start",
                violation_error_message=_("A wave cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Migration(ChangeLoggedModel):
    """One server's move into the data center: its state, assessment, plan and gates.

    State changes only through inventory.services.migration.transition, which records them.
    """

    device = models.OneToOneField(
        "inventory.Device", verbose_name=_("server"), on_delete=models.CASCADE, related_name="migration"
    )
    state = models.CharField(
        _("state"), max_length=30, choices=MigrationState.choices, default=MigrationState.INVENTORIED, editable=False
    )
    state_changed_at = models.DateTimeField(_("state since"), default=timezone.now, editable=False)
    readiness = models.CharField(_("readiness"), max_length=30, choices=Readiness.choices, default=Readiness.UNKNOWN)
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, default=Disposition.UNDECIDED
    )
    wave = models.ForeignKey(
        MigrationWave,
        verbose_name=_("wave"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="migrations",
    )
    target_rack = models.ForeignKey(
        "inventory.Rack",
        verbose_name=_("target rack"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_migrations",
    )
    target_host = models.ForeignKey(
        "inventory.Device",
        verbose_name=_("target host"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_migrations",
        help_text=_("For a server rehosted as a VM: the host or cluster node it goes to."),
    )
    target_address = models.GenericIPAddressField(_("new address"), null=True, blank=True)
    target_vlan = models.PositiveSmallIntegerField(_("new VLAN"), null=True, blank=True)
    backup_verified_on = models.DateField(_("backup verified on"), null=True, blank=True)
    owner_signed_off_on = models.DateField(_("owner signed off on"), null=True, blank=True)
    retain_justification = LimitedTextField(_("reason to retain"), max_length=REASON_MAX_LENGTH, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    planned_cutover = models.DateField(_("planned cut-over"), null=True, blank=True)
    actual_cutover = models.DateField(_("actual cut-over"), null=True, blank=True)
    planned_acceptance = models.DateField(_("planned acceptance"), null=True, blank=True)
    actual_acceptance = models.DateField(_("actual acceptance"), null=True, blank=True)
    planned_decommission = models.DateField(_("planned source decommission"), null=True, blank=True)
    actual_decommission = models.DateField(_("actual source decommission"), null=True, blank=True)
    notes = LimitedTextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)

    changelog_parent = "device"

    class Meta:
        ordering = ["device__name"]
        verbose_name = _("migration")
        verbose_name_plural = _("migrations")
        indexes = [models.Index(fields=["state"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_vlan__isnull=True) | models.Q(target_vlan__gte=1, target_vlan__lte=4094),
                name="migration_vlan_range",
                violation_error_message=_("A VLAN id is between 1 and 4094."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.device)

    def clean(self) -> None:
        errors = {}
        if self.device_id and not self.device.is_server:
            errors["device"] = _("Only servers and virtual machines are migrated.")
        if self.target_host_id and self.device_id and self.target_host_id == self.device_id:
            errors["target_host"] = _("A server cannot be its own target host.")
        pairs = [
            ("planned_start", "planned_cutover"),
            ("planned_cutover", "planned_acceptance"),
            ("actual_start", "actual_cutover"),
            ("actual_cutover", "actual_acceptance"),
        ]
        for earlier, later in pairs:
            a, b = getattr(self, earlier), getattr(self, later)
            if a and b and b < a:
                errors[later] = _("This date cannot be before %(field)s.") % {
                    "field": self._meta.get_field(earlier).verbose_name
                }
        if errors:
            raise ValidationError(errors)


class MigrationTransitionQuerySet(models.QuerySet):
    """Transitions are evidence: no queryset edits or deletes them."""

    def update(self, **kwargs):
        raise ImmutableChangeError(_("Migration transitions are evidence: they cannot be edited."))

    def delete(self):
        raise ImmutableChangeError(_("Migration transitions are evidence: they cannot be deleted."))


class MigrationTransition(models.Model):
    """One recorded move between migration states: who, when, from, to and why.

    Evidence: written once by inventory.services.migration and never edited or deleted. Its
    migration, its server and the user who made it cannot be deleted while it exists (PROTECT);
    a server that leaves the inventory is set to decommissioned instead.
    """

    migration = models.ForeignKey(
        Migration, verbose_name=_("migration"), on_delete=models.PROTECT, related_name="transitions"
    )
    from_state = models.CharField(_("from"), max_length=30, choices=MigrationState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=30, choices=MigrationState.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = LimitedTextField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    override_reason = LimitedTextField(
        _("gate override"),
        max_length=REASON_MAX_LENGTH,
        blank=True,
        help_text=_("Why the move went ahead although a gate was not met."),
    )
    is_rollback = models.BooleanField(_("rollback"), default=False)
    is_imported_start = models.BooleanField(
        _("imported starting point"),
        default=False,
        help_text=_(
            "Tracking started in this state from a spreadsheet: the state the server was already in, "
            "not a move somebody made."
        ),
    )

    objects = MigrationTransitionQuerySet.as_manager()

    # What the delete pages and the API say when a transition keeps a delete from happening.
    protect_reason = _(
        "A migration's recorded moves are evidence and are kept: the migration cannot be deleted, nor "
        "its server. To take a server out of the inventory, set its status to Decommissioned."
    )

    class Meta:
        ordering = ["migration", "at", "id"]
        verbose_name = _("migration transition")
        verbose_name_plural = _("migration transitions")
        indexes = [models.Index(fields=["migration", "at"])]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableChangeError(_("Migration transitions are evidence: they cannot be edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableChangeError(_("Migration transitions are evidence: they cannot be deleted."))


class MigrationBlocker(ChangeLoggedModel):
    """What holds a server back from moving, until it is resolved."""

    migration = models.ForeignKey(
        Migration, verbose_name=_("migration"), on_delete=models.CASCADE, related_name="blockers"
    )
    category = models.CharField(_("category"), max_length=20, choices=BlockerCategory.choices)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True, help_text=_("Who has to act."))
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    changelog_parent = "migration"
    constraint_fields = {"migrationblocker_resolved_after_opened": "resolved_on"}
    display_fields = ("category",)

    class Meta:
        ordering = ["resolved_on", "due_on", "opened_on"]
        verbose_name = _("migration blocker")
        verbose_name_plural = _("migration blockers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True) | models.Q(resolved_on__gte=models.F("opened_on")),
                name="migrationblocker_resolved_after_opened",
                violation_error_message=_("A blocker cannot be resolved before it was opened."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_category_display()

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
