"""Forms of the probes: checks, SNMP credentials (whose secrets are never shown back) and maintenance
windows, and the bulk edit of checks."""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from infra.core.forms import BaseModelForm, BulkEditForm
from infra.core.models.fields import SECRET_MAX_LENGTH
from infra.core.permissions import VIEW, can, editable
from infra.inventory.models import Device, IPAddress

from . import models
from .choices import CheckKind
from .models.alerts import CHANNEL_SECRET_FIELDS
from .models.checks import SECRET_FIELDS
from .services.checks import ADDRESS_ELSEWHERE, SNMP_CHECKS_REFUSED, address_elsewhere, writes_snmp_checks


class CheckForm(BaseModelForm):
    picker_search = {"ip_address": ("address", "interface__device__name"), "device": ("name",)}

    class Meta:
        model = models.Check
        fields = (
            "kind",
            "device",
            "ip_address",
            "address",
            "url",
            "expect_text",
            "stale_days",
            "port",
            "credential",
            "interval",
            "timeout",
            "packets",
            "retries",
            "down_after",
            "up_after",
            "flap_low",
            "flap_high",
            "enabled",
            "description",
        )

    # ICMP and SNMP settings an HTTP(S) check does not use: left empty, they keep their defaults.
    http_unused = ("port", "packets", "retries")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].required = False  # taken from the IP address when one is chosen
        self.fields["address"].help_text = _(
            "The IP address (or host name) probed. For SNMP, the agent's address. For HTTP(S), left "
            "empty: the URL's host."
        )
        for name in self.http_unused:
            self.fields[name].required = False
        self.fields["ip_address"].queryset = IPAddress.objects.select_related("interface__device")
        self.fields["ip_address"].label_from_instance = _address_label
        # An OPD operator adds and moves checks of their own devices only.
        self.fields["device"].queryset = editable(self.user, Device.objects.only("name"))
        if not can(self.user, VIEW, models.SnmpCredential):
            # Credentials are for engineers: others neither see nor choose them.
            self.fields.pop("credential")
        if self.instance.pk and self.instance.auto_created and self.instance.kind == CheckKind.HTTP:
            # It follows its application's URL or its OPD's website (services.checks); a person may
            # still switch it on or off, and that switch is kept.
            for name in ("kind", "device", "ip_address", "address", "url"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Follows the URL of the application or the OPD's website.")
        elif self.instance.pk and self.instance.auto_created:
            # It follows its address's probe mark: what it probes is the registry's, not the form's.
            for name in ("kind", "device", "ip_address", "address"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Follows the IP address marked for probing.")
            # On or off with the address's probe mark too: the mark is the one switch.
            self.fields["enabled"].disabled = True
            self.fields["enabled"].help_text = _(
                "Follows the IP address's probe mark: remove the mark to stop probing this address."
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        kinds = {cleaned.get("kind"), self.instance.kind if self.instance.pk else None}
        if CheckKind.SNMP in kinds and not writes_snmp_checks(self.user):
            raise ValidationError(SNMP_CHECKS_REFUSED)
        ip = cleaned.get("ip_address")
        if ip is not None:
            if not cleaned.get("address"):
                cleaned["address"] = ip.address
            if cleaned.get("device") is None and ip.interface_id and "device" not in self.errors:
                cleaned["device"] = ip.interface.device
        if address_elsewhere(cleaned.get("ip_address"), cleaned.get("device")):
            self.add_error("ip_address", ADDRESS_ELSEWHERE)
        http = cleaned.get("kind") == CheckKind.HTTP
        for name in self.http_unused:
            if cleaned.get(name) is None and name not in self.errors:
                if http or self.instance.pk:
                    cleaned[name] = getattr(self.instance, name)  # the stored value, or the default
                else:
                    self.add_error(name, forms.Field.default_error_messages["required"])
        if http:
            if not cleaned.get("url") and "url" not in self.errors:
                self.add_error("url", _("An HTTP(S) check needs a URL."))
            # The URL's host, as Check.clean() takes it (the field may not be empty before that runs).
            cleaned["address"] = (urlsplit(cleaned.get("url") or "").hostname or "")[:255]
        elif not cleaned.get("address") and "address" not in self.errors:
            self.add_error("address", _("Give the address to probe, or choose an IP address."))
        if cleaned.get("kind") != CheckKind.SNMP and "credential" in self.fields:
            cleaned["credential"] = None  # an ICMP check keeps no credential
        return cleaned


def _address_label(ip: IPAddress) -> str:
    device = ip.interface.device.name if ip.interface_id else "—"
    return f"{ip.address} ({device})"


class CheckBulkEditForm(BulkEditForm):
    model = models.Check
    fields_to_edit = (
        "interval",
        "timeout",
        "packets",
        "retries",
        "down_after",
        "up_after",
        "flap_low",
        "flap_high",
        "enabled",
        "credential",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not can(user, VIEW, models.SnmpCredential):
            self.fields.pop("credential", None)
            clear = self.fields.get("_clear")
            if clear is not None:
                clear.choices = [c for c in clear.choices if c[0] != "credential"]

    def changed_values(self) -> dict:
        values = super().changed_values()
        if "credential" not in self.fields:
            values.pop("credential", None)
        return values


class SecretWidget(forms.PasswordInput):
    """A secret's box: always rendered empty, whatever was typed or stored."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)


class SecretsForm(BaseModelForm):
    """A form whose secrets are typed, never shown: each box is empty, with a note saying whether one
    is set. An empty box keeps the stored secret; "clear" empties it."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What is stored, read before the form can change the instance: kept when a box stays empty.
        self.stored = {name: getattr(self.instance, name) or "" for name in self.secret_fields}
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            if name not in self.secret_fields:
                continue
            field.initial = None
            if self.stored[name]:
                field.help_text = _("Set. Leave the box empty to keep it, or type a new one to replace it.")
                clear = forms.BooleanField(label=_("Clear the %(field)s") % {"field": field.label}, required=False)
                clear.widget.attrs["class"] = "form-check-input"
                fields[f"clear_{name}"] = clear
            else:
                field.help_text = _("Not set.")
            field.widget.attrs["data-secret"] = "set" if self.stored[name] else "not-set"
        self.fields = fields

    def clean(self) -> dict:
        for name in self.secret_fields:
            if name in self.errors:
                continue
            typed = self.cleaned_data.get(name) or ""
            clear = self.cleaned_data.get(f"clear_{name}", False)
            if typed and clear:
                self.add_error(
                    name,
                    _("Either type a new %(field)s or clear it, not both.") % {"field": self.fields[name].label},
                )
            elif clear:
                self.cleaned_data[name] = ""
            elif not typed:
                self.cleaned_data[name] = self.stored[name]
        return super().clean()


class SnmpCredentialForm(SecretsForm):
    """The secrets are typed, never shown: each box is empty, with a note saying whether one is set.
    An empty box keeps the stored secret; "clear" empties it."""

    community = forms.CharField(
        label=_("community"), required=False, strip=False, max_length=SECRET_MAX_LENGTH, widget=SecretWidget
    )
    auth_key = forms.CharField(
        label=_("v3 authentication key"),
        required=False,
        strip=False,
        max_length=SECRET_MAX_LENGTH,
        widget=SecretWidget,
    )
    priv_key = forms.CharField(
        label=_("v3 privacy key"), required=False, strip=False, max_length=SECRET_MAX_LENGTH, widget=SecretWidget
    )

    secret_fields = SECRET_FIELDS

    class Meta:
        model = models.SnmpCredential
        fields = (
            "name",
            "version",
            "community",
            "username",
            "auth_protocol",
            "auth_key",
            "priv_protocol",
            "priv_key",
            "description",
        )


class MaintenanceWindowForm(BaseModelForm):
    class Meta:
        model = models.MaintenanceWindow
        fields = ("device", "site", "organization", "start", "end", "reason")
        widgets = {
            "start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "end": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = Device.objects.only("name")
        help_text = _("Choose exactly one of a device, a site or an organization.")
        for name in ("device", "site", "organization"):
            self.fields[name].help_text = help_text
        self.fields["start"].help_text = _("In the city's time (WIB).")


class AlertChannelForm(SecretsForm):
    secret_fields = CHANNEL_SECRET_FIELDS
    secret = forms.CharField(
        label=_("secret"), required=False, strip=True, max_length=SECRET_MAX_LENGTH, widget=SecretWidget
    )

    class Meta:
        model = models.AlertChannel
        fields = ("name", "kind", "url", "chat_id", "secret", "enabled", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        note = _("Webhook: the HMAC-SHA256 signing key (optional). Telegram: the bot token (required).")
        self.fields["secret"].help_text = f"{note} {self.fields['secret'].help_text}"


class AlertRuleForm(BaseModelForm):
    class Meta:
        model = models.AlertRule
        fields = (
            "name",
            "channel",
            "organization",
            "site",
            "min_severity",
            "on_down",
            "on_recovery",
            "on_flapping",
            "on_reboot",
            "on_certificate",
            "on_stale",
            "enabled",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = models.AlertChannel.objects.only("name")
