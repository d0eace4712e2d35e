"""Signing in: the lock-out (django-axes), the sign-in log, the password policy, resets by an
administrator, and the session's limits (issue 9, finding 7)."""

import io
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from infra.core.choices import Role
from infra.core.models import User

from ..conftest import PASSWORD
from ..factories import UserFactory

WRONG = "salah-sandi-999"
# The session's clock (infra.core.security), by name: the module is new, and these tests must run
# (and fail) on the code from before it too.
SIGNED_IN_AT, SEEN_AT = "simpul_signed_in_at", "simpul_seen_at"


def sign_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- lock-out ----------------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_is_refused_while_locked(client, engineer):
    answers = [sign_in(client, engineer.username, WRONG).status_code for _ in range(30)]
    assert answers[:9] == [200] * 9  # the login page again, with its error
    assert set(answers[9:]) == {429}  # from the tenth failure on: locked
    response = client.post("/login/", {"username": engineer.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert not signed_in(client)
    assert "Too many failed sign-ins" in response.content.decode()


def test_the_lock_holds_for_the_user_name_from_any_address(client, engineer):
    for n in range(10):
        sign_in(client, engineer.username, WRONG, address=f"10.0.0.{n + 1}")
    response = sign_in(Client(), engineer.username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429


def test_spraying_many_user_names_from_one_address_locks_the_address(client, engineer, auditor):
    for n in range(10):
        sign_in(client, f"tebakan-{n}", WRONG, address="203.0.113.7")
    refused = sign_in(Client(), auditor.username, PASSWORD, address="203.0.113.7")
    assert refused.status_code == 429
    other = Client()
    assert sign_in(other, auditor.username, PASSWORD, address="198.51.100.1").status_code == 302
    assert signed_in(other)


def test_the_lock_ends_after_the_cool_off(client, engineer):
    for _ in range(10):
        sign_in(client, engineer.username, WRONG)
    assert sign_in(client, engineer.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time.replace(year=2000))
    assert sign_in(client, engineer.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_admin_login_is_locked_too(client, admin_user):
    for _ in range(10):
        client.post("/admin/login/", {"username": admin_user.username, "password": WRONG})
    response = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_locked_out_page_speaks_indonesian_by_default(client, engineer):
    for _ in range(10):
        sign_in(client, engineer.username, WRONG)
    page = sign_in(client, engineer.username, PASSWORD).content.decode()
    assert 'lang="id"' in page
    assert "Terlalu banyak" in page
    assert "15 menit" in page
    assert engineer.username not in page  # it does not confirm which account exists


def test_the_api_takes_no_password_so_it_is_no_way_around_the_lock(client, engineer):
    """The API signs in with a token or the web session only: no door there checks a password."""
    for _ in range(10):
        sign_in(client, engineer.username, WRONG)
    api = Client()
    basic = "Basic " + __import__("base64").b64encode(f"{engineer.username}:{PASSWORD}".encode()).decode()
    assert api.get("/api/devices/", HTTP_AUTHORIZATION=basic).status_code == 401
    assert api.post("/api/tokens/", {"description": "x"}, HTTP_AUTHORIZATION=basic).status_code == 401
    assert api.get("/api-auth/login/").status_code == 404


def test_a_forwarded_address_counts_only_when_its_header_is_configured(rf, settings):
    from infra.core.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert client_ip(request) == "10.0.0.2"  # not configured: a client's header is not believed
    settings.SIMPUL_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request) == "198.51.100.9"  # the right-most, added by the proxy itself
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")) == "10.0.0.2"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


def test_a_spoofed_forwarded_header_does_not_escape_the_address_lock(client, engineer, auditor):
    for n in range(10):
        client.post(
            "/login/",
            {"username": f"x{n}", "password": WRONG},
            REMOTE_ADDR="203.0.113.8",
            HTTP_X_FORWARDED_FOR=f"9.9.9.{n}",
        )
    response = Client().post(
        "/login/",
        {"username": auditor.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.8",
        HTTP_X_FORWARDED_FOR="8.8.8.8",
    )
    assert response.status_code == 429


# --- the sign-in log -----------------------------------------------------------------------------------


def test_each_sign_in_and_failed_sign_in_is_recorded_without_the_password(client, engineer):
    sign_in(client, engineer.username, WRONG, address="192.0.2.10")
    sign_in(client, engineer.username, PASSWORD, address="192.0.2.10")
    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address, failure.locked_out) == (engineer.username, "192.0.2.10", False)
    success = AccessLog.objects.get()
    assert (success.username, success.ip_address) == (engineer.username, "192.0.2.10")
    stored = " ".join(str(v) for row in AccessAttempt.objects.values() for v in row.values())
    assert WRONG not in stored and PASSWORD not in stored


def test_signing_out_is_recorded_and_clears_the_session(client, engineer):
    sign_in(client, engineer.username, PASSWORD)
    old_key = client.session.session_key
    assert client.post("/logout/").status_code == 302
    assert not signed_in(client)
    assert client.session.session_key != old_key
    assert AccessLog.objects.get().logout_time is not None
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.AUDITOR])
def test_administrators_and_auditors_read_the_sign_in_log(client, engineer, role):
    sign_in(Client(), engineer.username, WRONG, address="192.0.2.20")
    sign_in(Client(), engineer.username, PASSWORD, address="192.0.2.21")
    client.force_login(UserFactory(role=role))
    page = client.get("/sign-ins/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "192.0.2.21" in text and engineer.username in text
    failed = client.get("/sign-ins/failed/").content.decode()
    assert "192.0.2.20" in failed and WRONG not in failed
    filtered = client.get("/sign-ins/failed/", {"ip_address": "192.0.2.99"}).content.decode()
    assert "192.0.2.20" not in filtered
    assert client.get("/sign-ins/failed/", {"ip_address": "bukan-alamat"}).status_code == 200  # a clear message, no 500
    export = client.get("/sign-ins/", {"export": "csv"})
    assert export.status_code == 200 and "192.0.2.21" in b"".join(export.streaming_content).decode()


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.OPD_OPERATOR])
def test_others_may_not_read_the_sign_in_log(client, organization, role):
    client.force_login(UserFactory(role=role, organization=organization))
    assert client.get("/sign-ins/").status_code == 403
    assert client.get("/sign-ins/failed/").status_code == 403


