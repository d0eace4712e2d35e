"""Filters for every probes list, shared by the web UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from infra.core.filtersets import BaseFilterSet, lookups_for
from infra.inventory.models import Device, Organization, Site

from . import choices, models


def _multi(choice_class, field_name: str | None = None, label=None):
    kwargs = {"choices": choice_class.choices}
    if field_name:
        kwargs["field_name"] = field_name
    if label:
        kwargs["label"] = label
    return django_filters.MultipleChoiceFilter(**kwargs)


def _objects(model, field_name: str | None = None, label=None):
    kwargs = {"queryset": model.objects.all()}
    if field_name:
        kwargs["field_name"] = field_name
    if label:
        kwargs["label"] = label
    return django_filters.ModelMultipleChoiceFilter(**kwargs)


def _checks(field_name: str = "probe_check"):
    # A check is named by its address in a select: only what __str__ reads is loaded.
    return django_filters.ModelMultipleChoiceFilter(
        queryset=models.Check.objects.only("kind", "address"), field_name=field_name, label=_("Check")
    )


class CheckFilterSet(BaseFilterSet):
    kind = _multi(choices.CheckKind)
    state = _multi(choices.CheckState, field_name="status__state", label=_("State"))
    flapping = django_filters.BooleanFilter(field_name="status__flapping", label=_("Flapping"))
    device = _objects(Device)
    site = _objects(Site, field_name="device__site", label=_("Site"))
    organization = _objects(Organization, field_name="device__organization", label=_("Organization"))
    credential = _objects(models.SnmpCredential)
    search_fields = ("address", "device__name", "description")
    panel_fields = ("kind", "state", "enabled", "flapping", "organization", "site", "auto_created")

    class Meta:
        model = models.Check
        fields = lookups_for(
            models.Check,
            [
                "address",
                "ip_address",
                "port",
                "interval",
                "timeout",
                "packets",
                "retries",
                "down_after",
                "up_after",
                "enabled",
                "auto_created",
            ],
        )


class SnmpCredentialFilterSet(BaseFilterSet):
    version = _multi(choices.SnmpVersion)
    search_fields = ("name", "username", "description")
    panel_fields = ("version",)

    class Meta:
        model = models.SnmpCredential
        fields = lookups_for(models.SnmpCredential, ["name", "username"])


class MaintenanceWindowFilterSet(BaseFilterSet):
    device = _objects(Device)
    site = _objects(Site)
    organization = _objects(Organization)
    active_at = django_filters.IsoDateTimeFilter(method="filter_active_at", label=_("In force at"))
    search_fields = ("reason",)
    panel_fields = ("organization", "site", "active_at")

    class Meta:
        model = models.MaintenanceWindow
        fields = lookups_for(models.MaintenanceWindow, ["start", "end"])

    def filter_active_at(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(start__lte=value, end__gt=value)


class _ProbeRecordFilterSet(BaseFilterSet):
    """What the probes wrote has its own times, not the registry's created/updated."""

    created = None
    last_updated = None


class CheckEventFilterSet(_ProbeRecordFilterSet):
    check = _checks()
    kind = _multi(choices.EventKind)
    new_state = _multi(choices.CheckState, label=_("To state"))
    device = _objects(Device, field_name="probe_check__device", label=_("Device"))
    site = _objects(Site, field_name="probe_check__device__site", label=_("Site"))
    time = django_filters.IsoDateTimeFromToRangeFilter(field_name="at", label=_("Time"))
    search_fields = ("probe_check__address", "probe_check__device__name", "detail")
    panel_fields = ("kind", "new_state", "held", "site", "time")

    class Meta:
        model = models.CheckEvent
        fields = {"held": ["exact"], "at": ["gte", "lt"]}


