"""The inventory's pages. Generic views do the work; this module names the parts and the extra
context of each detail page (always a fixed number of queries)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_htmx.http import HttpResponseClientRefresh

from infra.core import exports
from infra.core.charts import Series, line_chart
from infra.core.models import ObjectChange
from infra.core.permissions import CHANGE, VIEW, can, can_import
from infra.core.validation import as_id
from infra.core.views import ObjectDetailView, check_version, object_fields, safe_return_url

from . import choices, evidence, filtersets, indicators, models, reconciliation, spreadsheets
from .indicators import parse_as_of
from .selectors import migration_progress, progress_over_time
from .services import imports
from .services.migration import allowed_states, gates, transition
from .spreadsheets import mapping as column_mapping
from .spreadsheets.cells import normalize_header
from .spreadsheets.mapping import ColumnMapping
from .tables import rupiah


class SiteDetailView(ObjectDetailView):
    def get_extra_context(self, request, obj):
        devices = obj.devices.select_related("organization", "rack", "primary_ip", "migration").order_by("name")
        links = models.FiberLink.objects.filter(Q(site_a=obj) | Q(site_b=obj)).select_related("site_a", "site_b")
        return {
            "devices": devices[:200],
            "device_total": obj.devices.count(),
            "devices_url": f"{reverse('inventory:device_list')}?site={obj.pk}",
            "racks": obj.racks.annotate(device_count=Count("devices")),
            "links": links,
            "site_progress": _site_progress(obj),
        }


def _site_progress(site) -> list[tuple[str, str, int]]:
    counts = dict(models.Migration.objects.filter(device__site=site).values_list("state").annotate(n=Count("pk")))
    return [(s.value, s.label, counts.get(s.value, 0)) for s in choices.MigrationState if counts.get(s.value)]


class OrganizationDetailView(ObjectDetailView):
    def get_extra_context(self, request, obj):
        return {
            "contacts": obj.contacts.all(),
            "sites": obj.sites.select_related("region").annotate(device_count=Count("devices")),
            "devices": obj.devices.select_related("site", "primary_ip", "migration").order_by("name")[:200],
            "device_total": obj.devices.count(),
            "devices_url": f"{reverse('inventory:device_list')}?organization={obj.pk}",
            "applications": obj.applications.all(),
            "progress": migration_progress(organization_ids=[obj.pk]),
        }


class DeviceDetailView(ObjectDetailView):
    def get_extra_context(self, request, obj):
        migration = (
            models.Migration.objects.filter(device=obj).select_related("wave", "target_rack", "target_host").first()
        )
        return {
            "interfaces": obj.interfaces.prefetch_related("ip_addresses"),
            "applications": obj.applications.select_related("organization"),
            "guests": obj.guests.all() if obj.kind == choices.DeviceKind.SERVER else [],
            "migration": migration,
            "transitions": migration.transitions.select_related("user") if migration else [],
            "blockers": migration.blockers.all() if migration else [],
            "recent_changes": ObjectChange.objects.for_object(obj).select_related("content_type")[:5],
            "object_fields": _device_fields(obj),
        }


def _device_fields(device: models.Device) -> list[tuple[str, object, str]]:
    """The attribute table, with the acquisition value grouped as Rupiah are written."""
    value = device.acquisition_value
    value_label = models.Device._meta.get_field("acquisition_value").verbose_name
    return [
        (label, rupiah(value) if label is value_label and value is not None else shown, url)
        for label, shown, url in object_fields(device)
    ]


class FiberLinkDetailView(ObjectDetailView):
    def get_extra_context(self, request, obj):
        cores = list(obj.cores.all())
        return {
            "cores": cores,
            "cores_by_state": {s.label: sum(1 for c in cores if c.state == s.value) for s in choices.CoreState},
            "budget_1310": obj.loss_budget_db(choices.Wavelength.NM_1310),
            "budget_1550": obj.loss_budget_db(choices.Wavelength.NM_1550),
        }


class ContractDetailView(ObjectDetailView):
    """A contract with its reconciliation table and what the registry holds under it (the object
    is loaded annotated with the reconciliation: no query per figure)."""

    def get_extra_context(self, request, obj):
        links = obj.fiber_links.select_related("site_a", "site_b").order_by("code")
        devices = obj.devices.select_related("organization", "site", "primary_ip", "migration").order_by("name")
        return {
            "reconciliation": reconciliation.lines(obj),
            "km_tolerance": reconciliation.KM_TOLERANCE * 100,
            "links": links[:200],
            "link_total": obj.registry_links,
            "links_url": f"{reverse('inventory:fiberlink_list')}?contract={obj.pk}",
            "devices": devices[:200],
            "device_total": obj.registry_devices,
            "devices_url": f"{reverse('inventory:device_list')}?contract={obj.pk}",
            "object_fields": _contract_fields(obj),
        }


def _contract_fields(contract: models.Contract) -> list[tuple[str, object, str]]:
    """The attribute table, with the value grouped as Rupiah are written."""
    value_label = models.Contract._meta.get_field("value").verbose_name
    return [
        (label, rupiah(contract.value) if label is value_label and contract.value is not None else shown, url)
        for label, shown, url in object_fields(contract)
    ]


class MigrationDetailView(ObjectDetailView):
    def get_extra_context(self, request, obj):
        return {
            "transitions": obj.transitions.select_related("user"),
            "blockers": obj.blockers.all(),
            "next_states": [choices.MigrationState(s) for s in allowed_states(obj.state)],
            "gates": gates(obj),
        }


class MigrationWaveDetailView(ObjectDetailView):
    def get_extra_context(self, request, obj):
        return {
            "migrations": obj.migrations.select_related("device", "device__organization").order_by("device__name"),
            "progress": migration_progress(wave_id=obj.pk),
        }


class MigrationTransitionView(View):
    """Moves a migration to another state (POST from its page or the board)."""

    def post(self, request, pk: int):
        migration = get_object_or_404(models.Migration.objects.select_related("device"), pk=pk)
        if not can(request.user, CHANGE, migration):
            raise PermissionDenied
        try:
            with transaction.atomic():
                # The move is checked against the migration as the page showed it, its row locked.
                check_version(migration, request.POST.get("_version", ""))
                transition(
                    migration,
                    request.POST.get("to_state", ""),
                    user=request.user,
                    reason=request.POST.get("reason", "").strip(),
                    override_reason=request.POST.get("override_reason", "").strip(),
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(server)s moved to %(state)s.")
                % {"server": migration.device, "state": migration.get_state_display()},
            )
        return HttpResponseRedirect(safe_return_url(request, migration.get_absolute_url()))


# Multipart boundaries, the CSRF token and the kind around the file: what a request may add to it.
UPLOAD_OVERHEAD = 64 * 1024
# A request too large to take is still read (and thrown away) up to this much, so the browser,
# still sending, receives the page that says why; past it, the connection is simply closed.
DISCARD_AT_MOST = 256 * 1024 * 1024


@method_decorator(csrf_exempt, name="dispatch")
class ImportView(View):
    """Upload a CSV/XLSX file; the background worker checks it and the job's page shows the result.

    The request only stores the file and queues its check (``services.imports``): nothing here
    waits on the file's rows. The CSRF check would read the whole body first, so it runs only
    once the body's size is known to be within the limit (``_post``).
    """

    def get(self, request):
        return _import_page(request, selected=request.GET.get("kind"))

    def post(self, request):
        kinds = _import_kinds(request)
        limit = settings.SIMPUL_IMPORT_MAX_BYTES
        length = _content_length(request)
        if length > limit + UPLOAD_OVERHEAD:
            _discard_body(request, length)
            return _import_page(request, kinds, status=413, file_error=imports.too_large(length, limit))
        return self._post(request, kinds)

    @method_decorator(csrf_protect)
    def _post(self, request, kinds):
        if request.POST.get("confirm"):
            return self._confirm(request)
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        # One byte past the limit is enough to refuse a file that is too large.
        data = upload.read(settings.SIMPUL_IMPORT_MAX_BYTES + 1) if upload is not None else b""
        try:
            job = imports.submit(
                user=request.user,
                kind=kind,
                file_name=upload.name if upload else "",
                data=data,
                size=upload.size if upload else None,
                language=getattr(request, "LANGUAGE_CODE", ""),
                saved_mapping=request.POST.get("saved_mapping") or None,
                create_missing=bool(request.POST.get("create_missing")),
            )
        except imports.FileRefused as exc:
            return _import_page(request, kinds, status=400, selected=kind, file_error=exc.message)
        return HttpResponseRedirect(reverse("inventory:import_job", args=[job.token]))

    def _confirm(self, request):
        try:
            job = imports.confirm(
                user=request.user, token=request.POST.get("token", ""), checked=request.POST.get("checked")
            )
        except imports.ConfirmRefused as exc:
            return _refused(request, exc)
        return HttpResponseRedirect(reverse("inventory:import_job", args=[job.token]))


def _refused(request, exc: imports.ConfirmRefused) -> HttpResponse:
    """Say why; back to the job when its file is still there to look at, else to the upload form."""
    messages.error(request, exc.message)
    if exc.token:
        return HttpResponseRedirect(reverse("inventory:import_job", args=[exc.token]))
    query = f"?kind={exc.kind}" if exc.kind else ""
    return HttpResponseRedirect(reverse("inventory:import") + query)


def _import_page(request, kinds=None, *, status: int = 200, **context) -> HttpResponse:
    """The import page (the form, and a job's progress, preview or result when ``context`` has one)."""
    kinds = kinds or _import_kinds(request)
    labels = {kind: label for kind, label, _allowed in kinds}
    mappings = imports.saved_mappings(request.user)
    context.update(
        kinds=kinds,
        limits=imports.Limits.from_settings(),
        saved_mappings=[(m, labels.get(m.kind, m.kind)) for m in mappings],
    )
    return render(request, "inventory/import.html", context, status=status)


def _import_kinds(request) -> list[tuple[str, str, bool]]:
    """The kinds of file, with whether the user may import each; PermissionDenied when none."""
    kinds = [
        (kind, str(sheet.model._meta.verbose_name_plural), can_import(request.user, sheet.model))
        for kind, sheet in spreadsheets.SHEETS.items()
    ]
    if not any(allowed for _kind, _label, allowed in kinds):
        raise PermissionDenied
    return kinds


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _discard_body(request, length: int) -> None:
    """Read and drop a refused request's body, in small pieces, neither kept in memory nor on disk."""
    remaining = min(length, DISCARD_AT_MOST)
    while remaining > 0:
        chunk = request.read(min(remaining, 64 * 1024))
        if not chunk:
            break
        remaining -= len(chunk)


def _own_job(request, token) -> models.ImportJob:
    """The caller's own job: anybody else's is not found."""
    return get_object_or_404(models.ImportJob, token=token, user_id=request.user.pk)


class ImportJobView(View):
    """One upload: its progress while the worker checks or imports it, then its preview or its result."""

    def get(self, request, token):
        kinds = _import_kinds(request)
        job = _own_job(request, token)
        context = {"selected": job.kind, "job": job, "file_name": job.file_name}
        preview = imports.preview(job)
        if preview is not None:
            context.update(
                header=preview.header,
                rows=preview.rows,
                row_count=preview.row_count,
                errors=preview.errors,
                bad_row_count=preview.bad_row_count,
                file_errors=preview.file_errors,
                result=preview.result,
                token=str(job.token) if job.status == choices.ImportStatus.STAGED else "",
                preview_limit=preview.limit,
                header_row=preview.header_row,
                skipped=preview.skipped,
                counts=preview.counts,
                created_refs=preview.created_refs,
            )
            if preview.proposal is not None and job.data is not None and not job.is_running:
                context["panel"] = _mapping_panel(job, preview.proposal)
        sheet = spreadsheets.SHEETS.get(job.kind)
        if job.status == choices.ImportStatus.IMPORTED and sheet is not None:
            meta = sheet.model._meta
            try:
                context["list_url"] = reverse(sheet.list_url or f"inventory:{meta.model_name}_list")
            except NoReverseMatch:
                pass  # an app's kind whose list is not served here: the page shows no link
            context["list_label"] = meta.verbose_name_plural
        return _import_page(request, kinds, **context)


def _how_labels(saved: str) -> dict[str, str]:
    """How a proposed column was found, as the mapping panel's badge says it; a mapping given
    without a name is the one chosen in the panel before."""
    return {**column_mapping.how_labels(), "mapping": _("saved mapping") if saved else _("your choice")}


def _mapping_panel(job, proposal: dict) -> dict:
    """What the mapping panel shows: each file column with its proposal, and a value for the others."""
    columns = imports.template_columns(job.kind)
    hows = _how_labels(proposal.get("saved", ""))
    mapped = {c["column"] for c in proposal["columns"] if c["column"]}
    constants = proposal.get("constants") or {}
    missing = set(proposal.get("missing") or [])
    unfilled = [
        {"column": c, "value": constants.get(c.name, ""), "missing": c.name in missing}
        for c in columns
        if c.name not in mapped
    ]
    return {
        "columns": [dict(c, how_label=hows.get(c["how"], c["how"])) for c in proposal["columns"]],
        "options": columns,
        "needed": [u for u in unfilled if u["missing"] or u["value"]],
        "optional": [u for u in unfilled if not (u["missing"] or u["value"])],
        "saved": proposal.get("saved", ""),
        "create_missing": job.create_missing,
    }


def _posted_mapping(request, job, proposal: dict) -> tuple[ColumnMapping, list[str]]:
    """The mapping the panel posted, and what is wrong with it (each in a sentence)."""
    names = {c.name for c in imports.template_columns(job.kind)}
    columns: dict[str, str] = {}
    by_column: dict[str, str] = {}
    problems: list[str] = []
    for entry in proposal["columns"]:
        value = request.POST.get(f"column-{entry['index']}", "").strip()
        if value and value not in names:
            problems.append(_("“%(title)s”: choose one of the listed columns.") % {"title": entry["title"]})
            continue
        if value and value in by_column:
            problems.append(
                _("“%(first)s” and “%(second)s” are both read as %(column)s: ignore one of them.")
                % {"first": by_column[value], "second": entry["title"], "column": value}
            )
            continue
        if value:
            by_column[value] = entry["title"]
        columns[entry.get("key") or normalize_header(entry["title"])] = value
    constants: dict[str, str] = {}
    for name in sorted(names):
        value = request.POST.get(f"constant-{name}", "").strip()
        if not value:
            continue
        if name in by_column:
            problems.append(
                _("%(column)s is read from “%(title)s” and also given for every row: keep only one.")
                % {"column": name, "title": by_column[name]}
            )
            continue
        constants[name] = value
    mapping = ColumnMapping(columns=columns, constants=constants, name="")
    return mapping, problems


class ImportRecheckView(View):
    """Check a job's file again with the mapping edited in the panel (and save it under a name)."""

    def post(self, request, token):
        _import_kinds(request)
        job = _own_job(request, token)
        if job.is_running:
            # A second click while the first one's check runs: its page shows that check's progress.
            return HttpResponseRedirect(reverse("inventory:import_job", args=[job.token]))
        preview = imports.preview(job)
        if preview is None or preview.proposal is None:
            messages.error(request, _("This import is no longer pending: upload the file again."))
            return HttpResponseRedirect(reverse("inventory:import") + f"?kind={job.kind}")
        mapping, problems = _posted_mapping(request, job, preview.proposal)
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return HttpResponseRedirect(reverse("inventory:import_job", args=[job.token]))
        try:
            job = imports.recheck(
                user=request.user,
                token=job.token,
                mapping=mapping,
                create_missing=bool(request.POST.get("create_missing")),
                save_as=request.POST.get("save_as", ""),
            )
        except imports.ConfirmRefused as exc:
            return _refused(request, exc)
        return HttpResponseRedirect(reverse("inventory:import_job", args=[job.token]))


class ImportMappingDeleteView(View):
    """Delete a saved mapping (engineers who may import its kind)."""

    def post(self, request, pk: int):
        _import_kinds(request)
        try:
            saved = imports.delete_mapping(user=request.user, pk=pk)
        except imports.ConfirmRefused as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("inventory:import"))
        messages.success(request, _("The mapping %(name)s was deleted.") % {"name": saved.name})
        return HttpResponseRedirect(reverse("inventory:import") + f"?kind={saved.kind}")


