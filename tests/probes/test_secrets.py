"""SNMP secrets are typed, stored encrypted and never shown back: not in a page, a form, an API answer,
an export, a historical list or the change log. The form keeps a secret left empty, empties one
"cleared", and replaces one typed; the API keeps one left out and empties one sent empty."""

import json
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from infra.core.models import ObjectChange
from infra.probes.models import SnmpCredential

from ..api.conftest import token_client
from ..factories import AUTH_KEY, COMMUNITY, PRIV_KEY, SECRETS

pytestmark = pytest.mark.django_db
NEW_COMMUNITY = "komunitas-BARU-8e1b"


def _body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data.decode("utf-8", errors="replace")


def assert_no_secret(text: str, where: str, secrets=(*SECRETS, NEW_COMMUNITY)) -> None:
    for secret in secrets:
        assert secret not in text, f"{where} shows a secret"


def _stored(credential: SnmpCredential) -> dict:
    fresh = SnmpCredential.objects.get(pk=credential.pk)
    return {name: getattr(fresh, name) for name in ("community", "auth_key", "priv_key")}


def _form(client, url: str) -> dict:
    """What the edit page sends back as it is (every field as shown), plus its version."""
    page = client.get(url).content.decode()
    data = {}
    for name, value in re.findall(r'<input type="(?:text|hidden)" name="([^"]+)" value="([^"]*)"', page):
        data[name] = value.replace("&quot;", '"')
    for name in re.findall(r'<select name="([^"]+)"', page):
        selected = re.search(rf'(?s)<select name="{name}".*?<option value="([^"]*)"[^>]* selected', page)
        data[name] = selected.group(1) if selected else ""
    return data


