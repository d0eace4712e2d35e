"""API serializers of the probes. SNMP secrets are write-only: accepted, never returned (a credential
says only whether each is set). What the probes found is read-only, with outcomes as value and label."""

from urllib.parse import urlsplit

from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from infra.core.api.serializers import BaseModelSerializer, BriefRelatedField, api_url_for
from infra.core.models.fields import SECRET_MAX_LENGTH
from infra.core.permissions import VIEW, can

from .. import models
from ..choices import CheckKind, CheckState, FreshnessSource, PeriodKind, WebsiteWarning
from ..models.checks import SECRET_FIELDS, URL_MAX_LENGTH
from ..services.checks import ADDRESS_ELSEWHERE, SNMP_CHECKS_REFUSED, address_elsewhere, writes_snmp_checks
from ..tables import outcome_label
from ..websites import SORTS as WEBSITE_SORTS


def _fields(model, *extra: str, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    names = [f.name for f in model._meta.fields if f.name not in ("id", "url", *skip)]
    return ("id", "url", "display", *names, *extra)


class OutcomeLabelField(serializers.ReadOnlyField):
    """An engine's outcome (a small integer) in words, beside the number."""

    def to_representation(self, value) -> str:
        return outcome_label(value)


class WebsiteStatusSerializer(serializers.ModelSerializer):
    """What the last HTTP(S) probe of a website check found (read-only, written by the probes)."""

    redirects = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text=_("[[status, location], ...] in order."),
    )
    mixed_content = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.ChoiceField(choices=WebsiteWarning.choices))
    update_source = serializers.ChoiceField(choices=[("", ""), *FreshnessSource.choices])

    class Meta:
        model = models.WebsiteStatus
        exclude = ("probe_check",)
        read_only_fields = [f.name for f in models.WebsiteStatus._meta.fields if f.name != "probe_check"]


class CheckSerializer(BaseModelSerializer):
    address = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text=_("The IP address (or host name) probed; taken from ip_address when left out."),
    )
    state = serializers.SerializerMethodField(help_text=_("up, down or unknown (never probed, disabled)."))
    # "url" is every object's API address: an HTTP(S) check's page is "target_url" (as an
    # application's web address is "service_url").
    target_url = serializers.CharField(
        source="url",
        required=False,
        allow_blank=True,
        max_length=URL_MAX_LENGTH,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("HTTP(S) checks: the page fetched (http:// or https://); address is taken from its host."),
    )
    website = serializers.SerializerMethodField(
        help_text=_("HTTP(S) checks: what the last probe found (response, TLS, freshness); null otherwise.")
    )

    class Meta:
        model = models.Check
        fields = _fields(models.Check, "target_url", "state", "website")
        # DRF gives the fields of a conditional unique constraint a default of None, so a PUT leaving
        # them out would unlink the device: left out, they keep their value (full_clean checks the rule).
        extra_kwargs = {name: {"default": empty, "required": False} for name in ("device", "ip_address")}

    @extend_schema_field(serializers.ChoiceField(choices=CheckState.choices))
    def get_state(self, obj) -> str:
        try:
            return obj.status.state
        except models.CheckStatus.DoesNotExist:
            return CheckState.UNKNOWN

    @extend_schema_field(WebsiteStatusSerializer(allow_null=True))
    def get_website(self, obj) -> dict | None:
        if obj.kind != CheckKind.HTTP:
            return None
        try:
            return WebsiteStatusSerializer(obj.website).data
        except models.WebsiteStatus.DoesNotExist:
            return None

    def validate(self, attrs):
        user = getattr(self.context.get("request"), "user", None)
        kind = attrs.get("kind", self.instance.kind if self.instance is not None else None)
        url = attrs.get("url", self.instance.url if self.instance is not None else "")
        if kind == CheckKind.HTTP and url:
            # The URL's host, as Check.clean() takes it (the field may not be empty before that runs).
            attrs["address"] = (urlsplit(url).hostname or "")[:255]
        kinds = {attrs.get("kind"), self.instance.kind if self.instance is not None else None}
        if CheckKind.SNMP in kinds and not writes_snmp_checks(user):
            raise serializers.ValidationError({"kind": [SNMP_CHECKS_REFUSED]})
        ip = attrs.get("ip_address")
        if ip is not None and not attrs.get("address"):
            attrs["address"] = ip.address
        device = attrs.get("device", self.instance.device if self.instance is not None else None)
        if ip is not None and ip.interface_id and device is None:
            attrs["device"] = ip.interface.device  # the address's device, as the web form does
        ip = ip if "ip_address" in attrs else (self.instance.ip_address if self.instance is not None else None)
        if address_elsewhere(ip, attrs.get("device", device)):
            raise serializers.ValidationError({"ip_address": [ADDRESS_ELSEWHERE]})
        if "credential" in attrs:
            current = self.instance.credential_id if self.instance is not None else None
            chosen = attrs["credential"].pk if attrs["credential"] is not None else None
            user = getattr(self.context.get("request"), "user", None)
            if chosen != current and not can(user, VIEW, models.SnmpCredential):
                raise serializers.ValidationError(
                    {"credential": [_("SNMP credentials are chosen by engineers and administrators.")]}
                )
        return super().validate(attrs)


