import pytest

from infra.core.choices import Role

from .factories import OrganizationFactory, UserFactory

PASSWORD = "rahasia-uji-123"


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin-uji", role=Role.ADMINISTRATOR)


@pytest.fixture
def engineer(db):
    return UserFactory(username="insinyur-uji", role=Role.ENGINEER)


@pytest.fixture
def operator(db, organization):
    return UserFactory(username="operator-uji", role=Role.OPD_OPERATOR, organization=organization)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor-uji", role=Role.AUDITOR)
