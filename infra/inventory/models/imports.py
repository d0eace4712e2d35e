"""Spreadsheet imports, from the upload through the check and the confirmation, kept in the database.

The uploaded file waits here rather than on one web server's disk, so the background worker that
checks and imports it, and the confirmation, may run anywhere; its bytes are dropped once it is
imported, found invalid, fails or expires.
"""

import datetime
import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, REPORT_MAX_LENGTH, LimitedTextField

from ..choices import ImportPhase, ImportStatus


def default_expiry() -> datetime.datetime:
    """How long a checked file waits for its confirmation: ``SIMPUL_IMPORT_STAGE_TTL`` seconds."""
    return timezone.now() + datetime.timedelta(seconds=settings.SIMPUL_IMPORT_STAGE_TTL)


# The share of a job's progress bar each phase fills, in percent.
PHASE_SPANS = {ImportPhase.READING: (0, 10), ImportPhase.CHECKING: (10, 95), ImportPhase.SAVING: (95, 95)}


class ImportJob(models.Model):
    """One uploaded spreadsheet: checked in the background, then imported on its uploader's confirmation.

    Bookkeeping, not registry data: it is not change-logged (the import it runs is). The worker
    writes its progress here (``phase``, ``rows_done`` of ``row_count``) for the page to show.
    """

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    kind = models.CharField(_("kind"), max_length=30, help_text=_("What the file holds, as import_data names it."))
    file_name = models.CharField(_("file name"), max_length=255)
    data = models.BinaryField(
        _("file contents"), null=True, help_text=_("Kept only while the job is checked, staged or imported.")
    )
    size = models.PositiveIntegerField(_("size (bytes)"))
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    phase = models.CharField(_("phase"), max_length=20, choices=ImportPhase.choices, blank=True, default="")
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("The uploader's language, for the messages.")
    )
    report = models.JSONField(
        _("report"),
        null=True,
        blank=True,
        help_text=_("What the check found: the first rows and every problem. Dropped when the job expires."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), default=default_expiry)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    mapping = models.JSONField(
        _("column mapping"),
        null=True,
        blank=True,
        help_text=_('How the file\'s columns were read: {"columns": {title: column}, "constants": {column: value}}.'),
    )
    create_missing = models.BooleanField(
        _("create missing sites and racks"), default=False, help_text=_("Sites and racks the file names are created.")
    )
    summary = LimitedTextField(
        _("summary"),
        max_length=REPORT_MAX_LENGTH,
        blank=True,
        help_text=_("What the check or the import reported, or why it failed."),
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["status", "expires"], name="importjob_status_expires")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires <= (now or timezone.now())

    @property
    def check_stamp(self) -> str:
        """What the last check read the file with (its mapping, the create-missing option): a
        confirmation sent from a page showing an earlier check carries another stamp."""
        read_as = json.dumps([self.mapping, self.create_missing], sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(read_as.encode()).hexdigest()[:16]

    @property
    def is_running(self) -> bool:
        """Whether the background worker still has work to do on it (the page shows its progress)."""
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def percent(self) -> int:
        """How far the job is, 0 to 100, never going back: reading the file is the first 10 percent,
        checking its rows up to 95, saving the rest (one transaction: it shows as 95 until done)."""
        if not self.is_running:
            return 100
        start, end = PHASE_SPANS.get(self.phase, (0, 0))
        if not self.row_count or end == start:
            return start
        return start + (end - start) * min(self.rows_done, self.row_count) // self.row_count


class ImportMapping(ChangeLoggedModel):
    """A saved column mapping: how a file of one shape is read, reused for the next file like it.

    ``columns`` maps a column title as the file writes it (normalized) to the template's column
    name, or to "" for a column to ignore; ``constants`` gives a value for template columns the
    file lacks ("every row is a server").
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, help_text=_("What the file holds, as import_data names it."))
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    constants = models.JSONField(_("constant values"), default=dict, blank=True)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    display_fields = ("name",)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                name="importmapping_unique_name",
                violation_error_message=_("A mapping with this name already exists for this kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