def test_nobody_alters_the_sign_in_log_through_the_admin(client, admin_user, engineer):
    sign_in(Client(), engineer.username, PASSWORD)
    record = AccessLog.objects.get()
    client.force_login(admin_user)
    assert client.get("/admin/axes/accesslog/").status_code == 200
    assert client.post(f"/admin/axes/accesslog/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=record.pk).exists()


def test_an_administrator_lifts_a_lock_by_deleting_the_attempt_in_the_admin(client, admin_user, engineer):
    for _ in range(10):
        sign_in(Client(), engineer.username, WRONG)
    attempt = AccessAttempt.objects.get()
    client.force_login(admin_user)
    assert client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert sign_in(Client(), engineer.username, PASSWORD).status_code == 302


# --- password policy -----------------------------------------------------------------------------------


def test_passwords_shorter_than_twelve_characters_are_refused_everywhere(client, admin_user):
    with pytest.raises(ValidationError):
        User.objects.create_user("pendek", password="sebelas-kar")  # 11 characters
    client.force_login(admin_user)
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "baru",
            "password1": "sebelas-kar",
            "password2": "sebelas-kar",
            "role": Role.AUDITOR,
            "usable_password": "true",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and not User.objects.filter(username="baru").exists()
    assert "at least 12 characters" in response.content.decode()


def test_createsuperuser_applies_the_policy_without_a_keyboard_too(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "pendek-123")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("createsuperuser", "--noinput", username="root", email="", stdout=io.StringIO())
    assert not User.objects.filter(username="root").exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "kuda-lari-di-sawah-7")
    call_command("createsuperuser", "--noinput", username="root", email="", stdout=io.StringIO())
    assert User.objects.get(username="root").check_password("kuda-lari-di-sawah-7")


# --- resets by an administrator ------------------------------------------------------------------------


