"""Tables of the probes lists: columns users can show, hide, order and export."""

import django_tables2 as tables
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from infra.core.tables import BaseTable
from infra.core.templatetags.simpul import status_badge
from infra.inventory.tables import ChoiceBadgeColumn

from . import choices, models

DATETIME = "Y-m-d H:i"


def outcome_label(value: int | None) -> str:
    """The engines' outcome (a stored small integer) as words; an unknown value as its number."""
    if value is None:
        return ""
    try:
        return str(choices.ResultOutcome(value).label)
    except ValueError:
        return str(value)


class Moment(tables.DateTimeColumn):
    """A time on one line: a date that wraps reads as two values."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)


class StateColumn(tables.Column):
    """A check's state as a coloured badge (Up, Down, Unknown); a check never probed is Unknown."""

    def __init__(self, *args, blank_as_dash: bool = False, **kwargs):
        kwargs.setdefault("verbose_name", _("State"))
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)
        # An event's "from" of a change with no state before it is nothing, not Unknown.
        self.blank_as_dash = blank_as_dash

    def _raw(self, record) -> object:
        *path, name = str(self.accessor).split("__")
        owner = record
        try:
            for part in path:
                owner = getattr(owner, part)
        except ObjectDoesNotExist:
            return None
        return getattr(owner, name, None) if owner is not None else None

    def _state(self, record) -> choices.CheckState:
        value = self._raw(record)
        return choices.CheckState(value) if value in choices.CheckState.values else choices.CheckState.UNKNOWN

    def render(self, record):
        if self.blank_as_dash and not self._raw(record):
            return "—"
        state = self._state(record)
        return status_badge(state.value, state.label)

    def value(self, record):
        if self.blank_as_dash and not self._raw(record):
            return ""
        return str(self._state(record).label)


class OutcomeColumn(tables.Column):
    """An outcome of the engines, by its label."""

    def render(self, value):
        return outcome_label(value)

    def value(self, value):
        return outcome_label(value)


class CheckTable(BaseTable):
    address = tables.Column(linkify=True)
    device = tables.Column(linkify=True)
    site = tables.Column(accessor="device__site", linkify=True, verbose_name=_("Site"))
    organization = tables.Column(accessor="device__organization", linkify=True, verbose_name=_("Organization"))
    state = StateColumn(accessor="status__state", order_by=("status__state",))
    since = Moment(accessor="status__since", format=DATETIME, verbose_name=_("Since"))
    flapping = tables.BooleanColumn(accessor="status__flapping", verbose_name=_("Flapping"))
    last_outcome = OutcomeColumn(accessor="status__last_outcome", verbose_name=_("Last outcome"))
    last_rtt = tables.Column(accessor="status__last_rtt", verbose_name=_("Last RTT (ms)"))
    last_loss = tables.Column(accessor="status__last_loss", verbose_name=_("Last loss (%)"))
    last_at = Moment(accessor="status__last_at", format=DATETIME, verbose_name=_("Last probed"))
    next_due = Moment(accessor="status__next_due", format=DATETIME, verbose_name=_("Next probe"))

    class Meta(BaseTable.Meta):
        model = models.Check
        # The state next to the target: on a phone it is the column in view.
        fields = (
            "pk",
            "address",
            "state",
            "since",
            "kind",
            "device",
            "site",
            "organization",
            "flapping",
            "last_outcome",
            "last_rtt",
            "last_loss",
            "last_at",
            "next_due",
            "enabled",
            "interval",
            "timeout",
            "packets",
            "retries",
            "down_after",
            "up_after",
            "auto_created",
            "description",
            "created",
            "last_updated",
        )
        default_columns = (
            "address",
            "state",
            "since",
            "kind",
            "device",
            "site",
            "flapping",
            "last_rtt",
            "last_loss",
            "enabled",
        )


class SnmpCredentialTable(BaseTable):
    """Never a secret: only whether each one is set (annotated in the query, not decrypted)."""

    name = tables.Column(linkify=True)
    community_set = tables.BooleanColumn(verbose_name=_("Community set"))
    auth_key_set = tables.BooleanColumn(verbose_name=_("Authentication key set"))
    priv_key_set = tables.BooleanColumn(verbose_name=_("Privacy key set"))
    check_count = tables.Column(verbose_name=_("Checks"))

    class Meta(BaseTable.Meta):
        model = models.SnmpCredential
        fields = (
            "pk",
            "name",
            "version",
            "username",
            "auth_protocol",
            "priv_protocol",
            "community_set",
            "auth_key_set",
            "priv_key_set",
            "check_count",
            "description",
            "created",
            "last_updated",
        )
        default_columns = ("name", "version", "username", "community_set", "auth_key_set", "check_count")


class MaintenanceWindowTable(BaseTable):
    start = Moment(format=DATETIME, linkify=True)
    end = Moment(format=DATETIME)
    device = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = models.MaintenanceWindow
        fields = ("pk", "start", "end", "device", "site", "organization", "reason", "created", "last_updated")
        default_columns = ("start", "end", "device", "site", "organization", "reason")