class ImportProgressView(View):
    """The progress bar of a running job, polled by the page; once the job is done the page reloads."""

    def get(self, request, token):
        _import_kinds(request)
        job = _own_job(request, token)
        if not job.is_running:
            if request.htmx:
                return HttpResponseClientRefresh()
            return HttpResponseRedirect(reverse("inventory:import_job", args=[job.token]))
        return render(request, "inventory/_import_progress.html", {"job": job})


class ImportTemplateView(View):
    """An empty spreadsheet with the columns of one kind (XLSX with a sheet of instructions)."""

    def get(self, request, kind: str, fmt: str):
        if kind not in spreadsheets.SHEETS or fmt not in spreadsheets.FORMATS:
            raise Http404
        return exports.file_response(
            lambda stream, fmt: spreadsheets.write_template(kind, stream, format=fmt), f"template-{kind}", fmt
        )


BOARD_CARDS_PER_STATE = 60


class MigrationBoardView(View):
    """Servers as cards in one column per state; each card offers only the moves allowed from there."""

    template_name = "inventory/migration_board.html"

    def get(self, request):
        if not can(request.user, VIEW, models.Migration):
            raise PermissionDenied
        filterset = filtersets.MigrationFilterSet(request.GET, queryset=models.Migration.objects.all())
        base = filterset.qs if filterset.is_valid() else models.Migration.objects.none()
        counts = dict(base.order_by().values_list("state").annotate(n=Count("pk")))
        open_blockers = Count("blockers", filter=Q(blockers__resolved_on__isnull=True))
        columns = []
        for state in choices.MigrationState:
            cards = []
            if counts.get(state.value):
                # One query per state: a fixed number, whatever the number of servers.
                cards = list(
                    base.filter(state=state.value)
                    .select_related("device", "device__organization", "wave")
                    .annotate(open_blockers=open_blockers)
                    .order_by("state_changed_at")[:BOARD_CARDS_PER_STATE]
                )
            for card in cards:
                card.editable = can(request.user, CHANGE, card)
            columns.append(
                {
                    "state": state,
                    "count": counts.get(state.value, 0),
                    "cards": cards,
                    "next_states": [choices.MigrationState(s) for s in allowed_states(state.value)],
                }
            )
        return render(
            request,
            self.template_name,
            {
                "columns": columns,
                "filter_form": filterset.panel_form,
                "filter_errors": filterset.errors,
                "total": sum(counts.values()),
                "list_url": reverse("inventory:migration_list"),
                "query": request.GET.urlencode(),
            },
        )