def _secret(label) -> serializers.CharField:
    return serializers.CharField(
        label=label,
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=SECRET_MAX_LENGTH,
        style={"input_type": "password"},
        help_text=_("Write-only: never returned. Leave it out to keep the stored one; send an empty text to clear it."),
    )


class SnmpCredentialSerializer(BaseModelSerializer):
    community = _secret(_("community"))
    auth_key = _secret(_("v3 authentication key"))
    priv_key = _secret(_("v3 privacy key"))
    community_set = serializers.SerializerMethodField()
    auth_key_set = serializers.SerializerMethodField()
    priv_key_set = serializers.SerializerMethodField()

    class Meta:
        model = models.SnmpCredential
        fields = _fields(models.SnmpCredential, *(f"{name}_set" for name in SECRET_FIELDS))

    def get_community_set(self, obj) -> bool:
        return bool(obj.community)

    def get_auth_key_set(self, obj) -> bool:
        return bool(obj.auth_key)

    def get_priv_key_set(self, obj) -> bool:
        return bool(obj.priv_key)


class MaintenanceWindowSerializer(BaseModelSerializer):
    class Meta:
        model = models.MaintenanceWindow
        fields = _fields(models.MaintenanceWindow)


class _ReadOnlyRecordSerializer(BaseModelSerializer):
    """What a probe service wrote: read, never written through the API."""

    check = BriefRelatedField(source="probe_check", read_only=True)


class CheckEventSerializer(_ReadOnlyRecordSerializer):
    outcome_label = OutcomeLabelField(source="outcome")
    root_cause = BriefRelatedField(read_only=True, help_text=_("The down site this check's site is reached through."))

    class Meta:
        model = models.CheckEvent
        fields = (
            "id",
            "url",
            "display",
            "check",
            "at",
            "kind",
            "old_state",
            "new_state",
            "outcome",
            "outcome_label",
            "held",
            "root_cause",
            "detail",
        )
        read_only_fields = fields


class DowntimeSerializer(_ReadOnlyRecordSerializer):
    cause_label = OutcomeLabelField(source="cause")
    duration = serializers.SerializerMethodField(help_text=_("Seconds; null while still down."))
    root_cause = BriefRelatedField(read_only=True)

    class Meta:
        model = models.Downtime
        fields = ("id", "url", "display", "check", "start", "end", "duration", "cause", "cause_label", "root_cause")
        read_only_fields = fields

    def get_duration(self, obj) -> float | None:
        return obj.duration.total_seconds() if obj.end is not None else None


class ProbeRunSerializer(BaseModelSerializer):
    prober = serializers.CharField(source="prober.name", read_only=True, allow_null=True, default=None)
    check_count = serializers.SerializerMethodField()

    class Meta:
        model = models.ProbeRun
        fields = (
            "id",
            "url",
            "display",
            "created",
            "due",
            "kind",
            "checks",
            "check_count",
            "status",
            "prober",
            "started",
            "finished",
            "results",
            "late",
        )
        read_only_fields = fields

    def get_check_count(self, obj) -> int:
        return len(obj.checks or ())


class CheckStatusSerializer(_ReadOnlyRecordSerializer):
    last_outcome_label = OutcomeLabelField(source="last_outcome")

    class Meta:
        model = models.CheckStatus
        fields = (
            "url",
            "check",
            "state",
            "since",
            "flapping",
            "last_at",
            "last_outcome",
            "last_outcome_label",
            "last_rtt",
            "last_loss",
            "next_due",
            "sys_name",
            "sys_descr",
            "sys_uptime",
            "uptime_at",
        )
        read_only_fields = fields


