"""The home page: the figures a manager and an engineer open the day with."""

from django.utils import timezone
from django.views.generic import TemplateView

from infra.core.models import ObjectChange
from infra.core.permissions import readable_changes
from infra.core.registry import home_panels
from infra.inventory import evidence, indicators
from infra.inventory.choices import FiberLinkStatus, MigrationState
from infra.inventory.selectors import headline_figures, migration_progress


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        progress = migration_progress()
        headline = headline_figures()
        overall = progress.overall
        context.update(
            headline=headline,
            progress=progress,
            states=[(state, overall.by_state[state]) for state in MigrationState],
            fiber_rows=[
                (value, label, headline.fiber_links_by_status[value], headline.fiber_km_by_status[value])
                for value, label in FiberLinkStatus.choices
            ],
            # This year's targets against today's figures (the indicators' fixed queries).
            target_rows=evidence.target_rows(indicators.targeted_figures()),
            target_year=timezone.localdate().year,
            # panels other apps add (the probes' "down now"): each a template and its context
            panels=[
                (panel.template, found) for panel in home_panels() if (found := panel.context(self.request)) is not None
            ],
            recent_changes=readable_changes(self.request.user, ObjectChange.objects.select_related("content_type"))[
                :10
            ],
        )
        return context


def api_not_found(request):
    """Unknown API addresses answer in JSON, like the rest of the API."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    return JsonResponse({"detail": _("No API endpoint at this address. The index is at /api/.")}, status=404)


def bad_request(request, exception=None):
    """Django's 400 for a request it could not read, said clearly: a body too large (413) names the
    limit; the API answers in JSON like the rest of the API, the web with a page."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    if isinstance(exception, RequestDataTooBig):
        status = 413
        message = _(
            "What you sent is too large for one request. Shorten long texts, send fewer objects at once, "
            "or upload a smaller file."
        )
    elif isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        status = 400
        message = _("What you sent has too many fields for one request: send fewer objects at once.")
    else:
        status = 400
        message = _("The request could not be read.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "400.html", {"message": message}, status=status)
