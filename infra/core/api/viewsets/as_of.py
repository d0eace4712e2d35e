"""Historical lists: ``?as_of=`` answered from the change log (infra.core.history)."""

from __future__ import annotations

from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions

from ... import exports
from ...filtersets import to_utc
from ...history import as_of_columns, history_starts, state_as_of
from ..serializers import (
    api_url_for,
)
from .as_of_filters import _ALL, _exact_test, _range_filter_of, as_of_test
from .exports import EXPORT_FORMATS, _flat

# Query parameters that are not filters (of a historical list or of any list).
CONTROL_PARAMS = ("as_of", "limit", "offset", "after_id", "format", "brief", "ordering")


class AsOfMixin:
    """``?as_of=<time>`` on a list: the records as they were then, rebuilt from the change log."""

    # Filter paths that cross a relation, answered from a key ``as_of_annotate`` adds (e.g. a
    # migration's "device__organization" from its "organization_id" then).
    as_of_paths: dict[str, str] = {}
    # Keys a viewset's ``as_of_annotate`` adds to each historical row, in the order exports show them.
    as_of_extra_columns: tuple[str, ...] = ()

    def as_of_annotate(self, rows: list[dict], moment) -> None:
        """Add to each historical row what the live list computes (a migration's OPD, a device's
        migration state), as of ``moment``: before the filters, so that they can filter on it. A fixed
        number of queries whatever the number of rows."""

    def list(self, request, *args, **kwargs):
        as_of = request.query_params.get("as_of")
        if as_of:
            return self._list_as_of(request, as_of)
        return super().list(request, *args, **kwargs)

    def _list_as_of(self, request, raw: str):
        moment = self._as_of_moment(raw)
        # A secret's log entry is a marker, not a value: a historical row leaves it out.
        secrets = _secret_names(self.model)
        matches = self._as_of_filter(request.query_params, secrets)  # a filter history cannot answer: 400 first
        rows = state_as_of(self.model, moment)
        self.as_of_annotate(rows, moment)
        rows = [{k: v for k, v in r.items() if k not in secrets} for r in rows if matches(r)]
        for row in rows:
            row["as_of_change"] = timezone.localtime(row["as_of_change"]).isoformat()
        fmt = request.query_params.get("format")
        if fmt in EXPORT_FORMATS:
            self._add_related_as_of(rows, moment, as_text=True)
            columns = [c for c in as_of_columns(self.model) if c not in secrets]
            header = [*columns, *(f.name for f in self._foreign_keys()), *self.as_of_extra_columns]
            table = [header, *([_flat(row.get(c)) for c in header] for row in rows)]
            return exports.response(table, self.export_name(), fmt)
        page = self.paginate_queryset(rows)
        self._add_related_as_of(page, moment)
        return self.get_paginated_response(page)

    @staticmethod
    def _as_of_moment(raw: str):
        """The moment asked for, in UTC; 400 unless it is a time with its offset, not in the future,
        and not before the change log starts (before it, the log cannot say what the inventory was)."""
        try:
            moment = parse_datetime(raw.replace(" ", "+"))  # a "+" left unencoded in the URL arrives as a space
        except ValueError:  # well formed, but no such day or hour
            moment = None
        if moment is None or moment.tzinfo is None:
            raise exceptions.ValidationError(
                {"as_of": [_("Give a date and time with its offset, e.g. 2025-12-31T23:59:59+07:00.")]}
            )
        try:
            moment = to_utc(moment)
        except OverflowError:
            raise exceptions.ValidationError({"as_of": [_("This date and time is out of range.")]}) from None
        if moment > timezone.now():
            raise exceptions.ValidationError({"as_of": [_("This moment is in the future: give one up to now.")]})
        starts = history_starts()
        if starts is not None and moment < starts:
            raise exceptions.ValidationError(
                {
                    "as_of": [
                        _("The change history starts on %(date)s: there is no record of the inventory before it.")
                        % {"date": timezone.localtime(starts).isoformat(timespec="seconds")}
                    ]
                }
            )
        return moment

    def _as_of_filter(self, params, hidden: set[str] = frozenset()):
        """A test of a historical row for the list's filters: each filter of the list's filter set
        applied to the row's values then (and to what ``as_of_annotate`` adds), its value checked by
        the filter set's own form first. A filter that history cannot answer is a 400 naming it."""
        data = params.copy()
        for name in CONTROL_PARAMS:
            data.pop(name, None)
        filterset_class = getattr(self, "filterset_class", None)
        filters, cleaned = {}, {}
        if filterset_class is not None and data:
            filterset = filterset_class(data=data, queryset=self.model.objects.none(), request=self.request)
            if not filterset.is_valid():
                raise exceptions.ValidationError(filterset.errors)
            filters, cleaned = filterset.filters, filterset.form.cleaned_data
        known = {c for c in (*as_of_columns(self.model), *self.as_of_extra_columns) if c not in hidden}
        tests, refused, done = [], {}, set()
        for key in data:
            name = key if key in filters else _range_filter_of(key, filters)
            if name is None:
                column = next((c for c in (f"{key}_id", key) if c in known), None)
                if column is None:
                    refused[key] = [_("This filter is not available with as_of.")]
                else:
                    tests.append(_exact_test(column, set(data.getlist(key))))
                continue
            if name in done:
                continue
            done.add(name)
            test = as_of_test(self, filters[name], cleaned.get(name), known)
            if test is None:
                refused[key] = [_("This filter is not available with as_of.")]
            elif test is not _ALL:
                tests.append(test)
        if refused:
            raise exceptions.ValidationError(refused)
        return lambda row: all(test(row) for test in tests)

    def _foreign_keys(self) -> list:
        return [f for f in self.model._meta.concrete_fields if f.is_relation]

    def _add_related_as_of(self, rows: list[dict], moment, as_text: bool = False) -> None:
        """Each foreign key as {id, url, display}, its display as it was at ``moment`` (two queries a key)."""
        request = self.request
        for field in self._foreign_keys():
            ids = {row.get(field.attname) for row in rows} - {None}
            then = {r["id"]: r["display"] for r in state_as_of(field.related_model, moment, ids=ids)} if ids else {}
            for row in rows:
                pk = row.get(field.attname)
                if pk is None:
                    row[field.name] = None
                elif as_text:
                    row[field.name] = then.get(pk)
                else:
                    row[field.name] = {
                        "id": pk,
                        "url": _url_or_none(field.related_model, pk, request),
                        "display": then.get(pk),
                    }


def _secret_names(model) -> set[str]:
    """The columns of the model's secrets (``changelog_redact``)."""
    redacted = set(getattr(model, "changelog_redact", ()))
    return {f.attname for f in model._meta.concrete_fields if f.name in redacted}


def _url_or_none(model, pk, request) -> str | None:
    try:
        return api_url_for(model, pk, request)
    except NoReverseMatch:
        return None
