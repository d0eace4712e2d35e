"""The diagram filter form: one set of rules and messages for the web page, the API and the CLI.

Objects are named the way people name them (an OPD by its short name, a site by its name, a region by
its name or Kemendagri code, a wave by its name) or by id; what does not exist, and a request that
cannot be drawn (a date before the change history, a view that needs a site without one), is refused
with a message in the user's language.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from diagrams import FORMATS, ORIENTATIONS, SIZES
from infra.core.forms import style
from infra.inventory.choices import FiberLinkStatus, MigrationState, SiteKind
from infra.inventory.models import MigrationWave, Organization, Region, Site

from . import selectors
from .builders import FIBER_STATUS_VIEWS, NEEDS_ORGANIZATION, NEEDS_SITE, SERVER_STATUS_VIEWS, VIEWS, DiagramParams
from .builders.params import COLOUR_BY


class LookupField(forms.CharField):
    """An object named by id or by one of its names (case does not matter); unknown or ambiguous
    names are refused with the field's own message."""

    def __init__(self, model, names: tuple[str, ...], unknown: str, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.model, self.names, self.unknown = model, names, unknown

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        manager = self.model.objects
        if text.isdigit():
            found = manager.filter(pk=int(text)).first()
            if found is not None:
                return found
        for name in self.names:
            matches = list(manager.filter(**{f"{name}__iexact": text})[:2])
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise ValidationError(
                    _("More than one matches “%(value)s”: give its id instead."),
                    code="ambiguous",
                    params={"value": text},
                )
        raise ValidationError(self.unknown, code="unknown", params={"value": text})


def _status_choices() -> list[tuple[str, object]]:
    return [
        ("", "---------"),
        (_("Migration state"), list(MigrationState.choices)),
        (_("Fiber link status"), list(FiberLinkStatus.choices)),
    ]


class DiagramForm(forms.Form):
    """What to draw (view, filters, date, colours) and how to deliver it (paper, orientation, format)."""

    view = forms.ChoiceField(
        label=_("View"),
        choices=[(name, label) for name, (label, _builder) in VIEWS.items()],
        error_messages={"invalid_choice": _("Unknown view “%(value)s”.")},
    )
    organization = LookupField(
        Organization, ("short_name", "name"), _("Unknown OPD “%(value)s”."), label=_("OPD"), max_length=150
    )
    region = LookupField(Region, ("code", "name"), _("Unknown region “%(value)s”."), label=_("Region"), max_length=100)
    site = LookupField(Site, ("name",), _("Unknown site “%(value)s”."), label=_("Site"), max_length=150)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_status_choices,
        error_messages={"invalid_choice": _("Unknown status “%(value)s”.")},
    )
    wave = LookupField(MigrationWave, ("name",), _("Unknown wave “%(value)s”."), label=_("Wave"), max_length=100)
    as_of = forms.CharField(
        label=_("As of"),
        required=False,
        max_length=40,
        help_text=_("A date (2025-12-31) or a date and time: the registry as it was then. Empty: now."),
    )
    colour_by = forms.ChoiceField(
        label=_("Colour by"),
        required=False,
        choices=[("migration", _("Migration state")), ("reachability", _("Reachability (now)"))],
        error_messages={"invalid_choice": _("Colour by “%(value)s” is not known: use migration or reachability.")},
    )
    paper = forms.ChoiceField(
        label=_("Paper"),
        required=False,
        choices=[(s, s) for s in SIZES],
        error_messages={"invalid_choice": _("Unknown paper size “%(value)s”: use A4 or A3.")},
    )
    orientation = forms.ChoiceField(
        label=_("Orientation"),
        required=False,
        choices=[("landscape", _("Landscape")), ("portrait", _("Portrait"))],
        error_messages={"invalid_choice": _("Unknown orientation “%(value)s”: use landscape or portrait.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[(f, f.upper()) for f in FORMATS],
        error_messages={"invalid_choice": _("Unknown format “%(value)s”: use SVG, PDF, PNG or DOT.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    # --- single fields ------------------------------------------------------------------------------
    def clean_paper(self) -> str:
        return self.cleaned_data.get("paper") or SIZES[0]

    def clean_orientation(self) -> str:
        return self.cleaned_data.get("orientation") or ORIENTATIONS[0]

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or FORMATS[0]

    def clean_colour_by(self) -> str:
        return self.cleaned_data.get("colour_by") or COLOUR_BY[0]

    def clean_as_of(self) -> tuple[datetime.datetime, bool] | None:
        """(the moment, given as a date?) or None. A date means the end of that day in the city."""
        text = (self.cleaned_data.get("as_of") or "").strip()
        if not text:
            return None
        moment, is_date = _parse_moment(text)
        if moment is None:
            raise ValidationError(
                _("“%(value)s” is not a date: write it as 2025-12-31 or 31/12/2025 (a time may follow)."),
                code="invalid",
                params={"value": text},
            )
        now = timezone.now()
        if (is_date and moment.date() > timezone.localdate()) or (not is_date and moment > now):
            raise ValidationError(
                _("The date is in the future: a diagram shows what was, not what will be."), code="future"
            )
        start = selectors.history_start()
        if start is None or moment < start:
            if start is None:
                raise ValidationError(
                    _("The change history is empty: there is no past to draw yet."), code="no_history"
                )
            raise ValidationError(
                _("The change history begins on %(start)s: no diagram can be drawn for an earlier date."),
                code="before_history",
                params={"start": formats.date_format(timezone.localtime(start), "j F Y, H:i")},
            )
        return moment, is_date

    # --- the whole ----------------------------------------------------------------------------------
    def clean(self) -> dict:
        cleaned = super().clean()
        view = cleaned.get("view")
        if view in NEEDS_SITE and not cleaned.get("site") and "site" not in self.errors:
            self.add_error("site", ValidationError(_("This view draws one site: choose the site."), code="required"))
        if view in NEEDS_ORGANIZATION and not cleaned.get("organization") and "organization" not in self.errors:
            self.add_error(
                "organization", ValidationError(_("This view draws one OPD: choose the OPD."), code="required")
            )
        site = cleaned.get("site")
        if view == "datacenter" and site is not None and site.kind != SiteKind.DATA_CENTER:
            self.add_error(
                "site",
                ValidationError(
                    _("%(site)s is not a data center."), code="not_data_center", params={"site": site.name}
                ),
            )
        status = cleaned.get("status")
        if view and status:
            if status in FiberLinkStatus.values and view not in FIBER_STATUS_VIEWS:
                self.add_error("status", ValidationError(_("This view draws no fiber links."), code="status_view"))
            if status in MigrationState.values and view not in SERVER_STATUS_VIEWS:
                self.add_error("status", ValidationError(_("This view draws no servers."), code="status_view"))
        if cleaned.get("colour_by") == "reachability" and cleaned.get("as_of"):
            self.add_error(
                "colour_by",
                ValidationError(
                    _("Reachability is known for now only: draw a past date coloured by migration state."),
                    code="reachability_past",
                ),
            )
        return cleaned

    def params(self) -> DiagramParams:
        """The cleaned values as the builders take them (call after ``is_valid()``)."""
        data = self.cleaned_data
        as_of = data.get("as_of")
        return DiagramParams(
            view=data["view"],
            organization=data.get("organization"),
            region=data.get("region"),
            site=data.get("site"),
            status=data.get("status") or "",
            wave=data.get("wave"),
            as_of=as_of[0] if as_of else None,
            as_of_is_date=as_of[1] if as_of else False,
            colour_by=data.get("colour_by") or COLOUR_BY[0],
            paper=data.get("paper") or SIZES[0],
            orientation=data.get("orientation") or ORIENTATIONS[0],
            format=data.get("format") or FORMATS[0],
        )


def _parse_moment(text: str) -> tuple[datetime.datetime | None, bool]:
    """A date (ISO or dd/mm/yyyy, the end of that day in the city) or an ISO date and time (without an
    offset: the city's time)."""
    day = None
    try:
        day = parse_date(text)
        if day is None and "/" in text:
            day = datetime.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        day = None
    if day is not None:
        end = datetime.datetime.combine(day, datetime.time.max)
        return timezone.make_aware(end, timezone.get_default_timezone()), True
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        return None, False
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment, False
