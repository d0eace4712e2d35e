"""Every view builds on the demo city (``manage.py load_demo``), now, for a past date, and coloured by
reachability, and what it draws matches the registry."""

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from infra.inventory import demo
from infra.inventory.choices import SiteKind
from infra.inventory.demo.constants import DATA_CENTER_SITE
from infra.inventory.models import FiberLink, Organization, Rack, Site
from infra.maps.builders import VIEWS, build
from infra.maps.forms import DiagramForm


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    hashers = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    )
    with django_db_blocker.unblock(), hashers, transaction.atomic():
        demo.load_demo()
        yield
        transaction.set_rollback(True)


def form_params(**data):
    form = DiagramForm(data)
    assert form.is_valid(), form.errors
    return form.params()


def request_for(view: str, **extra) -> dict:
    data = {"view": view, **extra}
    if view == "site":
        data["site"] = DATA_CENTER_SITE
    if view == "organization":
        data["organization"] = "Disdukcapil"
    return data


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize(
    "extra", [{}, {"as_of": "2025-12-31"}, {"colour_by": "reachability"}], ids=["now", "as-of", "reachability"]
)
def test_every_view_builds_on_the_demo_city(demo_city, db, view, extra):
    with translation.override("id"):
        topology = build(view, form_params(**request_for(view, **extra)))
    assert topology.nodes, view
    assert topology.legend and topology.title.city == "Kota Bandar Lampung"
    ids = topology.node_ids()
    assert len(ids) == len(topology.nodes)  # no node twice
    group_ids = {g.id for g in topology.groups}
    assert len(group_ids) == len(topology.groups)
    assert all(n.group is None or n.group in group_ids for n in topology.nodes)
    assert all(g.parent is None or g.parent in group_ids for g in topology.groups)
    assert all(e.source in ids and e.target in ids for e in topology.edges)
    items = (*topology.nodes, *topology.groups, *topology.edges)
    used = {k for item in items for k in (item.kind, *item.status.split())}
    assert {entry.key for entry in topology.legend} == used - {""}


def test_the_demo_city_views_match_the_registry(demo_city, db):
    city = build("city", form_params(view="city"))
    assert len(city.nodes) == Site.objects.count()
    fiber = build("fiber", form_params(view="fiber"))
    assert {e.id for e in fiber.edges} == {f"link-{pk}" for pk in FiberLink.objects.values_list("pk", flat=True)}
    dc = build("datacenter", form_params(view="datacenter"))
    racks = Rack.objects.filter(site__kind=SiteKind.DATA_CENTER)
    assert {f"target-rack-{pk}" for pk in racks.values_list("pk", flat=True)} <= dc.node_ids()
    geographic = build("geographic", form_params(view="geographic"))
    assert all(n.position is not None for n in geographic.nodes)
    for org in Organization.objects.filter(devices__isnull=False).distinct()[:5]:
        assert build("organization", form_params(view="organization", organization=str(org.pk))).nodes


def test_the_demo_city_then_and_now_differ(demo_city, db):
    now = build("city", form_params(view="city"))
    then = build("city", form_params(view="city", as_of="2025-06-30"))
    assert {n.id: n.status for n in now.nodes} != {n.id: n.status for n in then.nodes}
