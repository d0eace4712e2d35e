"""A small probed city: one OPD operator's devices and another OPD's, with checks of both kinds, an SNMP
credential, what the probes found for one check, and a maintenance window."""

import pytest

from ..api.conftest import token_client
from ..factories import (
    CheckFactory,
    DeviceFactory,
    IPAddressFactory,
    MaintenanceWindowFactory,
    OrganizationFactory,
    SnmpCredentialFactory,
    probe_history,
)


@pytest.fixture
def world(operator):
    own = DeviceFactory(name="sw-dinkes", organization=operator.organization)
    other = DeviceFactory(name="srv-lain", organization=OrganizationFactory(short_name="Lain"))
    ip = IPAddressFactory(interface__device=own, address="127.31.0.1", probe=True)
    auto = own.checks.get(ip_address=ip)  # made by the probe mark
    credential = SnmpCredentialFactory(name="inti-v3")
    snmp = CheckFactory(kind="snmp", device=own, credential=credential, address="127.31.0.1", port=16161)
    manual = CheckFactory(device=other, address="127.31.0.2")
    found = probe_history(auto)
    window = MaintenanceWindowFactory(device=own)
    return {
        "own": own,
        "other": other,
        "ip": ip,
        "auto": auto,
        "snmp": snmp,
        "manual": manual,
        "credential": credential,
        "window": window,
        **found,
    }


@pytest.fixture
def clients(client, admin_user, engineer, operator, auditor):
    """A signed-in web client per role (one Django client, signed in again for each)."""

    def sign_in(role: str):
        user = {"admin": admin_user, "engineer": engineer, "operator": operator, "auditor": auditor}[role]
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def apis(admin_user, engineer, operator, auditor):
    """An API client per role, each with its own token, asking for English (the tests' language)."""
    clients = {
        "admin": token_client(admin_user),
        "engineer": token_client(engineer),
        "operator": token_client(operator),
        "auditor": token_client(auditor),
    }
    for api in clients.values():
        api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return clients