def test_an_administrator_sets_a_password_and_the_user_must_change_it(client, admin_user, engineer):
    client.force_login(admin_user)
    new = "sementara-dari-admin-1"
    response = client.post(
        f"/admin/core/user/{engineer.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true", "set-password": "1"},
    )
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.must_change_password and engineer.check_password(new)
    assert LogEntry.objects.filter(object_id=str(engineer.pk), change_message__icontains="password").exists()

    user = Client()
    assert sign_in(user, engineer.username, new).status_code == 302
    assert user.get("/").url == "/password/"  # every page leads to the change first
    assert user.get("/devices/").url == "/password/"
    assert user.get("/api/devices/").status_code == 403
    page = user.get("/password/")
    assert page.status_code == 200 and 'data-testid="must-change"' in page.content.decode()
    same = user.post(
        "/password/", {"old_password": new, "new_password1": new, "new_password2": new}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert same.status_code == 200 and "different from the one you have now" in same.content.decode()
    short = user.post("/password/", {"old_password": new, "new_password1": "pendek-1", "new_password2": "pendek-1"})
    assert short.status_code == 200
    mine = "milik-saya-sendiri-42"
    done = user.post("/password/", {"old_password": new, "new_password1": mine, "new_password2": mine})
    assert done.status_code == 302
    engineer.refresh_from_db()
    assert not engineer.must_change_password and engineer.check_password(mine)
    assert user.get("/").status_code == 200  # still signed in, free to go on


def test_a_one_time_password_from_the_admin_action(client, admin_user, engineer, auditor):
    client.force_login(admin_user)
    response = client.post(
        "/admin/core/user/",
        {"action": "set_one_time_password", "_selected_action": [engineer.pk, auditor.pk, admin_user.pk]},
    )
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    text = response.content.decode()
    engineer.refresh_from_db()
    admin_user.refresh_from_db()
    assert engineer.must_change_password and not admin_user.must_change_password
    assert admin_user.check_password(PASSWORD)  # the administrator's own password is left alone
    import re

    shown = dict(re.findall(r"<td>([\w.-]+)</td><td>[^<]*</td><td><code>([a-z0-9-]+)</code>", text))
    assert set(shown) == {engineer.username, auditor.username}
    assert engineer.check_password(shown[engineer.username])
    assert not LogEntry.objects.filter(change_message__contains=shown[engineer.username]).exists()
    assert sign_in(Client(), engineer.username, shown[engineer.username]).status_code == 302


def test_a_user_changes_their_own_password(client, engineer):
    client.force_login(engineer)
    mine = "baru-dan-panjang-sekali"
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": mine, "new_password2": mine})
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.check_password(mine)
    wrong_old = client.post(
        "/password/", {"old_password": "bukan-ini-123", "new_password1": "x" * 20, "new_password2": "x" * 20}
    )
    assert wrong_old.status_code == 200


def test_a_user_added_by_an_administrator_chooses_their_own_password(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "baru",
            "password1": "kopi-pagi-hari-ini",
            "password2": "kopi-pagi-hari-ini",
            "role": Role.AUDITOR,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="baru").must_change_password


# --- session limits -----------------------------------------------------------------------------------


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"signed_in": SIGNED_IN_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


def test_an_idle_session_ends(client, engineer, settings):
    sign_in(client, engineer.username, PASSWORD)
    assert client.get("/").status_code == 200
    _age_session(client, seen=settings.SIMPUL_SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert not signed_in(client)
    assert client.get("/").status_code == 302


def test_a_busy_session_still_ends_at_its_absolute_limit(client, engineer, settings):
    sign_in(client, engineer.username, PASSWORD)
    _age_session(client, signed_in=settings.SIMPUL_SESSION_MAX_HOURS * 3600 + 5, seen=10)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert not signed_in(client)


def test_an_active_session_goes_on_and_its_last_use_is_kept_now_and_then(client, engineer, settings):
    sign_in(client, engineer.username, PASSWORD)
    _age_session(client, seen=400)
    assert client.get("/").status_code == 200
    assert int(time.time()) - client.session[SEEN_AT] < 5


def test_an_expired_session_gets_no_api_answer_either(client, engineer, settings):
    sign_in(client, engineer.username, PASSWORD)
    assert client.get("/api/devices/").status_code == 200
    _age_session(client, seen=settings.SIMPUL_SESSION_IDLE_MINUTES * 60 + 5)
    assert client.get("/api/devices/").status_code in (401, 403)


def test_the_session_clock_keys_are_the_ones_the_middleware_reads():
    from infra.core import security

    assert (security.SIGNED_IN_AT, security.SEEN_AT) == (SIGNED_IN_AT, SEEN_AT)


def test_session_settings_have_safe_defaults(settings):
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == settings.SIMPUL_SESSION_MAX_HOURS * 3600
    assert settings.SIMPUL_SESSION_IDLE_MINUTES == 60


@pytest.mark.parametrize(
    ("url", "name"), [("/sign-ins/", "web/list/sign-ins"), ("/sign-ins/failed/", "web/list/failed-sign-ins")]
)
def test_the_sign_in_log_pages_run_a_fixed_number_of_queries(client, auditor, url, name, query_counts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(count: int) -> None:
        for model in (AccessLog, AccessFailureLog):
            model.objects.bulk_create(
                model(
                    username=f"user{n}",
                    ip_address=f"10.1.{n // 250}.{n % 250}",
                    user_agent="Firefox",
                    http_accept="*/*",
                    path_info="/login/",
                )
                for n in range(count)
            )

    def measure() -> int:
        client.get(url + "?per_page=200")  # warm-up: the page size preference is saved
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url + "?per_page=200").status_code == 200
        return len(ctx.captured_queries)

    client.force_login(auditor)
    grow(5)
    small = measure()
    grow(300)
    assert measure() == small
    query_counts.check(name, small)