def test_every_page_of_a_credential_keeps_its_secrets(client, engineer, world):
    credential = world["credential"]
    client.force_login(engineer)
    SnmpCredential.objects.get(pk=credential.pk).save()  # a second change record
    for url in (
        reverse("probes:snmpcredential_list"),
        reverse("probes:snmpcredential_list") + "?export=csv",
        reverse("probes:snmpcredential_list") + "?export=xlsx",
        reverse("probes:snmpcredential", args=[credential.pk]),
        reverse("probes:snmpcredential_edit", args=[credential.pk]),
        reverse("probes:snmpcredential_history", args=[credential.pk]),
        reverse("probes:snmpcredential_delete", args=[credential.pk]),
        reverse("probes:check", args=[world["snmp"].pk]),
        reverse("probes:check_edit", args=[world["snmp"].pk]),
        reverse("probes:check_list") + "?export=csv&kind=snmp",
        reverse("inventory:device", args=[world["own"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(_body(response), url)
    # The quick search does not look into secrets.
    page = _body(client.get(reverse("probes:snmpcredential_list") + f"?q={COMMUNITY}"))
    assert f'href="/probes/snmp-credentials/{credential.pk}/"' not in page


def test_the_page_says_which_secrets_are_set(client, engineer, world):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    credential = world["credential"]
    SnmpCredential.objects.filter(pk=credential.pk).update(priv_key="")
    page = client.get(reverse("probes:snmpcredential", args=[credential.pk])).content.decode()
    rows = dict(re.findall(r'<th class="text-muted fw-normal w-25">([^<]+)</th><td>([^<]+)</td>', page))
    assert rows["Community"] == "Set" and rows["V3 authentication key"] == "Set"
    assert rows["V3 privacy key"] == "Not set"
    form = client.get(reverse("probes:snmpcredential_edit", args=[credential.pk])).content.decode()
    for name, state in (("community", "set"), ("auth_key", "set"), ("priv_key", "not-set")):
        box = re.search(rf'<input type="password" name="{name}"[^>]*>', form).group(0)
        assert f'data-secret="{state}"' in box and "value=" not in box
    assert 'name="clear_community"' in form and 'name="clear_priv_key"' not in form


def test_an_empty_box_keeps_the_secret_and_another_field_changes(client, engineer, world):
    credential = world["credential"]
    client.force_login(engineer)
    url = reverse("probes:snmpcredential_edit", args=[credential.pk])
    data = _form(client, url)
    data["username"] = "simpul-baru"
    assert client.post(url, data).status_code == 302
    assert _stored(credential) == {"community": COMMUNITY, "auth_key": AUTH_KEY, "priv_key": PRIV_KEY}
    assert SnmpCredential.objects.get(pk=credential.pk).username == "simpul-baru"


def test_a_typed_secret_replaces_and_clear_empties(client, engineer, world):
    credential = world["credential"]
    client.force_login(engineer)
    url = reverse("probes:snmpcredential_edit", args=[credential.pk])
    data = {**_form(client, url), "community": NEW_COMMUNITY, "clear_priv_key": "on"}
    data["version"] = "2c"  # a v2c credential needs no v3 keys
    response = client.post(url, data)
    assert response.status_code == 302
    assert _stored(credential) == {"community": NEW_COMMUNITY, "auth_key": AUTH_KEY, "priv_key": ""}
    # Stored encrypted: the column holds neither the old nor the new community.
    with connection.cursor() as cursor:
        cursor.execute("SELECT community, auth_key FROM probes_snmpcredential WHERE id = %s", [credential.pk])
        raw = " ".join(cursor.fetchone())
    assert_no_secret(raw, "the table")


def test_typing_a_secret_and_clearing_it_is_refused(client, engineer, world):
    credential = world["credential"]
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    url = reverse("probes:snmpcredential_edit", args=[credential.pk])
    data = {**_form(client, url), "community": NEW_COMMUNITY, "clear_community": "on"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Either type a new community or clear it, not both." in response.content.decode()
    assert_no_secret(response.content.decode(), "the refused form")
    assert _stored(credential)["community"] == COMMUNITY


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"version": "3", "clear_auth_key": "on"}, "auth_key", "A v3 key is at least 8 characters long."),
        ({"version": "3", "priv_key": "pendek"}, "priv_key", "A v3 key is at least 8 characters long."),
        ({"version": "3", "username": ""}, "username", "A v3 credential needs a user name."),
        ({"version": "2c", "clear_community": "on"}, "community", "A v2c credential needs a community."),
        ({"version": "4"}, "version", "Select a valid choice"),
    ],
)
def test_the_models_rules_are_the_forms(client, engineer, world, values, field, message):
    credential = world["credential"]
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    url = reverse("probes:snmpcredential_edit", args=[credential.pk])
    changes = ObjectChange.objects.count()
    response = client.post(url, {**_form(client, url), **values})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in " ".join(re.findall(rf'data-field-error="{field}">([^<]*)<', page))
    assert_no_secret(page, "the refused form")
    assert ObjectChange.objects.count() == changes
    assert _stored(credential) == {"community": COMMUNITY, "auth_key": AUTH_KEY, "priv_key": PRIV_KEY}


def test_a_new_credential_from_the_form(client, engineer):
    client.force_login(engineer)
    data = {"name": "akses-v2", "version": "2c", "community": NEW_COMMUNITY, "auth_protocol": "SHA-256"}
    data["priv_protocol"] = "AES"
    response = client.post(reverse("probes:snmpcredential_add"), data)
    assert response.status_code == 302
    assert SnmpCredential.objects.get(name="akses-v2").community == NEW_COMMUNITY
    assert_no_secret(_body(client.get(response["Location"])), "the new credential's page")


def test_the_change_log_never_holds_a_secret(client, engineer, world):
    client.force_login(engineer)
    url = reverse("probes:snmpcredential_edit", args=[world["credential"].pk])
    client.post(url, {**_form(client, url), "community": NEW_COMMUNITY})
    token_client(engineer).patch(
        f"/api/probes/snmp-credentials/{world['credential'].pk}/", {"auth_key": "kunci-baru-RAHASIA-77"}, format="json"
    )
    records = ObjectChange.objects.filter(content_type__model="snmpcredential")
    assert records.count() >= 3
    assert_no_secret(
        json.dumps([[r.before, r.after, r.object_repr] for r in records]),
        "the change log",
        (*SECRETS, NEW_COMMUNITY, "kunci-baru-RAHASIA-77"),
    )
    # ... and the API's change log, a credential's history and the as_of list.
    api = token_client(engineer)
    now = quote(timezone.now().isoformat())
    for url in (
        "/api/changes/?object_type=probes.snmpcredential",
        "/api/changes/?format=csv",
        f"/api/probes/snmp-credentials/{world['credential'].pk}/history/",
        f"/api/probes/snmp-credentials/?as_of={now}",
        f"/api/probes/snmp-credentials/?as_of={now}&format=csv",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert_no_secret(_body(response), url, (*SECRETS, NEW_COMMUNITY, "kunci-baru-RAHASIA-77"))


def test_historical_rows_leave_secrets_out(engineer, world):
    now = quote(timezone.now().isoformat())
    rows = token_client(engineer).get(f"/api/probes/snmp-credentials/?as_of={now}").json()["results"]
    assert rows and not {"community", "auth_key", "priv_key"} & set(rows[0])
    assert rows[0]["name"] == "inti-v3"


# --- the API -----------------------------------------------------------------------------------------
def test_the_api_says_whether_each_secret_is_set(engineer, world):
    api = token_client(engineer)
    pk = world["credential"].pk
    SnmpCredential.objects.filter(pk=pk).update(priv_key="")
    for url in (
        f"/api/probes/snmp-credentials/{pk}/",
        "/api/probes/snmp-credentials/",
        "/api/probes/snmp-credentials/?brief=1",
        "/api/probes/snmp-credentials/?format=csv",
        "/api/probes/snmp-credentials/?format=xlsx",
        f"/api/probes/checks/{world['snmp'].pk}/",
        "/api/probes/checks/?format=csv",
        "/api/schema/",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert_no_secret(_body(response), url)
    one = api.get(f"/api/probes/snmp-credentials/{pk}/").json()
    assert (one["community_set"], one["auth_key_set"], one["priv_key_set"]) == (True, True, False)
    assert not {"community", "auth_key", "priv_key"} & set(one)
    header = _body(api.get("/api/probes/snmp-credentials/?format=csv")).splitlines()[0]
    assert "community_set" in header and ",community," not in f",{header},"


def test_the_api_takes_secrets_and_gives_none_back(engineer):
    api = token_client(engineer)
    body = {"name": "akses-api", "version": "3", "username": "simpul", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY}
    response = api.post("/api/probes/snmp-credentials/", body, format="json")
    assert response.status_code == 201, response.json()
    assert_no_secret(response.content.decode(), "the created credential")
    credential = SnmpCredential.objects.get(name="akses-api")
    assert (credential.auth_key, credential.priv_key, credential.community) == (AUTH_KEY, PRIV_KEY, "")
    # Left out: kept. Sent empty: cleared (and the model's rules apply).
    url = f"/api/probes/snmp-credentials/{credential.pk}/"
    response = api.patch(url, {"description": "inti"}, format="json")
    assert response.status_code == 200 and _stored(credential)["auth_key"] == AUTH_KEY
    response = api.patch(url, {"priv_key": ""}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["priv_key"] == ["A v3 key is at least 8 characters long."]
    assert _stored(credential)["priv_key"] == PRIV_KEY
    response = api.patch(url, {"version": "2c", "community": NEW_COMMUNITY, "priv_key": ""}, format="json")
    assert response.status_code == 200
    assert (response.json()["community_set"], response.json()["priv_key_set"]) == (True, False)
    assert_no_secret(response.content.decode(), "the changed credential")
    response = api.put(url, {"name": "akses-api", "version": "2c"}, format="json")
    assert response.status_code == 200 and _stored(credential)["community"] == NEW_COMMUNITY


def test_only_engineers_and_administrators_reach_credentials_through_the_api(apis, world):
    pk = world["credential"].pk
    for role in ("operator", "auditor"):
        api = apis[role]
        for url in ("/api/probes/snmp-credentials/", f"/api/probes/snmp-credentials/{pk}/"):
            assert api.get(url).status_code == 403, (role, url)
        body = {"name": "x", "version": "2c", "community": "x"}
        assert api.post("/api/probes/snmp-credentials/", body, format="json").status_code == 403
        assert api.delete(f"/api/probes/snmp-credentials/{pk}/").status_code == 403
        # Their change records are not theirs to read either (auditors read the whole log).
        changes = api.get("/api/changes/?object_type=probes.snmpcredential").json()["results"]
        assert (len(changes) > 0) is (role == "auditor")
    for role in ("admin", "engineer"):
        assert apis[role].get(f"/api/probes/snmp-credentials/{pk}/").status_code == 200
