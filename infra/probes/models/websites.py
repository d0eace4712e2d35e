"""What the last HTTP(S) check of a website found: the answer, its certificate and security, and when
the site was last updated. One row per HTTP check, written by ``services.websites`` only."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import FreshnessSource
from .checks import URL_MAX_LENGTH


class WebsiteStatus(models.Model):
    probe_check = models.OneToOneField(
        "probes.Check",
        verbose_name=_("check"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="website",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True)
    # The answer
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True)
    ttfb_ms = models.FloatField(_("time to first byte (ms)"), null=True)
    total_ms = models.FloatField(_("total time (ms)"), null=True)
    final_url = models.CharField(_("final URL"), max_length=URL_MAX_LENGTH, blank=True)
    redirects = models.JSONField(_("redirects"), default=list, help_text=_("[[status, location], ...] in order."))
    content_found = models.BooleanField(_("expected text found"), null=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True, help_text=_("The error, in words."))
    # TLS and security
    tls_version = models.CharField(_("TLS version"), max_length=20, blank=True)
    tls_issuer = models.CharField(_("certificate issuer"), max_length=300, blank=True)
    tls_subject = models.CharField(_("certificate subject"), max_length=300, blank=True)
    tls_expires = models.DateTimeField(_("certificate expires"), null=True)
    hsts = models.BooleanField(_("HSTS"), null=True)
    plain_http_only = models.BooleanField(_("plain HTTP only"), null=True)
    mixed_content = models.JSONField(
        _("mixed content"), default=list, help_text=_("http:// resources of an https page.")
    )
    warnings = models.JSONField(_("warnings"), default=list, help_text=_("WebsiteWarning values."))
    # Freshness
    last_update = models.DateTimeField(_("last updated"), null=True)
    update_source = models.CharField(_("found from"), max_length=20, choices=FreshnessSource.choices, blank=True)
    update_detail = models.CharField(_("found at"), max_length=URL_MAX_LENGTH, blank=True)
    fingerprint = models.CharField(_("text fingerprint"), max_length=64, blank=True)
    fingerprint_since = models.DateTimeField(_("text unchanged since"), null=True)
    freshness_at = models.DateTimeField(_("freshness checked at"), null=True)

    class Meta:
        verbose_name = _("website status")
        verbose_name_plural = _("website statuses")

    def __str__(self) -> str:
        return f"{self.probe_check_id}: {self.status_code}"
