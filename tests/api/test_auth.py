"""Who may do what through the API: the roles' policy, read-only tokens, expired and revoked tokens,
keys stored only as hashes and shown once."""

import datetime

import pytest
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.test import APIClient

from infra.core.models import ObjectChange, Token
from infra.inventory.models import Device, Migration

from ..conftest import PASSWORD
from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    MigrationFactory,
    OrganizationFactory,
    SiteFactory,
)
from .conftest import token_client
from .endpoints import ENDPOINTS, url

pytestmark = pytest.mark.django_db

ROLES = ("administrator", "engineer", "operator", "auditor")


@pytest.fixture
def clients(admin_api, api, operator_api, auditor_api) -> dict[str, APIClient]:
    return {"administrator": admin_api, "engineer": api, "operator": operator_api, "auditor": auditor_api}


@pytest.fixture
def own_and_other(operator, other_organization):
    """A server of the operator's OPD and one of another OPD, each with its migration."""
    own = DeviceFactory(organization=operator.organization, site=SiteFactory(organization=operator.organization))
    other = DeviceFactory(organization=other_organization, site=SiteFactory(organization=other_organization))
    MigrationFactory(device=own)
    MigrationFactory(device=other)
    return own, other


# --- reads: every role reads everything -------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_list_and_object(clients, role, own_and_other):
    client = clients[role]
    device = own_and_other[1]
    for endpoint in ENDPOINTS:
        allowed = endpoint.readers is None or role in endpoint.readers
        assert client.get(url(endpoint.prefix)).status_code == (200 if allowed else 403), endpoint.prefix
    for path in (
        url("devices", device.pk),
        url("devices", device.pk, "history"),
        url("changes"),
        url("migration-transitions"),
        url("tokens"),
        "/api/",
        "/api/schema/",
    ):
        assert client.get(path).status_code == 200, path


# --- writes: the role policy ---------------------------------------------------------------------

WRITE_CASES = [
    # (what, administrator, engineer, operator, auditor): expected status for each role
    ("create own device", 201, 201, 201, 403),
    ("create device of another OPD", 201, 201, 403, 403),
    ("create organization", 201, 201, 403, 403),
    ("change own device", 200, 200, 200, 403),
    ("change device of another OPD", 200, 200, 403, 403),
    ("move own device to another OPD", 200, 200, 403, 403),
    ("delete own application", 204, 204, 204, 403),
    ("delete application of another OPD", 204, 204, 403, 403),
    ("transition own migration", 201, 201, 201, 403),
    ("transition migration of another OPD", 201, 201, 403, 403),
    ("bulk change devices of both OPDs", 200, 200, 403, 403),
    ("change a site", 200, 200, 403, 403),
]


def attempt(client, what: str, operator, other_organization, own_and_other):
    own, other = own_and_other
    mine = operator.organization
    if what == "create own device":
        body = {"name": "srv-baru", "organization": mine.pk, "site": own.site_id, "kind": "server"}
        return client.post(url("devices"), body, format="json")
    if what == "create device of another OPD":
        body = {"name": "srv-baru", "organization": other_organization.pk, "site": own.site_id, "kind": "server"}
        return client.post(url("devices"), body, format="json")
    if what == "create organization":
        return client.post(
            url("organizations"), {"name": "Dinas Baru", "short_name": "DB", "kind": "dinas"}, format="json"
        )
    if what == "change own device":
        return client.patch(url("devices", own.pk), {"vendor": "Dell"}, format="json")
    if what == "change device of another OPD":
        return client.patch(url("devices", other.pk), {"vendor": "Dell"}, format="json")
    if what == "move own device to another OPD":
        return client.patch(url("devices", own.pk), {"organization": other_organization.pk}, format="json")
    if what == "delete own application":
        return client.delete(url("applications", ApplicationFactory(organization=mine).pk))
    if what == "delete application of another OPD":
        return client.delete(url("applications", ApplicationFactory(organization=other_organization).pk))
    if what == "transition own migration":
        return client.post(url("migrations", own.migration.pk, "transition"), {"to_state": "assessed"}, format="json")
    if what == "transition migration of another OPD":
        return client.post(url("migrations", other.migration.pk, "transition"), {"to_state": "assessed"}, format="json")
    if what == "bulk change devices of both OPDs":
        return client.patch(
            url("devices"), [{"id": own.pk, "vendor": "HPE"}, {"id": other.pk, "vendor": "HPE"}], format="json"
        )
    if what == "change a site":
        return client.patch(url("sites", own.site_id), {"address": "Jl. Baru"}, format="json")
    raise AssertionError(what)


