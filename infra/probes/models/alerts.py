"""Alerts: where they go (channels), who gets what (rules), and what was sent (deliveries, attempts,
and the dispatcher's decision on each event). Channels and rules are configuration, change-logged;
the rest is written by ``services.alerting`` only (declared read-only)."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from infra.core.models import ChangeLoggedModel
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, SECRET_MAX_LENGTH, EncryptedTextField, LimitedTextField

from ..choices import AlertDecision, AlertKind, ChannelKind, DeliveryStatus, Severity

CHANNEL_SECRET_FIELDS = ("secret",)


def validate_http_url(value: str) -> None:
    """http or https only: a webhook is never a file:, ftp: or other scheme urllib would open."""
    URLValidator(schemes=["http", "https"], message=_("Enter an http:// or https:// address."))(value)
    if urlsplit(value).username or urlsplit(value).password:
        raise ValidationError(_("Put no user name or password in the address: use the secret."))


class AlertChannel(ChangeLoggedModel):
    """Where alerts go: a webhook (a JSON POST, signed when it has a secret) or a Telegram chat through
    a bot. The secret (signing key or bot token) is encrypted at rest and never shown again."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices, default=ChannelKind.WEBHOOK)
    url = models.CharField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        validators=[validate_http_url],
        help_text=_("Webhook: where the JSON is POSTed (http or https)."),
    )
    chat_id = models.CharField(
        _("Telegram chat id"),
        max_length=64,
        blank=True,
        help_text=_("Telegram: the chat, group or channel id (e.g. -1001234567890 or @channel_name)."),
    )
    secret = EncryptedTextField(
        _("secret"),
        max_length=SECRET_MAX_LENGTH,
        blank=True,
        help_text=_("Webhook: the HMAC-SHA256 signing key (optional). Telegram: the bot token (required)."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    description = LimitedTextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)

    changelog_redact = CHANNEL_SECRET_FIELDS
    display_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert channel")
        verbose_name_plural = _("alert channels")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.kind == ChannelKind.WEBHOOK and not self.url:
            errors["url"] = _("A webhook needs its URL.")
        if self.kind == ChannelKind.TELEGRAM:
            if not self.chat_id:
                errors["chat_id"] = _("A Telegram channel needs the chat id.")
            if not self.secret:
                errors["secret"] = _("A Telegram channel needs the bot token.")
            elif not _token_ok(self.secret):
                errors["secret"] = _("A bot token looks like 123456:ABC-def (digits, a colon, then letters).")
        if errors:
            raise ValidationError(errors)


def _token_ok(token: str) -> bool:
    """A token goes into the API's path: digits, a colon, then URL-safe characters only."""
    head, sep, tail = token.partition(":")
    return bool(sep and head.isdigit() and tail) and all(c.isalnum() or c in "-_" for c in tail)


class AlertRule(ChangeLoggedModel):
    """Who gets what: events of an OPD's devices and/or a site's (or all), of at least a severity, of
    the kinds ticked, go to the rule's channel. Several rules may name one channel: it gets an event once."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.ForeignKey(AlertChannel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="rules")
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only this OPD's devices (empty: every OPD)."),
    )
    site = models.ForeignKey(
        "inventory.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only devices at this site (empty: every site)."),
    )
    min_severity = models.PositiveSmallIntegerField(
        _("minimum severity"), choices=Severity.choices, default=Severity.WARNING
    )
    on_down = models.BooleanField(_("down"), default=True)
    on_recovery = models.BooleanField(_("recovery"), default=True)
    on_flapping = models.BooleanField(_("flapping"), default=False)
    on_reboot = models.BooleanField(_("reboot"), default=False)
    on_certificate = models.BooleanField(_("certificate expiring"), default=False)
    on_stale = models.BooleanField(_("website not updated"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)

    display_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (
            self.on_down
            or self.on_recovery
            or self.on_flapping
            or self.on_reboot
            or self.on_certificate
            or self.on_stale
        ):
            raise ValidationError({"on_down": _("Tick at least one kind of event.")})

    def takes(self, kind: str) -> bool:
        return {
            AlertKind.DOWN: self.on_down,
            AlertKind.RECOVERY: self.on_recovery,
            AlertKind.FLAPPING: self.on_flapping,
            AlertKind.REBOOT: self.on_reboot,
            AlertKind.CERTIFICATE: self.on_certificate,
            AlertKind.STALE: self.on_stale,
        }.get(kind, False)


class AlertEventDecision(models.Model):
    """The dispatcher's decision on one event, once: what makes dispatching idempotent (the event is
    the primary key), and what shows that nothing was sent, and why."""

    # No database constraint and nothing done on delete: a check's events stay one fast DELETE when the
    # check goes (Django would otherwise load every event to follow this relation). A decision left
    # without its event is inert.
    event = models.OneToOneField(
        "probes.CheckEvent",
        verbose_name=_("event"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="alert_decision",
    )
    at = models.DateTimeField(_("decided at"))
    decision = models.CharField(_("decision"), max_length=12, choices=AlertDecision.choices)
    kind = models.CharField(_("alert"), max_length=10, choices=AlertKind.choices, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, null=True)
    channels = models.PositiveSmallIntegerField(_("channels"), default=0)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("alert decision")
        verbose_name_plural = _("alert decisions")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.decision}"


class AlertDelivery(models.Model):
    """One alert to one channel (an event's, or a test message), retried with back-off until sent or
    given up."""

    # The log outlives the event: a deleted check's deliveries stay, without their event (read through
    # a LEFT JOIN, so a missing one is None). No constraint, for the fast DELETE of events (above).
    event = models.ForeignKey(
        "probes.CheckEvent",
        verbose_name=_("event"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="alert_deliveries",
    )
    channel = models.ForeignKey(
        AlertChannel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="deliveries"
    )
    created = models.DateTimeField(_("created"))
    is_test = models.BooleanField(_("test"), default=False)
    kind = models.CharField(_("alert"), max_length=10, choices=AlertKind.choices, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, null=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="alertdelivery_due"),
            models.Index(fields=["created"], name="alertdelivery_created"),
        ]
        constraints = [
            # An event reaches a channel once, whichever consumer routes it.
            models.UniqueConstraint(
                fields=["event", "channel"], condition=models.Q(is_test=False), name="alertdelivery_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.created:%Y-%m-%d %H:%M:%S} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("probes:alertdelivery", args=[self.pk])


class AlertAttempt(models.Model):
    """One try at sending a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(
        AlertDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"))
    ok = models.BooleanField(_("succeeded"), default=False)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response = models.CharField(_("response"), max_length=1000, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="alertattempt_once")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
