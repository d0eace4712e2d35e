"""Every choice list of the probes app, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .engines.base import Outcome


class CheckKind(models.TextChoices):
    ICMP = "icmp", _("ICMP (ping)")
    SNMP = "snmp", _("SNMP")
    HTTP = "http", _("HTTP(S) (website)")


class CheckState(models.TextChoices):
    # In context: "Up" and "Down" are also the column chooser's arrows, which Indonesian words differently.
    UP = "up", pgettext_lazy("check state", "Up")
    DOWN = "down", pgettext_lazy("check state", "Down")
    UNKNOWN = "unknown", pgettext_lazy("check state", "Unknown")


class SnmpVersion(models.TextChoices):
    V2C = "2c", _("v2c (community)")
    V3 = "3", _("v3 (user, authPriv)")


class AuthProtocol(models.TextChoices):
    SHA = "SHA", "SHA-1"
    SHA224 = "SHA-224", "SHA-224"
    SHA256 = "SHA-256", "SHA-256"
    SHA384 = "SHA-384", "SHA-384"
    SHA512 = "SHA-512", "SHA-512"


class PrivProtocol(models.TextChoices):
    AES = "AES", "AES-128"
    AES192 = "AES-192", "AES-192"
    AES256 = "AES-256", "AES-256"


_OUTCOME_LABELS = {
    Outcome.OK: _("Reply"),
    Outcome.TIMEOUT: _("Timeout"),
    Outcome.HOST_UNREACHABLE: _("Host unreachable"),
    Outcome.NETWORK_UNREACHABLE: _("Network unreachable"),
    Outcome.TTL_EXCEEDED: _("TTL exceeded"),
    Outcome.NAME_NOT_RESOLVED: _("Name not resolved"),
    Outcome.LOCAL_ERROR: _("Local error"),
    Outcome.AUTH_FAILURE: _("Authentication failure"),
    Outcome.NO_SUCH_OBJECT: _("No such object"),
    Outcome.ERROR: _("Error"),
    Outcome.HTTP_ERROR: _("HTTP error"),
    Outcome.CONNECTION_REFUSED: _("Connection refused"),
    Outcome.TLS_EXPIRED: _("Certificate expired"),
    Outcome.TLS_WRONG_NAME: _("Certificate for another name"),
    Outcome.TLS_UNTRUSTED: _("Certificate not trusted"),
    Outcome.TLS_ERROR: _("TLS error"),
    Outcome.CONTENT_MISSING: _("Expected text missing"),
}

# The engines' outcomes with labels for people: the stored values are the engines' own.
ResultOutcome = models.IntegerChoices(
    "ResultOutcome", [(outcome.name, (outcome.value, _OUTCOME_LABELS[outcome])) for outcome in Outcome]
)


class EventKind(models.TextChoices):
    STATE = "state", _("State change")
    FLAP_START = "flap_start", _("Started flapping")
    FLAP_END = "flap_end", _("Stopped flapping")
    REBOOT = "reboot", _("Reboot")
    INTERFACE = "interface", _("Interface change")
    CERT_EXPIRY = "cert_expiry", _("Certificate expiring")
    STALE = "stale", _("Website not updated")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    LOST = "lost", _("Lost")


class Granularity(models.TextChoices):
    HOUR = "hour", _("Hourly")
    DAY = "day", _("Daily")


class PeriodKind(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    CUSTOM = "custom", _("Custom range")


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook (JSON)")
    TELEGRAM = "telegram", _("Telegram bot")


class AlertKind(models.TextChoices):
    """What an alert is about: the events a rule may ask for."""

    # In context: "Down" alone is the column chooser's arrow.
    DOWN = "down", pgettext_lazy("alert kind", "Down")
    RECOVERY = "recovery", pgettext_lazy("alert kind", "Recovery")
    FLAPPING = "flapping", pgettext_lazy("alert kind", "Flapping")
    REBOOT = "reboot", pgettext_lazy("alert kind", "Reboot")
    CERTIFICATE = "cert", pgettext_lazy("alert kind", "Certificate expiring")
    STALE = "stale", pgettext_lazy("alert kind", "Website not updated")


class FreshnessSource(models.TextChoices):
    """How a website's last update was found, best first (docs/probes.md, "Freshness")."""

    FEED = "feed", _("RSS/Atom feed")
    SITEMAP = "sitemap", _("Sitemap")
    NEWS = "news", _("News list dates")
    LAST_MODIFIED = "last_modified", _("Last-Modified header")
    FINGERPRINT = "fingerprint", _("Page text changed")


class WebsiteWarning(models.TextChoices):
    """What a website check warns about besides being down (a stored list of these values)."""

    CERT_EXPIRING = "cert_expiring", _("Certificate expires soon")
    CERT_EXPIRED = "cert_expired", _("Certificate expired")
    PLAIN_HTTP = "plain_http", _("Plain HTTP only")
    MIXED_CONTENT = "mixed_content", _("Mixed content")
    NO_HSTS = "no_hsts", _("No HSTS")
    STALE = "stale", _("Not updated")


class Severity(models.IntegerChoices):
    """Ordered: a rule takes its minimum and everything above (``services.alerting.severity``)."""

    INFO = 1, _("Info")
    WARNING = 2, _("Warning")
    CRITICAL = 3, _("Critical")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class AlertDecision(models.TextChoices):
    """What the dispatcher decided about one event: sent to channels, or why nothing was sent."""

    ROUTED = "routed", _("Sent to channels")
    NO_RULE = "no_rule", _("No rule matches")
    FLAPPING = "flapping", _("Held: flapping")
    MAINTENANCE = "maintenance", _("Held: maintenance")
    BEHIND = "behind", _("Held: behind a down site")
    HELD = "held", _("Held")
    NOT_ALERTED = "not_alerted", _("Not an alert")
    NO_DOWN_SENT = "no_down_sent", _("Recovery of a down not sent")