class DowntimeFilterSet(_ProbeRecordFilterSet):
    check = _checks()
    device = _objects(Device, field_name="probe_check__device", label=_("Device"))
    site = _objects(Site, field_name="probe_check__device__site", label=_("Site"))
    is_open = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull", label=_("Still down"))
    time = django_filters.IsoDateTimeFromToRangeFilter(method="filter_time", label=_("Overlapping"))
    search_fields = ("probe_check__address", "probe_check__device__name")
    panel_fields = ("is_open", "site", "time")

    class Meta:
        model = models.Downtime
        fields = {"start": ["gte", "lt"]}

    def filter_time(self, queryset, name, value):
        """Downtimes that overlap the range (one that began before it and is still open counts)."""
        if not value:
            return queryset
        if value.stop is not None:
            queryset = queryset.filter(start__lt=value.stop)
        if value.start is not None:
            queryset = queryset.filter(Q(end__isnull=True) | Q(end__gt=value.start))
        return queryset


class ProbeRunFilterSet(_ProbeRecordFilterSet):
    status = _multi(choices.RunStatus)
    kind = django_filters.MultipleChoiceFilter(choices=choices.CheckKind.choices)
    prober = _objects(models.Prober)
    due = django_filters.IsoDateTimeFromToRangeFilter(label=_("Due"))
    search_fields = ()
    panel_fields = ("status", "late", "kind", "due")

    class Meta:
        model = models.ProbeRun
        fields = {"late": ["exact"]}


class CheckStatusFilterSet(_ProbeRecordFilterSet):
    """The current state of the checks (the API's status list)."""

    check = _checks()
    state = _multi(choices.CheckState)
    kind = _multi(choices.CheckKind, field_name="probe_check__kind")
    enabled = django_filters.BooleanFilter(field_name="probe_check__enabled", label=_("Enabled"))
    device = _objects(Device, field_name="probe_check__device", label=_("Device"))
    site = _objects(Site, field_name="probe_check__device__site", label=_("Site"))
    organization = _objects(Organization, field_name="probe_check__device__organization", label=_("Organization"))
    search_fields = ("probe_check__address", "probe_check__device__name", "sys_name")

    class Meta:
        model = models.CheckStatus
        fields = {"flapping": ["exact"], "since": ["gte", "lt"]}


class ResultFilterSet(_ProbeRecordFilterSet):
    """Raw results of one check (or a few) over a time range: what the primary key (check, time)
    and the day partitions answer without reading anything else."""

    q = None
    check = _checks()
    since = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="gte", label=_("Since"))
    until = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="lt", label=_("Until"))
    outcome = django_filters.MultipleChoiceFilter(choices=choices.ResultOutcome.choices, label=_("Outcome"))

    class Meta:
        model = models.Result
        fields = ["check", "since", "until", "outcome"]


class AlertChannelFilterSet(BaseFilterSet):
    kind = _multi(choices.ChannelKind)
    search_fields = ("name", "url", "chat_id", "description")
    panel_fields = ("kind", "enabled")

    class Meta:
        model = models.AlertChannel
        fields = lookups_for(models.AlertChannel, ["name", "enabled"])


class AlertRuleFilterSet(BaseFilterSet):
    channel = _objects(models.AlertChannel)
    organization = _objects(Organization)
    site = _objects(Site)
    min_severity = _multi(choices.Severity)
    search_fields = ("name",)
    panel_fields = ("channel", "organization", "site", "min_severity", "enabled")

    class Meta:
        model = models.AlertRule
        fields = lookups_for(models.AlertRule, ["name", "enabled"])


class AlertDeliveryFilterSet(_ProbeRecordFilterSet):
    channel = _objects(models.AlertChannel)
    status = _multi(choices.DeliveryStatus)
    kind = _multi(choices.AlertKind)
    severity = _multi(choices.Severity)
    check = _checks(field_name="event__probe_check")
    time = django_filters.IsoDateTimeFromToRangeFilter(field_name="created", label=_("Time"))
    search_fields = ("summary", "last_error")
    panel_fields = ("status", "channel", "kind", "severity", "is_test", "time")

    class Meta:
        model = models.AlertDelivery
        fields = {"is_test": ["exact"], "created": ["gte", "lt"]}
