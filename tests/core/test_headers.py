"""HTTP headers: the content security policy and pages that need nothing inline, the one switch for
HTTPS deployments, and static files without a cross-origin grant (issue 9, item 4 and finding 9)."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from infra.inventory import models
from infra.inventory.urls import PAGES

from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    FiberLinkFactory,
    IPAddressFactory,
    MigrationFactory,
    MigrationWaveFactory,
    RackFactory,
    RegionFactory,
)

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


class InlineFinder(HTMLParser):
    """Everything in a page that a policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        # A JSON data block (Django's json_script) is not run, and no policy blocks it; any other
        # script without src is code.
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append(f"<script> without src at {self.getpos()}")
        if tag == "style":
            self.found.append(f"<style> at {self.getpos()}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}> at {self.getpos()}')
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}> at {self.getpos()}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{name}=javascript: on <{tag}> at {self.getpos()}")


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


@pytest.fixture
def city(db):
    device = DeviceFactory()
    ip = IPAddressFactory(interface__device=device)
    device.primary_ip = ip
    device.save()
    app = ApplicationFactory(organization=device.organization)
    app.devices.add(device)
    FiberLinkFactory(site_a=device.site)
    wave = MigrationWaveFactory()
    migration = MigrationFactory(device=device, wave=wave)
    models.MigrationBlocker.objects.create(migration=migration, category="backup")
    RackFactory()
    RegionFactory()
    models.Contact.objects.create(organization=device.organization, name="Budi")
    models.YearTarget.objects.create(year=2026, servers_moved=100)
    return device


def _pages_of_every_model() -> list[str]:
    urls = []
    for pages in PAGES:
        model = pages.queryset.model
        name = model._meta.model_name
        obj = model.objects.first()
        urls += [reverse(f"inventory:{name}_list"), reverse(f"inventory:{name}_add")]
        if obj is not None:
            for action in ("", "_edit", "_delete", "_history"):
                urls.append(reverse(f"inventory:{name}{action}", args=[obj.pk]))
    return urls


def test_no_page_needs_an_inline_script_or_style(client, admin_user, city):
    client.force_login(admin_user)
    urls = [
        "/",
        "/search/?q=a",
        reverse("inventory:migration_board"),
        reverse("inventory:migration_progress"),
        reverse("inventory:import"),
        "/sign-ins/",
        "/sign-ins/failed/",
        "/password/",
        "/no-such-page/",
        "/admin/",
        "/admin/core/user/",
        f"/admin/core/user/{admin_user.pk}/change/",
        f"/admin/core/user/{admin_user.pk}/password/",
        "/admin/inventory/device/",
        f"/admin/inventory/device/{city.pk}/change/",
        *_pages_of_every_model(),
    ]
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        parts = inline_parts(response.content.decode())
        if parts:
            found[url] = parts
    anonymous = Client()
    for url in ("/login/",):
        parts = inline_parts(anonymous.get(url).content.decode())
        if parts:
            found[url] = parts
    assert found == {}


def test_the_progress_bars_width_is_a_class(client, admin_user, city):
    client.force_login(admin_user)
    page = client.get(reverse("inventory:migration_progress")).content.decode()
    assert "progress-bar bg-success pct-" in page
    assert "style=" not in page


def test_every_page_carries_a_strict_content_security_policy(client, admin_user):
    for response in (Client().get("/login/"), client.get("/")):
        csp = policy(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["form-action"] == ["'self'"]
    client.force_login(admin_user)
    for url in ("/", "/admin/", "/sign-ins/"):
        csp = policy(client.get(url))
        assert "'unsafe-inline'" not in csp["script-src"] + csp["style-src"], url
        assert "'unsafe-eval'" not in csp["script-src"], url


def test_only_the_api_documentation_pages_widen_the_policy(client, engineer):
    client.force_login(engineer)
    for url in ("/api/docs/", "/api/redoc/"):
        csp = policy(client.get(url))
        assert "https://cdn.jsdelivr.net" in csp["script-src"]
        assert "'unsafe-inline'" not in csp["script-src"]  # Swagger UI's own script is a file too
        assert csp["frame-ancestors"] == ["'none'"]
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_htmx_is_told_not_to_add_its_inline_style(client, engineer):
    client.force_login(engineer)
    page = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page


def test_the_other_security_headers(client, engineer):
    client.force_login(engineer)
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_static_files_carry_no_cross_origin_grant(settings, tmp_path):
    (tmp_path / "simpul").mkdir()
    (tmp_path / "simpul" / "probe.css").write_text("body { color: black; }")
    settings.STATIC_ROOT = tmp_path
    response = Client().get("/static/simpul/probe.css")  # a new client: WhiteNoise reads STATIC_ROOT anew
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


# --- one switch for HTTPS ---------------------------------------------------------------------------

PROBE = """
import io, json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
# No collectstatic here: page templates look static files up without the manifest.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER"]
out = {n: getattr(settings, n, None) for n in names}
plain = Client().get("/login/")
out["plain_status"], out["plain_location"] = plain.status_code, plain.get("Location")
secure = Client().get("/login/", secure=True)
out["hsts"] = secure.get("Strict-Transport-Security")
out["csrf_cookie_secure"] = bool(secure.cookies["csrftoken"]["secure"]) if "csrftoken" in secure.cookies else None
proxied = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https")
out["proxied_status"] = proxied.status_code
report = io.StringIO()
try:
    call_command("check", "--deploy", stdout=report, stderr=report)
except Exception as error:
    report.write(str(error))
out["check"] = report.getvalue()
print("RESULT" + json.dumps(out))
"""


def _probe(tmp_path, **env) -> dict:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SIMPUL_", "SECURE_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "infra.settings",
        "SIMPUL_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "k" * 60 + "-not-a-default-django-insecure-key",
        "ALLOWED_HOSTS": "testserver,simpul.example.go.id",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line is not None, done.stderr[-3000:]
    return json.loads(line[len("RESULT") :])


def test_simpul_https_switches_on_secure_cookies_hsts_and_the_redirect(tmp_path):
    result = _probe(tmp_path, SIMPUL_HTTPS="true")
    assert result["SESSION_COOKIE_SECURE"] and result["CSRF_COOKIE_SECURE"] and result["SECURE_SSL_REDIRECT"]
    assert result["SECURE_HSTS_SECONDS"] >= 31536000 and result["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert result["plain_status"] == 301 and result["plain_location"].startswith("https://")
    assert result["hsts"].startswith("max-age=31536000")
    assert result["csrf_cookie_secure"] is True
    # A client's X-Forwarded-Proto is not believed unless a proxy header is configured.
    assert result["SECURE_PROXY_SSL_HEADER"] is None and result["proxied_status"] == 301
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning not in result["check"], result["check"]


def test_behind_a_tls_proxy_its_header_is_believed_only_when_configured(tmp_path):
    result = _probe(tmp_path, SIMPUL_HTTPS="true", SIMPUL_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert result["proxied_status"] == 200


def test_without_the_switch_a_plain_http_site_keeps_working(tmp_path):
    result = _probe(tmp_path)
    assert not result["SESSION_COOKIE_SECURE"] and not result["SECURE_SSL_REDIRECT"]
    assert result["SECURE_HSTS_SECONDS"] == 0
    assert result["plain_status"] == 200
