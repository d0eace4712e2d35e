"""Spreadsheet imports between the check and the confirmation, kept in the database.

The checked file waits here rather than on one web server's disk, so the confirmation may reach
any server; its bytes are dropped once it is imported, fails or expires.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infra.core.models.fields import REPORT_MAX_LENGTH, LimitedTextField

from ..choices import ImportStatus


def default_expiry() -> datetime.datetime:
    """How long a checked file waits for its confirmation: ``SIMPUL_IMPORT_STAGE_TTL`` seconds."""
    return timezone.now() + datetime.timedelta(seconds=settings.SIMPUL_IMPORT_STAGE_TTL)


class ImportJob(models.Model):
    """One uploaded spreadsheet: checked, then imported on its uploader's confirmation.

    Bookkeeping, not registry data: it is not change-logged (the import it runs is).
    """

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    kind = models.CharField(_("kind"), max_length=30, help_text=_("What the file holds, as import_data names it."))
    file_name = models.CharField(_("file name"), max_length=255)
    data = models.BinaryField(_("file contents"), null=True, help_text=_("Kept only while the job is staged."))
    size = models.PositiveIntegerField(_("size (bytes)"))
    row_count = models.PositiveIntegerField(_("rows"))
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.STAGED)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires = models.DateTimeField(_("expires"), default=default_expiry)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
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