class ResultSerializer(serializers.Serializer):
    """One raw result: keyed by its check and its time (no id, no page of its own)."""

    check = serializers.SerializerMethodField()
    time = serializers.DateTimeField()
    outcome = serializers.IntegerField()
    outcome_label = OutcomeLabelField(source="outcome")
    sent = serializers.IntegerField()
    received = serializers.IntegerField()
    loss = serializers.FloatField(allow_null=True, help_text=_("Percent of packets lost; null when none was sent."))
    rtt_min = serializers.SerializerMethodField()
    rtt_avg = serializers.SerializerMethodField()
    rtt_max = serializers.SerializerMethodField()
    jitter = serializers.SerializerMethodField()
    prober = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField())
    def get_check(self, obj) -> dict:
        request = self.context.get("request")
        check = obj.probe_check
        return {"id": check.pk, "url": api_url_for(models.Check, check.pk, request), "display": str(check)}

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rtt_min(self, obj) -> float | None:
        return _ms(obj.rtt("rtt_min"))

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rtt_avg(self, obj) -> float | None:
        return _ms(obj.rtt("rtt_avg"))

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rtt_max(self, obj) -> float | None:
        return _ms(obj.rtt("rtt_max"))

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_jitter(self, obj) -> float | None:
        return _ms(obj.rtt("jitter"))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_prober(self, obj) -> str | None:
        return self.context.get("probers", {}).get(obj.prober_id)


def _ms(value: float | None) -> float | None:
    """Milliseconds to the microsecond: a 4-byte float read back carries digits it never had (0.07 is
    0.0700000002980232 from PostgreSQL's real)."""
    return None if value is None else round(value, 3)


class AvailabilityQuerySerializer(serializers.Serializer):
    """The question of the availability endpoint, checked before anything is computed."""

    SCOPES = ("check", "device", "site", "organization")

    scope = serializers.ChoiceField(choices=SCOPES)
    id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    period = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    date = serializers.DateField(
        required=False, help_text=_("A day in the period (the city's calendar); today by default.")
    )
    start = serializers.DateField(required=False, help_text=_("custom: the first day (the city's calendar)."))
    end = serializers.DateField(required=False, help_text=_("custom: the last day, included."))

    def validate(self, attrs):
        if attrs["period"] == PeriodKind.CUSTOM:
            start, end = attrs.get("start"), attrs.get("end")
            if start is None or end is None:
                raise serializers.ValidationError({"start": [_("A custom period needs start and end (YYYY-MM-DD).")]})
            if end < start:
                raise serializers.ValidationError({"end": [_("The end cannot be before the start.")]})
            if (end - start).days > 3660:
                raise serializers.ValidationError({"end": [_("A custom period is at most ten years.")]})
        return attrs


