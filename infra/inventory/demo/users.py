"""The demo's users: one per role, with a published password, put back to their demo state on every load."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from infra.core.choices import Role
from infra.core.models import User

from ..models import Organization
from .constants import EMAIL_DOMAIN
from .data import DEMO_USERS

DEMO_PASSWORD = "simpul-demo"

# A fixed salt gives the same hash on every run, so a second run sees the password is already the
# demo one with a single hash computation instead of one per user. It is a published demo password.
_DEMO_SALT = "SimpulDemoKotaBandarLa"


def ensure_users() -> dict[str, User]:
    """Create the demo users, or put existing ones back to their demo role, OPD and password."""
    password = make_password(DEMO_PASSWORD, salt=_DEMO_SALT)
    organizations = dict(
        Organization.objects.filter(short_name__in={u.organization for u in DEMO_USERS if u.organization}).values_list(
            "short_name", "pk"
        )
    )
    existing = {u.username: u for u in User.objects.filter(username__in=[u.username for u in DEMO_USERS])}
    users = {}
    for spec in DEMO_USERS:
        organization_id = organizations.get(spec.organization)
        if spec.role == Role.OPD_OPERATOR and organization_id is None:
            continue  # the OPD was removed: an operator cannot exist without one
        wanted = {
            "role": spec.role,
            "organization_id": organization_id,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "email": f"{spec.username}@{EMAIL_DOMAIN}",
            "is_superuser": spec.role == Role.ADMINISTRATOR,
            "is_active": True,
            "must_change_password": False,  # the published demo password stays usable
            "password": password,
        }
        user = existing.get(spec.username) or User(username=spec.username)
        if user.pk is None or any(getattr(user, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(user, k, v)
            user.save()
        users[spec.username] = user
    return users
