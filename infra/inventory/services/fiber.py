"""Writing fiber links: a link comes with its cores, one per fiber, coloured by TIA-598.

Every door that writes a link calls these: the web form, the API (single and bulk), the import, the
admin and the demo. ``save()`` makes no cores, so a door that forgot would leave a link without
cores; the tests of each door check that they are there and logged.

    link = save_link(FiberLink(code="FO-BL-001", ...))   # create or edit one link
    links = create_links([FiberLink(...), ...])          # many new links, checked, one INSERT a batch
    sync_cores(links)                                    # after a bulk write that skipped the above
"""

from collections.abc import Sequence

from django.db import transaction

from infra.core.bulk import create_many

from ..choices import CoreState
from ..models import FiberCore, FiberLink
from ..models.fiber import busy_cores_error, core_colors


def save_link(link: FiberLink) -> FiberLink:
    """Save one link (new or edited; validated by the caller, as a form or serializer does) and give it
    exactly ``core_count`` cores. The save and the cores are logged, in one transaction."""
    with transaction.atomic():
        link.save()
        sync_cores([link])
    return link


def create_links(links: Sequence[FiberLink], *, validate: bool = True, resolved: Sequence[str] = ()) -> list[FiberLink]:
    """Insert new links with their cores through the write path (``infra.core.bulk.create_many``:
    ``validate`` and ``resolved`` as there); links and cores are logged in one transaction."""
    with transaction.atomic():
        links = create_many(FiberLink, links, validate=validate, resolved=resolved)
        sync_cores(links)
    return links


def sync_cores(links: Sequence[FiberLink]) -> None:
    """Give each saved link exactly ``core_count`` cores: add the missing ones, drop spare extras.

    A core above the new count that is not spare is refused (ValidationError) here too, not only in
    ``FiberLink.clean()``: a write that skipped validation must not throw away what a core carries.
    New cores are logged as created, dropped ones as deleted.
    """
    by_link: dict[int, set[int]] = {link.pk: set() for link in links}
    extras: list[FiberCore] = []
    busy: list[int] = []
    counts = {link.pk: link.core_count for link in links}
    for core in FiberCore.objects.filter(link_id__in=by_link.keys()):
        by_link[core.link_id].add(core.number)
        if core.number > counts[core.link_id]:
            if core.state == CoreState.SPARE:
                extras.append(core)
            else:
                busy.append(core.number)
    if busy:
        raise busy_cores_error(busy)
    new_cores = []
    for link in links:
        for number in range(1, link.core_count + 1):
            if number not in by_link[link.pk]:
                tube, tube_color, color = core_colors(number)
                new_cores.append(FiberCore(link=link, number=number, tube=tube, tube_color=tube_color, color=color))
    with transaction.atomic():
        if extras:
            # QuerySet.delete sends the delete signals, so these are logged like any delete.
            FiberCore.objects.filter(pk__in=[c.pk for c in extras]).delete()
        create_many(FiberCore, new_cores, validate=False, batch_size=2000)