class MigrationProgressView(View):
    """Progress per OPD and per wave, and servers moved over time against the yearly targets."""

    template_name = "inventory/migration_progress.html"

    def get(self, request):
        if not can(request.user, VIEW, models.Migration):
            raise PermissionDenied
        # Ids a database can hold, in ASCII digits: anything else ("²", 10**30) filters nothing.
        organization_ids = [pk for pk in map(as_id, request.GET.getlist("organization")) if pk is not None] or None
        wave_id = as_id(request.GET.get("wave"))
        progress = migration_progress(organization_ids=organization_ids, wave_id=wave_id)
        points = progress_over_time(organization_ids=organization_ids, wave_id=wave_id)
        series = [Series(_("Servers cut over"), [p.moved for p in points], "#1f5fbf")]
        if any(p.target is not None for p in points):
            series.append(Series(_("Yearly target"), [p.target for p in points], "#d62828", dashed=True))
        chart = line_chart(
            [date_format(p.month, "M Y") for p in points], series, title=_("Servers moved into the data center")
        )
        return render(
            request,
            self.template_name,
            {
                "progress": progress,
                "chart": chart,
                "targets": models.YearTarget.objects.all(),
                # This year's targets against today's figures: the indicators' fixed queries.
                "target_rows": evidence.target_rows(indicators.targeted_figures()),
                "target_year": timezone.localdate().year,
                "organizations": models.Organization.objects.order_by("short_name").only("short_name"),
                "waves": models.MigrationWave.objects.all(),
                "selected_organizations": organization_ids or [],
                "selected_wave": wave_id,
                "states": list(choices.MigrationState),
            },
        )


