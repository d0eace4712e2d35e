"""Who may do what: the role rules every door asks, and the doors that must stay shut."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group
from django.urls import URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from infra.core import registry
from infra.core.choices import Role
from infra.core.models import ObjectChange, User
from infra.core.permissions import RoleBackend, can, editable, role_of
from infra.inventory.models import (
    Application,
    Contact,
    Device,
    FiberCore,
    FiberLink,
    Interface,
    IPAddress,
    Migration,
    MigrationBlocker,
    MigrationTransition,
    MigrationWave,
    Organization,
    Rack,
    Region,
    Site,
)
from infra.probes.models import Check, CheckEvent, MaintenanceWindow, SnmpCredential

from ..conftest import PASSWORD
from ..factories import (
    ApplicationFactory,
    CheckFactory,
    DeviceFactory,
    InterfaceFactory,
    IPAddressFactory,
    MigrationFactory,
    OrganizationFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ACTIONS = ("view", "add", "change", "delete")
WRITES = ("add", "change", "delete")
INVENTORY = [m for m in apps.get_app_config("inventory").get_models()]
READ_ONLY = [ObjectChange, MigrationTransition]
USERS = [User, Group]
OPERATOR_MODELS = [Device, Interface, IPAddress, Application, Migration, MigrationBlocker, Check]
NOT_FOR_OPERATORS = [Region, Organization, Contact, Site, Rack, FiberLink, FiberCore, MigrationWave]


def label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def test_the_operator_list_is_what_the_rules_say():
    assert {label(m) for m in OPERATOR_MODELS} == {m for m, d in registry.declared_models().items() if d.owner}
    assert set(INVENTORY) | {Check} >= set(OPERATOR_MODELS) | set(NOT_FOR_OPERATORS) | {MigrationTransition}


class TestAdministrator:
    @pytest.mark.parametrize("model", [*INVENTORY, *USERS], ids=label)
    @pytest.mark.parametrize("action", ACTIONS)
    def test_everything(self, admin_user, model, action):
        if model is MigrationTransition and action != "view":
            return  # nobody writes the migration history (below)
        assert can(admin_user, action, model)

    def test_a_superuser_is_an_administrator(self):
        boss = UserFactory(role=Role.AUDITOR, is_superuser=True)
        assert boss.role == Role.ADMINISTRATOR
        assert role_of(boss) == Role.ADMINISTRATOR
        assert can(boss, "change", User)


class TestEngineer:
    @pytest.mark.parametrize("model", [m for m in INVENTORY if m is not MigrationTransition], ids=label)
    @pytest.mark.parametrize("action", ACTIONS)
    def test_edits_all_inventory(self, engineer, model, action):
        assert can(engineer, action, model)

    @pytest.mark.parametrize("model", USERS, ids=label)
    @pytest.mark.parametrize("action", ACTIONS)
    def test_not_users(self, engineer, model, action):
        assert not can(engineer, action, model)

    def test_edits_any_organizations_device(self, engineer):
        assert can(engineer, "change", DeviceFactory())
        assert can(engineer, "delete", DeviceFactory())


class TestOperator:
    @pytest.mark.parametrize("model", OPERATOR_MODELS, ids=label)
    @pytest.mark.parametrize("action", WRITES)
    def test_may_write_these_kinds(self, operator, model, action):
        assert can(operator, action, model)

    @pytest.mark.parametrize("model", NOT_FOR_OPERATORS, ids=label)
    @pytest.mark.parametrize("action", WRITES)
    def test_may_not_write_these(self, operator, model, action):
        assert not can(operator, action, model)

    @pytest.mark.parametrize("model", INVENTORY, ids=label)
    def test_reads_everything(self, operator, model):
        assert can(operator, "view", model)

    @pytest.mark.parametrize("model", USERS, ids=label)
    def test_not_users(self, operator, model):
        assert not any(can(operator, action, model) for action in ACTIONS)

    def test_add_for_an_organization(self, operator):
        other = OrganizationFactory()
        assert can(operator, "add", Device, organization_id=operator.organization_id)
        assert not can(operator, "add", Device, organization_id=other.pk)
        assert not can(operator, "add", Site, organization_id=operator.organization_id)

    @pytest.fixture
    def own_and_other(self, operator):
        """One of each record the operator may edit, for their own OPD and for another."""
        result = {}
        for key, org in (("own", operator.organization), ("other", OrganizationFactory())):
            device = DeviceFactory(organization=org)
            interface = InterfaceFactory(device=device)
            migration = MigrationFactory(device=DeviceFactory(organization=org))
            result[key] = [
                device,
                interface,
                IPAddressFactory(interface=interface),
                ApplicationFactory(organization=org),
                migration,
                MigrationBlocker.objects.create(migration=migration, category="backup"),
                CheckFactory(device=device),
            ]
        return result

    @pytest.mark.parametrize("index", range(len(OPERATOR_MODELS)), ids=[m.__name__ for m in OPERATOR_MODELS])
    @pytest.mark.parametrize("action", ["change", "delete"])
    def test_own_organizations_records_only(self, operator, own_and_other, index, action):
        own, other = own_and_other["own"][index], own_and_other["other"][index]
        assert type(own) is OPERATOR_MODELS[index]
        assert can(operator, action, own)
        assert not can(operator, action, other)
        assert can(operator, "view", other)

    def test_an_address_without_an_interface_is_nobodys(self, operator):
        assert not can(operator, "change", IPAddressFactory(interface=None))

    def test_sites_fiber_and_organizations_even_their_own(self, operator):
        own_site = SiteFactory(organization=operator.organization)
        assert not can(operator, "change", own_site)
        assert not can(operator, "change", operator.organization)
        assert not can(operator, "change", Contact(organization=operator.organization, name="PIC"))

    def test_moving_a_device_away_is_judged_on_the_new_owner(self, operator):
        device = DeviceFactory(organization=operator.organization)
        device.organization = OrganizationFactory()
        assert not can(operator, "change", device)


class TestAuditor:
    @pytest.mark.parametrize("model", [*INVENTORY, ObjectChange], ids=label)
    def test_reads_all(self, auditor, model):
        assert can(auditor, "view", model)

    @pytest.mark.parametrize("model", [*INVENTORY, *READ_ONLY, *USERS], ids=label)
    @pytest.mark.parametrize("action", WRITES)
    def test_changes_nothing(self, auditor, model, action):
        assert not can(auditor, action, model)

    def test_not_even_one_object(self, auditor):
        assert not can(auditor, "change", DeviceFactory())


class TestRestrictedReaders:
    """SNMP credentials are read (and so written) by engineers and administrators only."""

    @pytest.mark.parametrize("action", ACTIONS)
    def test_engineers_and_administrators(self, admin_user, engineer, action):
        assert can(admin_user, action, SnmpCredential)
        assert can(engineer, action, SnmpCredential)

    @pytest.mark.parametrize("who", ["operator", "auditor"])
    @pytest.mark.parametrize("action", ACTIONS)
    def test_nobody_else(self, request, who, action):
        assert not can(request.getfixturevalue(who), action, SnmpCredential)

    def test_not_one_credential_either(self, operator):
        assert not can(operator, "view", SnmpCredential(name="x"))

    def test_their_change_records_are_hidden_from_operators(self, admin_user, engineer, operator, auditor):
        from infra.core.permissions import readable_changes

        SnmpCredential.objects.create(name="inti", version="2c", community="komunitas-uji")
        records = ObjectChange.objects.filter(content_type__model="snmpcredential")
        assert records.count() == 1
        for user in (admin_user, auditor, engineer):
            assert readable_changes(user, records).count() == 1
        assert readable_changes(operator, records).count() == 0

    def test_the_rest_of_the_probes_is_read_by_everybody(self, operator, auditor):
        for model in (Check, CheckEvent, MaintenanceWindow):
            assert can(operator, "view", model) and can(auditor, "view", model)
        assert not can(auditor, "change", Check)
        assert not can(operator, "change", MaintenanceWindow)
        assert not can(operator, "add", CheckEvent)


class TestNobodyEditsHistory:
    @pytest.mark.parametrize("role", Role.values)
    @pytest.mark.parametrize("model", READ_ONLY, ids=label)
    @pytest.mark.parametrize("action", WRITES)
    def test_no_role_writes_the_history(self, role, model, action):
        organization = OrganizationFactory() if role == Role.OPD_OPERATOR else None
        user = UserFactory(role=role, organization=organization)
        assert not can(user, action, model)
        assert can(user, "view", model)

    def test_not_on_a_single_record_either(self, admin_user):
        record = ObjectChange.objects.first() or ObjectChange.objects.for_object(OrganizationFactory()).get()
        assert not can(admin_user, "change", record)
        assert not can(admin_user, "delete", record)
        transition = MigrationFactory().transitions.get()
        assert not can(admin_user, "change", transition)


class TestNoRole:
    @pytest.mark.parametrize("role", Role.values)
    def test_an_inactive_user_may_do_nothing(self, role):
        organization = OrganizationFactory() if role == Role.OPD_OPERATOR else None
        user = UserFactory(role=role, organization=organization, is_active=False)
        assert role_of(user) is None
        for model in (Device, Site, User, ObjectChange):
            assert not any(can(user, action, model) for action in ACTIONS)

    def test_an_inactive_superuser_may_do_nothing(self):
        user = UserFactory(is_superuser=True, is_active=False)
        assert not can(user, "view", Device)
        assert not user.has_perm("inventory.view_device")

    @pytest.mark.parametrize("user", [AnonymousUser(), None], ids=["anonymous", "none"])
    def test_anonymous_may_do_nothing(self, user):
        for model in (Device, Site, User, ObjectChange):
            assert not any(can(user, action, model) for action in ACTIONS)


class TestEditableQuerysets:
    def test_per_role(self, admin_user, engineer, operator, auditor):
        own = DeviceFactory(organization=operator.organization)
        other = DeviceFactory()
        everything = Device.objects.all()
        assert set(editable(admin_user, everything)) == {own, other}
        assert set(editable(engineer, everything)) == {own, other}
        assert set(editable(operator, everything)) == {own}
        assert not editable(auditor, everything).exists()
        assert not editable(AnonymousUser(), everything).exists()

    def test_operator_through_the_path_to_the_organization(self, operator):
        own_iface = InterfaceFactory(device=DeviceFactory(organization=operator.organization))
        other_iface = InterfaceFactory()
        assert set(editable(operator, Interface.objects.all())) == {own_iface}
        own_ip = IPAddressFactory(interface=own_iface)
        IPAddressFactory(interface=other_iface)
        assert set(editable(operator, IPAddress.objects.all())) == {own_ip}
        own_migration = MigrationFactory(device=DeviceFactory(organization=operator.organization))
        MigrationFactory()
        assert set(editable(operator, Migration.objects.all())) == {own_migration}

    def test_nothing_of_kinds_an_operator_does_not_edit(self, operator):
        SiteFactory(organization=operator.organization)
        assert not editable(operator, Site.objects.all()).exists()

    def test_nobody_gets_the_change_log(self, admin_user):
        OrganizationFactory()
        assert not editable(admin_user, ObjectChange.objects.all()).exists()


class TestRoleBackend:
    def test_has_perm_follows_the_roles(self, admin_user, engineer, operator, auditor):
        assert engineer.has_perm("inventory.add_device")
        assert engineer.has_perm("inventory.delete_fiberlink")
        assert not engineer.has_perm("core.change_user")
        assert admin_user.has_perm("core.change_user")
        assert not admin_user.has_perm("core.change_objectchange")
        assert admin_user.has_perm("core.view_objectchange")
        assert auditor.has_perm("inventory.view_device")
        assert not auditor.has_perm("inventory.change_device")
        assert operator.has_perm("inventory.change_device")
        assert not operator.has_perm("inventory.change_site")

    def test_has_perm_with_an_object(self, operator):
        own = DeviceFactory(organization=operator.organization)
        other = DeviceFactory()
        assert operator.has_perm("inventory.change_device", own)
        assert not operator.has_perm("inventory.change_device", other)

    def test_unknown_permissions_are_refused(self, admin_user):
        backend = RoleBackend()
        assert not backend.has_perm(admin_user, "inventory.change_nothing")
        assert not backend.has_perm(admin_user, "nosuchapp.view_thing")

    def test_module_perms(self, engineer):
        assert engineer.has_module_perms("inventory")
        engineer.is_active = False
        assert not RoleBackend().has_module_perms(engineer, "inventory")

    def test_only_administrators_are_staff(self, admin_user, engineer, operator, auditor):
        assert admin_user.is_staff
        assert not any(u.is_staff for u in (engineer, operator, auditor))
        engineer.role = Role.ADMINISTRATOR
        engineer.save()
        assert User.objects.get(pk=engineer.pk).is_staff
        engineer.role = Role.AUDITOR
        engineer.save()
        assert not User.objects.get(pk=engineer.pk).is_staff


# --- the doors -----------------------------------------------------------------------------------


# A value each path converter accepts (1 for each id).
SAMPLE_VALUES = {IntConverter: 1, UUIDConverter: "00000000-0000-0000-0000-000000000000"}


def site_urls() -> list[str]:
    """Every URL of the web UI, with 1 for each id in it.

    Django's admin is checked on its own below; the API (``api/``) answers tokens, not logins, and
    is tested with it.
    """
    urls = []

    def walk(resolver, namespaces):
        for pattern in resolver.url_patterns:
            if str(pattern.pattern).lstrip("^").startswith(("admin/", "api/")):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern, [*namespaces, pattern.namespace] if pattern.namespace else namespaces)
            elif pattern.name:
                converters = getattr(pattern.pattern, "converters", {})
                kwargs = {k: SAMPLE_VALUES.get(type(c), "x") for k, c in converters.items()}
                urls.append(reverse(":".join([*namespaces, pattern.name]), kwargs=kwargs))

    walk(get_resolver(), [])
    return urls


PUBLIC = {"/login/", "/i18n/setlang/"}


class TestLoginRequired:
    def test_home_redirects_to_login(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "next=/" in response["Location"]

    def test_admin_redirects_to_login(self, client):
        response = client.get("/admin/")
        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_login_page_is_open(self, client):
        assert client.get("/login/").status_code == 200

    def test_every_page_needs_a_login(self, client, db):
        DeviceFactory()
        urls = [u for u in site_urls() if u not in PUBLIC]
        assert len(urls) > 10
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login") + "?next="), url

    def test_logging_in_opens_the_home_page(self, client, engineer):
        response = client.post("/login/", {"username": engineer.username, "password": PASSWORD})
        assert response.status_code == 302
        assert client.get("/").status_code == 200

    def test_an_inactive_user_cannot_log_in(self, client, engineer):
        engineer.is_active = False
        engineer.save()
        client.post("/login/", {"username": engineer.username, "password": PASSWORD})
        assert client.get("/").status_code == 302


class TestAdminIsForAdministrators:
    def test_administrator_reaches_the_admin(self, client, admin_user):
        client.force_login(admin_user)
        assert client.get("/admin/").status_code == 200
        assert client.get("/admin/core/user/").status_code == 200
        assert client.get("/admin/inventory/device/").status_code == 200

    @pytest.mark.parametrize("who", ["engineer", "operator", "auditor"])
    @pytest.mark.parametrize("url", ["/admin/", "/admin/inventory/device/", "/admin/core/user/"])
    def test_others_are_turned_away(self, client, request, who, url):
        client.force_login(request.getfixturevalue(who))
        response = client.get(url)
        assert response.status_code == 302  # Django's admin sends a signed-in non-staff user to its login
        assert response["Location"] == f"/admin/login/?next={url}"

    def test_an_engineer_cannot_change_a_device_through_the_admin(self, client, engineer):
        device = DeviceFactory(name="srv-asli")
        changes = ObjectChange.objects.count()
        client.force_login(engineer)
        response = client.post(
            f"/admin/inventory/device/{device.pk}/change/",
            {
                "name": "srv-diubah",
                "organization": device.organization_id,
                "site": device.site_id,
                "kind": device.kind,
                "status": "offline",
                "interfaces-TOTAL_FORMS": "0",
                "interfaces-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next=/admin/inventory/device/{device.pk}/change/"
        device.refresh_from_db()
        assert (device.name, device.status) == ("srv-asli", "active")
        assert ObjectChange.objects.count() == changes

    def test_an_engineer_cannot_add_a_user_through_the_admin(self, client, engineer):
        client.force_login(engineer)
        response = client.post(
            "/admin/core/user/add/",
            {"username": "penyusup", "password1": "Rahasia-Sekali-99", "password2": "Rahasia-Sekali-99"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/?next=/admin/core/user/add/"
        assert not User.objects.filter(username="penyusup").exists()

    def test_the_change_log_is_read_only_in_the_admin(self, client, admin_user):
        record = ObjectChange.objects.for_object(OrganizationFactory()).get()
        client.force_login(admin_user)
        assert client.get(f"/admin/core/objectchange/{record.pk}/change/").status_code == 200
        response = client.post(f"/admin/core/objectchange/{record.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403
        assert ObjectChange.objects.filter(pk=record.pk).exists()
