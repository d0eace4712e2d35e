"""Template helpers shared by every page."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

register = template.Library()

# Bootstrap colour per status/state value, so the same word looks the same everywhere.
STATUS_COLORS = {
    "active": "success",
    "production": "success",
    "integrated": "success",
    "in_use": "primary",
    "planned": "info",
    "development": "info",
    "scheduled": "info",
    "reserved": "warning",
    "under_construction": "warning",
    "offline": "warning",
    "at_risk": "warning",
    "testing": "warning",
    "migrating": "primary",
    "cut_over": "primary",
    "accepted": "success",
    "source_decommissioned": "success",
    "faulty": "danger",
    "broken": "danger",
    "blocked": "danger",
    "not_ready": "danger",
    "decommissioned": "secondary",
    "retired": "secondary",
    "retained": "secondary",
    "spare": "light",
    "on_track": "success",
    "inventoried": "light",
    "assessed": "info",
    "done": "success",
    "in_progress": "primary",
    "critical": "danger",
    "high": "warning",
    "up": "success",
    "down": "danger",
    "queued": "info",
    "running": "primary",
    "lost": "danger",
    # contracts: their state, and whether the registry matches them
    "completed": "success",
    "terminated": "danger",
    "matches": "success",
    "mismatch": "danger",
}


@register.filter
def class_name(obj) -> str:
    return type(obj).__name__


@register.simple_tag
def status_badge(value: str, label: str = "") -> str:
    color = STATUS_COLORS.get(str(value), "secondary")
    text_class = " text-dark" if color in ("light", "warning", "info") else ""
    return format_html(
        '<span class="badge text-bg-{}{}" data-status="{}">{}</span>', color, text_class, value, label or value
    )


@register.simple_tag
def object_url(obj, action: str = "") -> str:
    meta = obj._meta
    name = f"{meta.app_label}:{meta.model_name}{'_' + action if action else ''}"
    try:
        return reverse(name, args=[obj.pk])
    except NoReverseMatch:
        return ""


@register.filter
def version(obj) -> str:
    """The object's version for a form's ``_version`` field (``core.versions``): a write sent with it
    is refused if someone else changed the object in between."""
    from ..versions import etag_for

    return etag_for(obj)


@register.filter
def percent_class(value) -> str:
    """``pct-42`` for a bar 42% wide (simpul/percent.css): widths by class, since the content security
    policy allows no inline style. Rounded and kept within 0-100."""
    try:
        number = round(float(value))
    except (TypeError, ValueError):
        number = 0
    return f"pct-{min(max(number, 0), 100)}"
