"""The project's pages as the URL conf declares them, for tests that must cover every page (the
export and fuzz tests): a page added later is found, not forgotten."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def _plain(pattern) -> str:
    return str(pattern).lstrip("^").rstrip("$").replace("\\", "")


def patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) of every URL pattern, the route as a path without regex anchors."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from patterns(pattern, prefix + _plain(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + _plain(pattern.pattern), pattern


def views_of(base: type) -> list[tuple[str, URLPattern]]:
    """(route, pattern) of every Django class-based view that is ``base`` or a subclass of it."""
    return [
        ("/" + route, pattern)
        for route, pattern in patterns()
        if isinstance(getattr(pattern.callback, "view_class", None), type)
        and issubclass(pattern.callback.view_class, base)
    ]


def initkwargs(pattern: URLPattern) -> dict:
    """The pattern's view configuration (queryset, filter set, form...): what ``as_view(...)`` was
    given, over what the view class sets itself (the sign-in log's views name theirs as attributes)."""
    view_class = getattr(pattern.callback, "view_class", None)
    names = ("queryset", "filterset_class", "form_class", "table_class", "model")
    own = {name: getattr(view_class, name) for name in names if getattr(view_class, name, None) is not None}
    return {**own, **getattr(pattern.callback, "view_initkwargs", {})}