class DowntimeStretchSerializer(serializers.Serializer):
    """A stretch of down time within the period (cut to it; ``end`` null: still down at its end)."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True)
    seconds = serializers.FloatField()


class AvailabilitySerializer(serializers.Serializer):
    """Time-weighted availability of one check, device, site or OPD over a period."""

    scope = serializers.CharField()
    id = serializers.IntegerField()
    display = serializers.CharField()
    period = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField()
    checks = serializers.IntegerField(help_text=_("The checks the figures are made of."))
    up = serializers.FloatField(help_text=_("Seconds up."))
    down = serializers.FloatField(help_text=_("Seconds down."))
    unknown = serializers.FloatField(help_text=_("Seconds unknown: never probed, disabled, or the prober cut off."))
    maintenance = serializers.FloatField(help_text=_("Seconds in maintenance windows (left out of the percentages)."))
    percent = serializers.FloatField(
        allow_null=True, help_text=_("Up over all time outside maintenance; unknown time never counts as up.")
    )
    known_percent = serializers.FloatField(allow_null=True, help_text=_("Up over the time the state was known."))
    downtimes = DowntimeStretchSerializer(many=True)


class AlertChannelSerializer(BaseModelSerializer):
    secret = _secret(_("secret"))
    secret_set = serializers.SerializerMethodField()

    class Meta:
        model = models.AlertChannel
        fields = _fields(models.AlertChannel, "secret_set")

    def get_secret_set(self, obj) -> bool:
        return bool(obj.secret)


class AlertRuleSerializer(BaseModelSerializer):
    class Meta:
        model = models.AlertRule
        fields = _fields(models.AlertRule)


class AlertAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.AlertAttempt
        fields = ("number", "at", "ok", "http_status", "error", "duration_ms", "response")
        read_only_fields = fields


class AlertDeliverySerializer(BaseModelSerializer):
    channel = BriefRelatedField(read_only=True)
    event = BriefRelatedField(read_only=True)
    attempt_log = AlertAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = models.AlertDelivery
        fields = _fields(models.AlertDelivery, "attempt_log")
        read_only_fields = fields


class AvailabilityReportQuerySerializer(serializers.Serializer):
    """The question of the monthly report: an OPD (none: the whole city), a month, a file format."""

    organization = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    month = serializers.RegexField(r"^[0-9]{4}-[0-9]{1,2}$", required=False)
    format = serializers.ChoiceField(choices=("json", "csv", "xlsx", "pdf"), required=False, default="json")

    def to_internal_value(self, data):
        data = data.copy()
        if data.get("organization") == "":
            data.pop("organization")  # blank: the whole city
        return super().to_internal_value(data)


class ReportFiguresSerializer(serializers.Serializer):
    """The figures of one row (or the total): seconds, percentages of the time outside maintenance."""

    percent = serializers.FloatField(allow_null=True)
    known_percent = serializers.FloatField(allow_null=True)
    up_seconds = serializers.FloatField()
    down_seconds = serializers.FloatField()
    unknown_seconds = serializers.FloatField()
    maintenance_seconds = serializers.FloatField()
    downtime_count = serializers.IntegerField()
    downtime_seconds = serializers.FloatField()
    longest_seconds = serializers.FloatField()


class ReportRowSerializer(ReportFiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    context = serializers.CharField()
    checks = serializers.IntegerField()


class AvailabilityReportSerializer(serializers.Serializer):
    """The monthly availability report of one OPD or the whole city, per site, device and check."""

    organization = serializers.IntegerField(allow_null=True)
    organization_name = serializers.CharField()
    month = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField()
    generated_at = serializers.DateTimeField()
    checks = serializers.IntegerField()
    total = ReportFiguresSerializer()
    sites = ReportRowSerializer(many=True)
    devices = ReportRowSerializer(many=True)
    checks_rows = ReportRowSerializer(many=True)


# --- the "Situs web OPD" report ----------------------------------------------------------------------


class WebsitesQuerySerializer(serializers.Serializer):
    """The question of the websites report: filters, search, order and file format."""

    organization = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        help_text=_("OPD ids (repeatable): an application's owner, or the OPD itself."),
    )
    state = serializers.ListField(
        child=serializers.ChoiceField(choices=("up", "down", "unknown", "off", "unchecked", "no_website")),
        required=False,
        help_text=_(
            "The row's state (repeatable): a check's state, off (switched off), unchecked (no check yet) or no_website."
        ),
    )
    warning = serializers.ListField(
        child=serializers.ChoiceField(choices=WebsiteWarning.choices),
        required=False,
        help_text=_("Rows with any of these warnings (repeatable)."),
    )
    stale = serializers.BooleanField(
        required=False, default=False, help_text=_("Only websites not updated for too long.")
    )
    no_website = serializers.BooleanField(required=False, default=False, help_text=_("Only OPDs without a website."))
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=_("Search in names and URLs.")
    )
    ordering = serializers.ChoiceField(
        choices=[name for key in WEBSITE_SORTS for name in (key, f"-{key}")],
        required=False,
        help_text=_("One column, - for descending; rows without a value last. Default: worst state first."),
    )
    format = serializers.ChoiceField(choices=("json", "csv", "xlsx"), required=False, default="json")

    def to_internal_value(self, data):
        names = ("organization", "state", "warning")
        lists = {name: data.getlist(name) if hasattr(data, "getlist") else data.get(name) for name in names}
        plain = {k: v for k, v in data.items() if k not in lists}
        for name, values in lists.items():
            if values:
                plain[name] = [v for raw in values for v in str(raw).split(",") if v]
        return super().to_internal_value(plain)


class WebsiteRowSerializer(serializers.Serializer):
    """One OPD or application with its website and what its check found."""

    id = serializers.IntegerField(source="pk", help_text=_("The OPD's or the application's id."))
    kind = serializers.ChoiceField(choices=("organization", "application"))
    name = serializers.CharField()
    full_name = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id", allow_null=True)
    organization_name = serializers.CharField(source="organization")
    website = serializers.CharField()
    check = serializers.IntegerField(source="check_id", allow_null=True, help_text=_("The website check's id."))
    enabled = serializers.BooleanField(allow_null=True, help_text=_("Whether the check is on (null: no check)."))
    state = serializers.ChoiceField(choices=("up", "down", "unknown", "off", "unchecked", "no_website"))
    since = serializers.DateTimeField(allow_null=True)
    availability_percent = serializers.FloatField(
        source="percent", allow_null=True, help_text=_("This month up to now.")
    )
    checked_at = serializers.DateTimeField(allow_null=True)
    status_code = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()
    last_update = serializers.DateTimeField(allow_null=True)
    update_source = serializers.CharField(
        help_text=_("feed, sitemap, news, last_modified or fingerprint; empty: unknown.")
    )
    update_detail = serializers.CharField()
    days_since_update = serializers.IntegerField(source="days_since", allow_null=True)
    tls_expires = serializers.DateTimeField(allow_null=True)
    tls_days_left = serializers.IntegerField(source="days_left", allow_null=True)
    warnings = serializers.ListField(child=serializers.ChoiceField(choices=WebsiteWarning.choices))
