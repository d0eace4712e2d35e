"""What the apps declare to core (core.registry, core.search) and that core reads nothing else.

The expected tables are the ones core.permissions and the search view named before the apps
declared themselves: the declarations must say exactly that.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured

import infra.core
from infra.core import registry, search
from infra.core.choices import Role
from infra.core.models import ObjectChange, Token, User, UserPreference
from infra.core.permissions import can
from infra.inventory import filtersets, models
from infra.inventory.urls import PAGES

from ..factories import OrganizationFactory, UserFactory

# What core.permissions named before: the records an OPD operator edits, with the path to its
# organization, and the records no door writes.
OLD_OPERATOR_EDITABLE = {
    "inventory.device": "organization",
    "inventory.interface": "device__organization",
    "inventory.ipaddress": "interface__device__organization",
    "inventory.application": "organization",
    "inventory.migration": "device__organization",
    "inventory.migrationblocker": "migration__device__organization",
}
OLD_READ_ONLY = {"core.objectchange", "inventory.migrationtransition"}
# Added with the sign-in lock-out (issue 9): django-axes' records of who signed in from where are read
# by administrators and auditors only, and its log (not its lock-outs, which administrators delete to
# lift a lock) is written by axes alone.
SIGN_IN_RECORDS = {"axes.accesslog", "axes.accessfailurelog", "axes.accessattempt", "axes.accessattemptexpiration"}
SIGN_IN_READ_ONLY = {"axes.accesslog", "axes.accessfailurelog"}
# Added with the probes (issue 10): an OPD operator edits the checks of its own devices; what the
# probes found (results, figures, state, events, downtimes, runs) is written by the probes' services only.
PROBES_OWNED = {"probes.check": "device__organization"}
# SNMP credentials are read by engineers and administrators only (their names, never their secrets).
PROBES_READERS = {"probes.snmpcredential": {Role.ADMINISTRATOR, Role.ENGINEER}}
# Alerts (issue 11): channels hold staff chats' addresses and secrets, the log shows where alerts went.
ALERT_MODELS = ("alertchannel", "alertrule", "alertdelivery", "alertattempt", "alerteventdecision")
PROBES_READERS |= {f"probes.{name}": {Role.ADMINISTRATOR, Role.ENGINEER} for name in ALERT_MODELS}
PROBES_READ_ONLY = {
    "probes.result",
    "probes.hourlyrollup",
    "probes.dailyrollup",
    "probes.checkstatus",
    "probes.checkevent",
    "probes.downtime",
    "probes.interfacestatus",
    "probes.prober",
    "probes.proberun",
    "probes.probemarker",
    # the alert log, written by the alert service only
    "probes.alertdelivery",
    "probes.alertattempt",
    "probes.alerteventdecision",
}
# Added with the diagrams (issue 12): a snapshot is what a diagram showed, written by its service only.
MAPS_READ_ONLY = {"maps.diagramsnapshot"}


def test_owners_are_the_old_operator_table():
    declared = {label: d.owner for label, d in registry.declared_models().items() if d.owner}
    assert declared == OLD_OPERATOR_EDITABLE | PROBES_OWNED


def test_read_only_models_are_the_old_list():
    assert {
        label for label, d in registry.declared_models().items() if d.read_only
    } == OLD_READ_ONLY | SIGN_IN_READ_ONLY | PROBES_READ_ONLY | MAPS_READ_ONLY


def test_engineers_edit_the_inventory_and_probes_apps():
    assert registry.apps_engineers_edit() == {"inventory", "probes"}
    labels = [m._meta.label_lower for m in apps.get_models(include_auto_created=True)]
    old_rule = {label for label in labels if label.startswith(("inventory.", "probes."))}
    assert {label for label in labels if registry.engineers_edit(apps.get_model(label))} == old_rule


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_every_model_and_action_as_the_old_rules_said(role):
    """The old rules, written out, against can() for every model (through tables included)."""
    organization = OrganizationFactory()
    user = UserFactory(role=role, organization=organization if role == Role.OPD_OPERATOR else None)
    admin_only = {"core.user", "auth.group", "auth.permission"}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        for action in ("view", "add", "change", "delete"):
            if label in PROBES_READERS and role not in PROBES_READERS[label]:
                expected = False
            elif action == "view" and label in SIGN_IN_RECORDS:
                expected = role in (Role.ADMINISTRATOR, Role.AUDITOR)
            elif action == "view":
                expected = label not in admin_only or role == Role.ADMINISTRATOR
            elif label in OLD_READ_ONLY | SIGN_IN_READ_ONLY | PROBES_READ_ONLY | MAPS_READ_ONLY:
                expected = False
            elif role == Role.ADMINISTRATOR:
                expected = True
            elif label in admin_only or role == Role.AUDITOR:
                expected = False
            elif role == Role.ENGINEER:
                expected = label.startswith(("inventory.", "probes."))
            else:
                expected = label in OLD_OPERATOR_EDITABLE | PROBES_OWNED
            assert can(user, action, model) is expected, (label, action)


def test_core_models_undeclared_but_the_log():
    for model in (User, Group, Permission, Token, UserPreference):
        assert registry.declaration(model) == registry.ModelDeclaration()
    assert registry.declaration(ObjectChange).read_only


def test_core_names_no_app():
    """core's code reads declarations: it imports no app and names no app's model (its
    migrations and the User's organization aside, see models/users.py)."""
    core = Path(infra.core.__file__).parent
    named = []
    for path in sorted(core.rglob("*.py")):
        if "migrations" in path.parts or path.name == "users.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                named += [
                    f"{path.name}: import {m}" for m in modules if m.startswith(("infra.inventory", "infra.probes"))
                ]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.match(r"(inventory|probes)[.:]", node.value):
                    named += [f"{path.name}: {node.value!r}"]
    assert named == []


def test_an_owner_path_must_follow_foreign_keys():
    with pytest.raises(ImproperlyConfigured, match="no field"):
        registry.register_model(models.Device, owner="organisation")
    with pytest.raises(ImproperlyConfigured, match="foreign keys"):
        registry.register_model(models.Device, owner="name")
    assert registry.declaration(models.Device).owner == "organization"  # unchanged by the failures


def test_search_finds_every_inventory_and_probes_kind_with_a_quick_search_in_page_order():
    from infra.probes.urls import PAGES as PROBES_PAGES

    kinds = search.registered_kinds()
    expected = [(p, "inventory") for p in PAGES if p.filterset.search_fields] + [
        # SNMP credentials are for engineers, and the search shows every hit to every role
        (p, "probes")
        for p in PROBES_PAGES
        if p.filterset.search_fields and p.queryset.model._meta.model_name != "snmpcredential"
    ]
    assert [(k.queryset.model, k.filterset) for k in kinds] == [(p.queryset.model, p.filterset) for p, _ in expected]
    for kind, (pages, app) in zip(kinds, expected, strict=True):
        meta = pages.queryset.model._meta
        assert kind.list_url_name == f"{app}:{meta.model_name}_list"
        assert kind.label == meta.verbose_name_plural
        # The objects' own queryset: a hit's name may need a related object (a migration's server).
        assert str(kind.queryset.query) == str(pages.object_queryset.query)


def test_a_kind_without_quick_search_fields_is_refused():
    class Nothing(filtersets.RegionFilterSet):
        search_fields = ()

    with pytest.raises(ImproperlyConfigured, match="search_fields"):
        search.register_search(models.Region.objects.all(), Nothing)
    assert Nothing not in [k.filterset for k in search.registered_kinds()]
