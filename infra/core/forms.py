"""Form bases: Bootstrap styling, the version stamp for safe concurrent edits, bulk edit forms."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .permissions import link_errors, role_of
from .versions import etag_for
from .widgets import ObjectPicker, ObjectPickerMultiple


def form_key(form_class: type) -> str:
    """ "inventory.IPAddressForm" for infra.inventory.forms.IPAddressForm."""
    return f"{form_class.__module__.split('.')[-2]}.{form_class.__name__}"


def style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            continue
        if isinstance(widget, (forms.CheckboxInput,)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")
        if isinstance(field, forms.DateField):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"


class LoginForm(AuthenticationForm):
    """Django's form, with a refusal that reads well in Indonesian (Django's own names the username
    field inside a sentence that already says it: "nama pengguna nama pengguna")."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Capital and small letters count."),
    }


class OwnPasswordForm(PasswordChangeForm):
    """A user's own password change: Django's form (old password, the policy), styled, and a new
    password must differ from the old one (a one-time password an administrator gave cannot stay)."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_unchanged": _("Choose a password different from the one you have now."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        password = cleaned.get("new_password2")
        if password and not self.errors and self.user.check_password(password):
            self.add_error(
                "new_password2",
                forms.ValidationError(self.error_messages["password_unchanged"], code="password_unchanged"),
            )
        return cleaned


# Edit forms by key ("inventory.IPAddressForm"), for the picker view to rebuild a field's choices.
FORMS: dict[str, type["BaseModelForm"]] = {}


class BaseModelForm(forms.ModelForm):
    """A model form that knows its user and carries the version (last update) it was opened at.

    A choice of related objects becomes a picker (``ObjectPicker``): a plain select while the
    choices are few, a search box over the server's objects when they are thousands.
    """

    _version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The fields a picker searches, by form field; by default the related model's display_fields.
    picker_search: dict[str, tuple[str, ...]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        FORMS[form_key(cls)] = cls

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and type(field.widget) in (forms.Select, forms.SelectMultiple):
                many = isinstance(field, forms.ModelMultipleChoiceField)
                picker = (ObjectPickerMultiple if many else ObjectPicker)(attrs=field.widget.attrs)
                picker.choices = field.widget.choices
                picker.picker_url = reverse("pick", args=[form_key(type(self)), name])
                field.widget = picker
        if self.instance.pk:
            # The version the page was opened at: the save is checked against it (core.versions).
            self.fields["_version"].initial = etag_for(self.instance)
        if "organization" in self.fields and role_of(user) == Role.OPD_OPERATOR:
            field = self.fields["organization"]
            field.queryset = field.queryset.filter(pk=user.organization_id)
            field.initial = user.organization_id
        style(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        # Records linked into this one (an application's servers) must be the user's to link.
        for name, messages in link_errors(self.user, self.instance, cleaned).items():
            for message in messages:
                self.add_error(name, message)
        return cleaned


class BulkEditForm(forms.Form):
    """Fields left empty stay as they are; fields ticked in "clear" are emptied."""

    model = None
    fields_to_edit: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in fields_for_model(self.model, fields=self.fields_to_edit).items():
            field.required = False
            if isinstance(field, forms.TypedChoiceField) or isinstance(field, forms.ChoiceField):
                field.choices = [("", "—"), *[c for c in field.choices if c[0] != ""]]
            if isinstance(field, forms.BooleanField):
                field = forms.NullBooleanField(label=field.label, required=False)
            self.fields[name] = field
        nullable = [
            (n, self.model._meta.get_field(n).verbose_name)
            for n in self.fields_to_edit
            if self.model._meta.get_field(n).null or self.model._meta.get_field(n).blank
        ]
        if nullable:
            self.fields["_clear"] = forms.MultipleChoiceField(
                label=_("Clear these fields"), choices=nullable, required=False, widget=forms.CheckboxSelectMultiple
            )
        if "organization" in self.fields and role_of(user) == Role.OPD_OPERATOR:
            self.fields["organization"].queryset = self.fields["organization"].queryset.filter(pk=user.organization_id)
        style(self)

    def changed_values(self) -> dict:
        values = {}
        for name in self.fields_to_edit:
            value = self.cleaned_data.get(name)
            if value not in (None, "", []) and name in self.data:
                values[name] = value
        for name in self.cleaned_data.get("_clear", []):
            field = self.model._meta.get_field(name)
            values[name] = None if field.null else ""
        return values