@pytest.mark.parametrize("case", WRITE_CASES, ids=lambda c: c[0])
@pytest.mark.parametrize("role", ROLES)
def test_writes_follow_the_role_policy(clients, role, case, operator, other_organization, own_and_other):
    what, *expected = case
    snapshot = (
        sorted(Device.objects.values_list("id", "organization_id", "vendor")),
        sorted(Migration.objects.values_list("id", "state")),
    )
    changes = ObjectChange.objects.count()
    response = attempt(clients[role], what, operator, other_organization, own_and_other)
    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code == 403:
        after = (
            sorted(Device.objects.values_list("id", "organization_id", "vendor")),
            sorted(Migration.objects.values_list("id", "state")),
        )
        assert after == snapshot
        # Only the applications made to be deleted are new in the log.
        new = ObjectChange.objects.order_by("id")[changes:]
        assert {c.content_type.model for c in new} <= {"application"}
        assert {c.action for c in new} <= {"create"}


def test_the_change_log_is_read_only_for_everyone(clients):
    DeviceFactory()
    change = ObjectChange.objects.first()
    for client in clients.values():
        assert client.delete(url("changes", change.pk)).status_code == 405
        assert client.patch(url("changes", change.pk), {"action": "delete"}, format="json").status_code == 405


# --- read-only tokens -----------------------------------------------------------------------------


@pytest.mark.parametrize("user_fixture", ["admin_user", "engineer"])
def test_a_read_only_token_only_reads(request, user_fixture, operator, other_organization, own_and_other):
    user = request.getfixturevalue(user_fixture)
    client = token_client(user, read_only=True)
    assert client.get(url("devices")).status_code == 200
    before = (Device.objects.count(), ObjectChange.objects.count(), Token.objects.count())
    for what in (
        "create own device",
        "create organization",
        "change own device",
        "transition own migration",
        "bulk change devices of both OPDs",
    ):
        assert attempt(client, what, operator, other_organization, own_and_other).status_code == 403, what
    own = own_and_other[0]
    assert client.delete(url("devices", own.pk)).status_code == 403
    assert client.delete(url("devices"), [own.pk], format="json").status_code == 403
    # A read-only token cannot make itself a stronger one, nor revoke tokens.
    assert client.post(url("tokens"), {"read_only": False}, format="json").status_code == 403
    assert client.delete(url("tokens", client.token.pk)).status_code == 403
    assert (Device.objects.count(), ObjectChange.objects.count(), Token.objects.count()) == before


def test_an_auditors_token_is_read_only_whatever_its_flag(auditor, own_and_other):
    client = token_client(auditor, read_only=False)
    own = own_and_other[0]
    assert client.patch(url("devices", own.pk), {"vendor": "X"}, format="json").status_code == 403
    assert (
        client.post(
            url("migrations", own.migration.pk, "transition"), {"to_state": "assessed"}, format="json"
        ).status_code
        == 403
    )
    # An auditor may make tokens for their tools: always read-only ones.
    response = client.post(url("tokens"), {"description": "Alat audit", "read_only": False}, format="json")
    assert response.status_code == 201
    assert response.json()["read_only"] is True
    assert Token.objects.get(pk=response.json()["id"]).read_only is True


# --- tokens that do not work -----------------------------------------------------------------------