class EvidenceView(View):
    """The SPBE indicator figures for an auditor ("Bukti"): every figure at a date with its definition,
    its target for that year and a link to the objects behind it; XLSX and PDF with a signature block
    (``?export=``). A fixed number of queries: ``indicators.figures``' eight at most."""

    template_name = "inventory/evidence.html"

    def get(self, request):
        if not can(request.user, VIEW, models.YearTarget):
            raise PermissionDenied
        try:
            as_of = parse_as_of(request.GET.get("as_of"))
        except indicators.BadDate as error:
            context = {"error": str(error), "as_of": None, "today": timezone.localdate()}
            return render(request, self.template_name, context, status=400)
        figures = indicators.figures(as_of)
        day = figures[0].as_of
        export = request.GET.get("export")
        if export in evidence.FORMATS:
            return evidence.response(figures, day, export, request.user)
        query = f"?as_of={day.isoformat()}" if as_of else ""
        return render(
            request,
            self.template_name,
            {
                "rows": evidence.rows(figures),
                "as_of": day,
                "is_today": as_of is None,
                "today": timezone.localdate(),
                "query": query,
                "downloads": [(fmt, f"?as_of={day.isoformat()}&export={fmt}") for fmt in evidence.FORMATS],
            },
        )


class EvidenceObjectsView(View):
    """The objects behind one figure at a date, as they were then, a page of them at a time."""

    template_name = "inventory/evidence_objects.html"
    per_page = 100

    def get(self, request, key: str):
        if not can(request.user, VIEW, models.YearTarget):
            raise PermissionDenied
        if key not in indicators.INDICATORS:
            raise Http404
        try:
            as_of = parse_as_of(request.GET.get("as_of"))
        except indicators.BadDate as error:
            return render(request, self.template_name, {"error": str(error)}, status=400)
        figure = indicators.figure(key, as_of)
        page = Paginator(figure.result.objects, self.per_page).get_page(request.GET.get("page"))
        detail_keys = list(dict.fromkeys(k for o in figure.result.objects for k in o.details))
        query = f"?as_of={figure.as_of.isoformat()}" if as_of else ""
        return render(
            request,
            self.template_name,
            {
                "row": evidence.rows([figure])[0],
                "as_of": figure.as_of,
                "page": page,
                "columns": [(evidence.detail_label(k), k in evidence.NUMERIC_DETAILS) for k in detail_keys],
                "objects": [
                    (o, [(o.details.get(k), k in evidence.NUMERIC_DETAILS) for k in detail_keys])
                    for o in page.object_list
                ],
                "query": query,
                "evidence_url": reverse("inventory:evidence") + query,
            },
        )
