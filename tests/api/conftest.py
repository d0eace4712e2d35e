"""API test fixtures: a client per role, each signed in with its own token."""

import pytest
from rest_framework.test import APIClient

from infra.core.choices import Role
from infra.core.models import Token

from ..factories import OrganizationFactory, UserFactory


def token_client(user, *, read_only: bool = False, **kwargs) -> APIClient:
    """A client that sends ``Authorization: Token <key>`` for a new token of ``user``."""
    token, key = Token.issue(user, read_only=read_only, **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.token, client.key, client.user = token, key, user
    return client


@pytest.fixture
def api(engineer) -> APIClient:
    """The engineer's client (read-write token): the role that writes most of the inventory."""
    return token_client(engineer)


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    return token_client(admin_user)


@pytest.fixture
def operator_api(operator) -> APIClient:
    return token_client(operator)


@pytest.fixture
def auditor_api(auditor) -> APIClient:
    return token_client(auditor, read_only=False)  # auditors read only, whatever the flag says


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Dinas Lain", short_name="Lain")


@pytest.fixture
def engineer_two(db):
    return UserFactory(username="insinyur-dua", role=Role.ENGINEER)