def test_an_expired_token_is_refused(engineer):
    client = token_client(engineer, expires=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(url("devices"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has expired."}
    assert (
        token_client(engineer, expires=timezone.now() + datetime.timedelta(days=1)).get(url("devices")).status_code
        == 200
    )


def test_a_revoked_token_is_refused_at_once(api):
    assert api.get(url("devices")).status_code == 200
    response = api.delete(url("tokens", api.token.pk))
    assert response.status_code == 204
    response = api.get(url("devices"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has been revoked."}
    api.token.refresh_from_db()
    assert api.token.revoked is not None  # the record stays, for the audit trail


def test_revoking_twice_keeps_the_first_time(engineer):
    token, _key = Token.issue(engineer)
    other = token_client(engineer)
    assert other.delete(url("tokens", token.pk)).status_code == 204
    token.refresh_from_db()
    first = token.revoked
    assert other.delete(url("tokens", token.pk)).status_code == 204
    token.refresh_from_db()
    assert token.revoked == first


def test_a_deactivated_users_token_is_refused(engineer):
    client = token_client(engineer)
    engineer.is_active = False
    engineer.save()
    assert client.get(url("devices")).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Token bukan-kunci", "Token", "Token a b", "Bearer salah", "Token \u00e9\u00e9"],
)
def test_bad_credentials_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(url("devices"))
    assert response.status_code == 401
    assert "detail" in response.json()


def test_bearer_is_accepted_as_token(engineer):
    _token, key = Token.issue(engineer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(url("devices")).status_code == 200


def test_no_credentials_is_401_not_a_redirect_to_the_login_page(anonymous, db):
    for path in ("/api/", url("devices"), url("changes"), url("tokens"), url("devices", 1, "history"), "/api/schema/"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token", path
        assert "Location" not in response
    for path in ("/api/", url("devices"), url("changes"), url("tokens")):
        assert anonymous.get(path)["Content-Type"] == "application/json", path
    response = anonymous.get(url("devices"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert anonymous.post(url("devices"), {}, format="json").status_code == 401


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_pages_for_people_send_a_stranger_to_sign_in(client, engineer, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"
    client.force_login(engineer)
    page = client.get(path)
    assert page.status_code == 200
    # Swagger UI's start-up script is a file of its own (no inline script under the content security
    # policy): the schema's address is in it.
    script = client.get(path, {"script": ""}) if path == "/api/docs/" else page
    assert "/api/schema/" in script.content.decode()


def test_a_web_session_works_too_with_csrf_on_writes(engineer):
    client = APIClient(enforce_csrf_checks=True)
    # django-axes needs the request of every sign-in (it counts failures by address): a bare one here.
    assert client.login(request=HttpRequest(), username=engineer.username, password=PASSWORD)
    assert client.get(url("devices")).status_code == 200
    response = client.post(url("organizations"), {"name": "A", "short_name": "A", "kind": "dinas"}, format="json")
    assert response.status_code == 403  # no CSRF token
    assert "CSRF" in response.json()["detail"]


def test_an_auditors_session_only_reads(auditor):
    client = APIClient()
    assert client.login(request=HttpRequest(), username=auditor.username, password=PASSWORD)
    assert client.get(url("devices")).status_code == 200
    body = {"name": "A", "short_name": "A", "kind": "dinas"}
    assert client.post(url("organizations"), body, format="json").status_code == 403


# --- keys: hashed, shown once ------------------------------------------------------------------------


def all_database_text() -> str:
    """Every value of every table, as text: to prove a secret is stored nowhere."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # the table names come from introspection
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(api):
    response = api.post(url("tokens"), {"description": "Skrip inventaris", "read_only": False}, format="json")
    assert response.status_code == 201
    created = response.json()
    key = created["key"]
    assert len(key) >= 32 and created["prefix"] == key[:8]
    assert created["read_only"] is False and created["user"] == api.user.username

    assert key not in all_database_text()
    token = Token.objects.get(pk=created["id"])
    assert token.key_hash != key and len(token.key_hash) == 64

    # Never again: not in the list, not in the object.
    listed = api.get(url("tokens")).json()["results"]
    assert {t["id"] for t in listed} == {api.token.pk, token.pk}
    assert all(t["key"] is None for t in listed)
    assert api.get(url("tokens", token.pk)).json()["key"] is None

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(url("devices")).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_a_new_token_is_read_only_unless_asked(api):
    response = api.post(url("tokens"), {"description": "Laporan"}, format="json")
    assert response.json()["read_only"] is True


def test_a_token_cannot_expire_in_the_past(api):
    response = api.post(url("tokens"), {"expires": "2020-01-01T00:00:00+07:00"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["expires"]


def test_users_see_and_revoke_only_their_own_tokens(api, engineer_two):
    theirs, _key = Token.issue(engineer_two)
    assert api.get(url("tokens", theirs.pk)).status_code == 404
    assert api.delete(url("tokens", theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked is None
    assert theirs.pk not in [t["id"] for t in api.get(url("tokens")).json()["results"]]


def test_the_token_says_who_changed_things(engineer, engineer_two):
    first, second = token_client(engineer), token_client(engineer_two)
    org = OrganizationFactory()
    first.patch(url("organizations", org.pk), {"description": "satu"}, format="json")
    second.patch(url("organizations", org.pk), {"description": "dua"}, format="json")
    updates = ObjectChange.objects.filter(action="update", content_type__model="organization").order_by("id")
    assert [(c.user_name, c.source) for c in updates] == [(engineer.username, "api"), (engineer_two.username, "api")]


def test_an_unknown_api_address_answers_json_404(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/" in response.json()["detail"]
