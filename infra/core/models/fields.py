"""Field types with a rule: text with an enforced limit, MAC addresses in one stored form.

Django's ``TextField`` hands ``max_length`` to its form field only: model validation, the API and the
import accept megabytes. ``LimitedTextField`` requires a ``max_length`` and enforces it in model
validation (``full_clean()`` and ``core.validation``, which the web forms, the API and the import all
run); its form field (``maxlength`` on the text area) and its API field (``maxLength`` in the schema)
show it. The system check ``core.E001`` (``core.checks``) refuses a plain ``TextField`` in the
project's apps, so a new text field without a limit fails ``manage.py check`` and the test suite.

The limits by kind of text are the constants below (documented in docs/operations.md, "Security").
"""

import functools
import re

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A description of a record (an OPD, a site, a device, an application...).
DESCRIPTION_MAX_LENGTH = 4000
# Working notes kept on a record over months (a migration's notes).
NOTES_MAX_LENGTH = 8000
# A reason or justification given for one decision (a transition, a gate override, retaining a server).
REASON_MAX_LENGTH = 2000
# A report the application writes itself (an import's summary): cut to fit, never refused.
REPORT_MAX_LENGTH = 10000
# A secret (a community, a key): its clear text; what is stored, encrypted, is longer.
SECRET_MAX_LENGTH = 256


class LimitedTextField(models.TextField):
    """A ``TextField`` whose ``max_length`` is required and checked by model validation, as
    ``CharField``'s is; stored as an unbounded text column, so raising a limit needs no table change."""

    def __init__(self, *args, max_length: int | None = None, **kwargs) -> None:
        if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
            raise TypeError("LimitedTextField needs max_length, a positive whole number.")
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(validators.MaxLengthValidator(self.max_length))

    def fit(self, value: str) -> str:
        """``value`` cut to the limit: for text the application writes itself, never for people's."""
        return value[: self.max_length]


def check_text_limits(instance: models.Model) -> None:
    """Refuse to save ``instance`` while one of its limited text fields is longer than its limit: a
    row stored before the limits existed, or changed by code that skipped validation. Called before
    every logged save, so no change record repeats megabytes of text on the edit of another field.
    Raises ValidationError on each such field; fields not loaded (deferred) are not read."""
    errors = {}
    for field in _limited_fields(type(instance)):
        value = instance.__dict__.get(field.attname)
        if isinstance(value, str) and len(value) > field.max_length:
            errors[field.name] = ValidationError(
                gettext(
                    "%(field)s holds %(length)s characters, more than the %(limit)s allowed: "
                    "shorten it to save this record."
                )
                % {"field": capfirst(field.verbose_name), "length": len(value), "limit": field.max_length},
                code="max_length",
            )
    if errors:
        raise ValidationError(errors)


@functools.cache
def _limited_fields(model: type[models.Model]) -> list[LimitedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, LimitedTextField)]


# The notations of a 48-bit MAC address people copy from devices: six pairs split by ":" or "-"
# (Linux, Windows), three quads split by "." (Cisco), or twelve hex digits (many web UIs, SNMP).
_MAC_NOTATIONS = (
    re.compile(r"([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})"),
    re.compile(r"([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})"),
    re.compile(r"([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})"),
    re.compile(r"([0-9a-f]{12})"),
)


def canonical_mac(value: str) -> str | None:
    """``value`` as the one stored form of a MAC address, lower-case pairs split by colons
    (``aa:bb:cc:dd:ee:ff``), or None when it is none of the accepted notations."""
    text = value.strip().lower()
    for notation in _MAC_NOTATIONS:
        match = notation.fullmatch(text)
        if match:
            digits = "".join(match.groups())
            return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    return None


class MACAddressField(models.CharField):
    """A MAC address: model validation accepts the notations of :func:`canonical_mac` and leaves the
    value in its one stored form, so every door stores the same text. Reading and filtering do not
    validate: a value stored before this rule still loads (and is asked for again at its next edit)."""

    default_error_messages = {
        "invalid_mac": _(
            "Enter a MAC address of 12 hexadecimal digits, such as aa:bb:cc:dd:ee:ff, "
            "AA-BB-CC-DD-EE-FF or aabb.ccdd.eeff."
        ),
    }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 17)
        super().__init__(*args, **kwargs)

    def clean(self, value: object, model_instance: models.Model | None) -> object:
        if isinstance(value, str) and value.strip():
            canonical = canonical_mac(value)
            if canonical is None:
                raise ValidationError(self.error_messages["invalid_mac"], code="invalid_mac", params={"value": value})
            value = canonical
        return super().clean(value, model_instance)


class EncryptedTextField(LimitedTextField):
    """A secret (an SNMP community, a key): stored encrypted (``core.crypto``), read back in clear by
    the code that needs it. Empty stays empty, so "not set" needs no decryption. Never shown: forms
    and serializers treat it as write-only, and the change log holds a keyed digest of it (declare
    the field in the model's ``changelog_redact``)."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        from infra.core import crypto

        try:
            return crypto.decrypt(value)
        except crypto.InvalidToken as error:
            raise ValueError(
                f"{self.model._meta.label}.{self.name} cannot be decrypted with SIMPUL_SECRET_KEYS "
                "(was the key changed without rotating?)"
            ) from error

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        from infra.core import crypto

        return crypto.encrypt(value)