class CheckEventTable(BaseTable):
    at = Moment(format="Y-m-d H:i:s", verbose_name=_("Time"))
    probe_check = tables.Column(linkify=True, verbose_name=_("Check"))
    device = tables.Column(accessor="probe_check__device", linkify=True, verbose_name=_("Device"))
    kind = ChoiceBadgeColumn(accessor="kind", verbose_name=_("Kind"))
    old_state = StateColumn(accessor="old_state", verbose_name=_("From"), order_by=("old_state",), blank_as_dash=True)
    new_state = StateColumn(accessor="new_state", verbose_name=_("To"), order_by=("new_state",), blank_as_dash=True)
    outcome = OutcomeColumn(verbose_name=_("Outcome"))
    root_cause = tables.Column(linkify=True, verbose_name=_("Behind"))

    class Meta(BaseTable.Meta):
        model = models.CheckEvent
        fields = ("pk", "at", "probe_check", "device", "kind", "old_state", "new_state", "outcome", "held")
        fields += ("root_cause", "detail")
        default_columns = ("at", "probe_check", "device", "kind", "old_state", "new_state", "outcome", "held")
        order_by = ("-at",)


class DowntimeTable(BaseTable):
    probe_check = tables.Column(linkify=True, verbose_name=_("Check"))
    device = tables.Column(accessor="probe_check__device", linkify=True, verbose_name=_("Device"))
    site = tables.Column(accessor="probe_check__device__site", linkify=True, verbose_name=_("Site"))
    start = Moment(format="Y-m-d H:i:s")
    end = Moment(format="Y-m-d H:i:s")
    duration = tables.Column(verbose_name=_("Duration"), empty_values=(), orderable=False, accessor="pk")
    cause = OutcomeColumn(verbose_name=_("Cause"))
    root_cause = tables.Column(linkify=True, verbose_name=_("Behind"))

    class Meta(BaseTable.Meta):
        model = models.Downtime
        fields = ("pk", "probe_check", "device", "site", "start", "end", "duration", "cause", "root_cause")
        default_columns = ("probe_check", "device", "site", "start", "end", "duration", "cause", "root_cause")
        order_by = ("-start",)

    def render_duration(self, record):
        return format_duration(record.duration) if record.end else _("still down")

    def value_duration(self, record):
        return record.duration.total_seconds() if record.end else None


class ProbeRunTable(BaseTable):
    created = Moment(format="Y-m-d H:i:s", verbose_name=_("Enqueued"))
    due = Moment(format="Y-m-d H:i:s")
    status = ChoiceBadgeColumn(accessor="status", verbose_name=_("Status"))
    check_count = tables.Column(verbose_name=_("Checks"), empty_values=(), orderable=False, accessor="pk")
    prober = tables.Column()
    started = Moment(format="Y-m-d H:i:s")
    finished = Moment(format="Y-m-d H:i:s")

    class Meta(BaseTable.Meta):
        model = models.ProbeRun
        fields = ("pk", "created", "due", "kind", "check_count", "status", "prober", "started", "finished")
        fields += ("results", "late")
        default_columns = ("created", "due", "kind", "check_count", "status", "prober", "finished", "results", "late")
        order_by = ("-created",)

    def render_check_count(self, record):
        return len(record.checks or ())

    def value_check_count(self, record):
        return len(record.checks or ())


def format_duration(delta) -> str:
    """A duration as people read it on a status page: "2 d 03:04:05", "00:05:00"."""
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if not days:
        return clock
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days} + " " + clock


class AlertChannelTable(BaseTable):
    """Never the secret: only whether one is set (annotated in the query, not decrypted)."""

    name = tables.Column(linkify=True)
    kind = ChoiceBadgeColumn(accessor="kind")
    secret_set = tables.BooleanColumn(verbose_name=_("Secret set"))
    rule_count = tables.Column(verbose_name=_("Rules"))

    class Meta(BaseTable.Meta):
        model = models.AlertChannel
        fields = ("pk", "name", "kind", "url", "chat_id", "secret_set", "enabled", "rule_count", "description")
        fields += ("created", "last_updated")
        default_columns = ("name", "kind", "url", "chat_id", "secret_set", "enabled", "rule_count")


class AlertRuleTable(BaseTable):
    name = tables.Column(linkify=True)
    channel = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)
    site = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = models.AlertRule
        fields = ("pk", "name", "channel", "organization", "site", "min_severity", "on_down", "on_recovery")
        fields += ("on_flapping", "on_reboot", "on_certificate", "on_stale", "enabled", "created", "last_updated")
        default_columns = ("name", "channel", "organization", "site", "min_severity", "on_down", "on_recovery")
        default_columns += ("on_flapping", "on_reboot", "on_certificate", "on_stale", "enabled")


class AlertDeliveryTable(BaseTable):
    created = Moment(format="Y-m-d H:i:s", linkify=True, verbose_name=_("Created"))
    channel = tables.Column(linkify=True)
    status = ChoiceBadgeColumn(accessor="status")
    event = tables.Column(accessor="event__probe_check", linkify=True, verbose_name=_("Check"))
    next_attempt_at = Moment(format="Y-m-d H:i:s")
    last_attempt_at = Moment(format="Y-m-d H:i:s")
    sent_at = Moment(format="Y-m-d H:i:s")

    class Meta(BaseTable.Meta):
        model = models.AlertDelivery
        fields = ("pk", "created", "channel", "is_test", "kind", "severity", "event", "summary", "status")
        fields += ("attempts", "last_attempt_at", "next_attempt_at", "sent_at", "last_error")
        default_columns = ("created", "channel", "is_test", "kind", "severity", "summary", "status", "attempts")
        default_columns += ("next_attempt_at", "last_error")
        order_by = ("-created",)
