"""Users are in the change log, from the admin and anywhere else; the password only as a redacted marker;
their records are read by administrators and auditors only."""

import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils import timezone

from infra.core.changelog import redacted
from infra.core.choices import ChangeAction, ChangeSource, Role
from infra.core.models import ObjectChange, User

from ..api.conftest import token_client
from ..conftest import PASSWORD
from ..factories import DeviceFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def user_records(user_pk: int) -> list[ObjectChange]:
    ct = ContentType.objects.get_for_model(User)
    return list(ObjectChange.objects.filter(content_type=ct, object_id=user_pk).order_by("id"))


@pytest.fixture
def admin_client(client, admin_user):
    assert client.login(request=HttpRequest(), username=admin_user.username, password=PASSWORD)
    return client


def change_form(user: User, **values) -> dict:
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "organization": user.organization_id or "",
        "is_active": "on" if user.is_active else "",
        "must_change_password": "on" if user.must_change_password else "",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S.%f"),
    }
    data.update(values)
    return {k: v for k, v in data.items() if v != ""}


def test_the_admin_logs_a_new_user_a_role_change_and_a_password_change(admin_client, admin_user):
    org = OrganizationFactory()
    response = admin_client.post(
        "/admin/core/user/add/",
        {
            "username": "operator-baru",
            "password1": "kata-sandi-rahasia-1",
            "password2": "kata-sandi-rahasia-1",
            "role": Role.OPD_OPERATOR,
            "organization": org.pk,
        },
    )
    assert response.status_code == 302, response.content[:3000]
    user = User.objects.get(username="operator-baru")
    (created,) = user_records(user.pk)
    assert created.action == ChangeAction.CREATE
    assert (created.user, created.source) == (admin_user, ChangeSource.WEB)
    assert created.after["role"] == Role.OPD_OPERATOR and created.after["organization_id"] == org.pk
    assert created.after["password"] == redacted(User, "password", user.pk, user.password)
    assert created.after["password"].startswith("[redacted ")

    response = admin_client.post(
        f"/admin/core/user/{user.pk}/change/", change_form(user, role=Role.AUDITOR, organization="", is_active="")
    )
    assert response.status_code == 302, response.content[:3000]
    changed = user_records(user.pk)[-1]
    assert changed.diff() == {
        "role": (Role.OPD_OPERATOR, Role.AUDITOR),
        "organization_id": (org.pk, None),
        "is_active": (True, False),
    }

    old_hash = User.objects.get(pk=user.pk).password
    response = admin_client.post(
        f"/admin/core/user/{user.pk}/password/", {"password1": "sandi-baru-2025!", "password2": "sandi-baru-2025!"}
    )
    assert response.status_code == 302, response.content[:3000]
    new_hash = User.objects.get(pk=user.pk).password
    password_change = user_records(user.pk)[-1]
    (before, after) = password_change.diff()["password"]
    assert set(password_change.diff()) == {"password"}
    assert before != after and before.startswith("[redacted ") and after.startswith("[redacted ")
    # Nothing of the hash (nor the password) is anywhere in the log.
    everything = json.dumps([[r.before, r.after] for r in ObjectChange.objects.all()])
    for secret in (old_hash, new_hash, old_hash.split("$")[-1], new_hash.split("$")[-1], "sandi-baru-2025!"):
        assert secret not in everything


def test_signing_in_is_not_a_change_of_the_user(client):
    user = UserFactory()
    before = len(user_records(user.pk))
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    assert User.objects.get(pk=user.pk).last_login is not None
    assert len(user_records(user.pk)) == before


def test_superuser_groups_and_permissions_are_logged_wherever_they_change():
    user = UserFactory(role=Role.ENGINEER)
    user.is_superuser = True
    user.save()
    assert user_records(user.pk)[-1].diff() == {
        "is_superuser": (False, True),
        "role": (Role.ENGINEER, Role.ADMINISTRATOR),
        "is_staff": (False, True),
    }
    group = Group.objects.create(name="Piket malam")
    user.groups.add(group)
    assert user_records(user.pk)[-1].diff() == {"groups": ([], [group.pk])}
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert user_records(user.pk)[-1].diff() == {"is_active": (True, False)}


def test_deleting_a_user_in_the_admin_is_logged(admin_client):
    user = UserFactory()
    pk = user.pk
    response = admin_client.post(f"/admin/core/user/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert user_records(pk)[-1].action == ChangeAction.DELETE
    assert user_records(pk)[-1].before["username"] == user.username


def test_the_admin_user_pages_still_open(admin_client, admin_user):
    for url in (
        "/admin/core/user/",
        f"/admin/core/user/{admin_user.pk}/change/",
        f"/admin/core/user/{admin_user.pk}/history/",
    ):
        assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "sees_users"),
    [(Role.ADMINISTRATOR, True), (Role.AUDITOR, True), (Role.ENGINEER, False), (Role.OPD_OPERATOR, False)],
)
def test_only_administrators_and_auditors_read_user_change_records(role, sees_users, client):
    org = OrganizationFactory()
    reader = UserFactory(role=role, organization=org if role == Role.OPD_OPERATOR else None)
    subject = UserFactory(username="pegawai-diaudit")
    subject.role = Role.AUDITOR
    subject.save()
    DeviceFactory(name="srv-terlihat")
    response = token_client(reader).get("/api/changes/", {"limit": 500})
    assert response.status_code == 200
    kinds = {r["object_type"] for r in response.json()["results"]}
    reprs = {r["object_repr"] for r in response.json()["results"]}
    assert "inventory.device" in kinds
    assert ("pegawai-diaudit" in reprs) is sees_users
    assert ("core.user" in kinds) is sees_users
    by_type = token_client(reader).get("/api/changes/", {"object_type": "core.user", "object_id": subject.pk})
    assert (by_type.json()["count"] > 0) is sees_users
    client.force_login(reader)
    home = client.get("/").content.decode()
    assert ("pegawai-diaudit" in home) is sees_users
