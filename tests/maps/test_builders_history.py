"""``as_of`` rebuilds the registry from the change log; reachability colours come from the probes' own
snapshot (infra.probes.topology), with maintenance windows and sites cut off behind a down site."""

import datetime

import pytest
from django.utils import timezone

from infra.inventory.choices import FiberLinkStatus, MigrationState
from infra.inventory.services.fiber import save_link
from infra.inventory.services.migration import transition
from infra.maps.builders import DiagramParams, build
from infra.maps.forms import DiagramForm
from infra.probes.models import CheckStatus

from ..factories import CheckFactory, DeviceFactory, MaintenanceWindowFactory, SiteFactory
from .city import T0, make_city

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def city():
    return make_city()


def statuses(topology) -> dict[str, str]:
    return {n.id: n.status for n in topology.nodes}


def test_a_past_date_shows_the_registry_as_the_change_log_says(city):
    c = city
    before = T0 + HOUR
    # Now: a server moves on, a link is lit, a site is renamed, a new site and server appear.
    transition(c.migrations["s2"], MigrationState.ASSESSED)
    c.links["l2"].status = FiberLinkStatus.ACTIVE
    save_link(c.links["l2"])
    c.sites["b"].name = "Kantor Disdik Baru"
    c.sites["b"].save()
    newcomer = SiteFactory(name="Kantor Baru")
    DeviceFactory(name="srv-baru", organization=newcomer.organization, site=newcomer)

    now = build("city", DiagramParams(view="city"))
    then = build("city", DiagramParams(view="city", as_of=before))
    a, b, new = (f"site-{s.pk}" for s in (c.sites["a"], c.sites["b"], newcomer))
    l2 = f"link-{c.links['l2'].pk}"
    assert {n.id: n.label for n in now.nodes}[b] == "Kantor Disdik Baru"
    assert {n.id: n.label for n in then.nodes}[b] == "Kantor Disdik"
    assert new in now.node_ids() and new not in then.node_ids()
    assert {e.id: e.status for e in now.edges}[l2] == "fiber:active deployment:aerial_adss"
    assert {e.id: e.status for e in then.edges}[l2] == "fiber:planned deployment:aerial_adss"
    # site A: s1 scheduled and s2 inventoried then (a tie, the slower wins); s2 assessed now
    assert statuses(then)[a] == "migration:inventoried"
    assert statuses(now)[a] == "migration:assessed"
    site_then = build("site", DiagramParams(view="site", site=c.sites["a"], as_of=before))
    assert statuses(site_then)[f"device-{c.devices['s2'].pk}"] == "migration:inventoried"
    assert then.title.data_as_of.startswith("10 January 2026")


def test_a_past_date_before_an_object_existed_draws_without_it(city):
    c = city
    early = T0 - HOUR  # before the city was entered
    topology = build("site", DiagramParams(view="site", site=c.sites["a"], as_of=early))
    assert topology.nodes == [] and topology.title.scope == "Kantor Dinkes"


def test_applications_and_cores_as_of(city):
    c = city
    before = T0 + HOUR
    c.apps["sik"].devices.set([c.devices["s1"]])  # the VM no longer runs it
    core = c.links["l1"].cores.get(number=5)
    core.state = "in_use"
    core.save()
    then = build("applications", DiagramParams(view="applications", as_of=before))
    now = build("applications", DiagramParams(view="applications"))
    vm_edge = f"hosts-{c.devices['vm'].pk}-{c.apps['sik'].pk}"
    assert vm_edge in {e.id for e in then.edges} and vm_edge not in {e.id for e in now.edges}
    fiber_then = build("fiber", DiagramParams(view="fiber", as_of=before))
    fiber_now = build("fiber", DiagramParams(view="fiber"))
    l1 = f"link-{c.links['l1'].pk}"
    assert {e.id: e.label for e in fiber_then.edges}[l1].endswith("3/12 cores in use")
    assert {e.id: e.label for e in fiber_now.edges}[l1].endswith("4/12 cores in use")


def test_the_form_takes_a_date_as_the_end_of_that_day(city):
    form = DiagramForm({"view": "city", "as_of": "10/01/2026"})
    assert form.is_valid(), form.errors
    params = form.params()
    assert params.as_of_is_date
    assert timezone.localtime(params.as_of).date() == datetime.date(2026, 1, 10)
    assert timezone.localtime(params.as_of).time() == datetime.time.max


def _status(check, state: str) -> None:
    CheckStatus.objects.update_or_create(probe_check=check, defaults={"state": state})


def test_reachability_colours_from_the_probes_snapshot(city):
    c = city
    _status(CheckFactory(device=c.devices["hv"]), "down")  # the data center is down
    _status(CheckFactory(device=c.devices["s1"]), "up")
    down_b = CheckFactory(device=c.devices["s3"])
    _status(down_b, "down")
    now = timezone.now()
    MaintenanceWindowFactory(device=None, site=c.sites["b"], start=now - HOUR, end=now + HOUR)
    params = DiagramParams(view="city", colour_by="reachability")
    topology = build("city", params)
    site = {k: f"site-{c.sites[k].pk}" for k in ("dc", "a", "b", "c")}
    assert statuses(topology) == {
        site["dc"]: "reachability:down",
        site["a"]: "reachability:unreachable",  # behind the data center on the active link FO-01
        site["b"]: "reachability:maintenance",  # down, inside its maintenance window
        site["c"]: "reachability:unmonitored",
    }
    legend = {entry.key: entry.label for entry in topology.legend}
    assert legend["reachability:unreachable"] == "Cut off behind a down site"
    assert not [k for k in legend if k.startswith("migration:")]
    devices = statuses(build("site", DiagramParams(view="site", site=c.sites["a"], colour_by="reachability")))
    assert devices[f"device-{c.devices['s1'].pk}"] == "reachability:up"
    assert devices[f"device-{c.devices['s2'].pk}"] == "reachability:unmonitored"
    assert build("city", params).title.filters[-1] == ("Colour", "Reachability (now)")
