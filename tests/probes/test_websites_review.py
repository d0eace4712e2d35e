"""Defects a review found in the website checks, pinned: numeric host spellings behind the fence, a
hostile page's markup, and what a moved URL keeps."""

import time

import pytest
from django.core.exceptions import ValidationError

from infra.probes.choices import CheckKind
from infra.probes.engines.base import Outcome
from infra.probes.engines.http import HttpTarget, check, mixed_content
from infra.probes.models import Check, WebsiteStatus
from tests.factories import ApplicationFactory


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "127.1", "0x7f.0.0.1", "0x7f000001"])
def test_numeric_spellings_of_an_address_are_refused_behind_the_fence(host):
    contacted = []

    def allowed(ip: str) -> str:
        contacted.append(ip)
        return ""

    (result,) = check([HttpTarget(1, f"http://{host}:9/", timeout=2)], allowed=allowed)
    assert result.outcome == Outcome.LOCAL_ERROR
    assert "not written as an IP address" in result.detail
    assert contacted == [], "refused before any resolution or connection"


def test_a_page_of_unterminated_tags_is_read_for_mixed_content_in_linear_time():
    page = "<html><body>" + "<a" * 200_000 + '<img src="http://127.0.0.1/x.png">'
    started = time.monotonic()
    found = mixed_content(page, "https://127.0.0.1/")
    assert time.monotonic() - started < 5, "html.parser alone takes minutes over this"
    assert isinstance(found, list)
    assert mixed_content('<img src="http://127.0.0.1/x.png">', "https://127.0.0.1/") == ["http://127.0.0.1/x.png"]


@pytest.mark.django_db
def test_a_moved_url_starts_afresh_without_the_old_sites_findings():
    app = ApplicationFactory(url="http://127.0.20.1/")
    web_check = Check.objects.get(kind=CheckKind.HTTP)
    WebsiteStatus.objects.create(probe_check=web_check, fingerprint="a" * 64, status_code=200)
    app.url = "http://127.0.20.2/"
    app.save()
    assert not WebsiteStatus.objects.filter(probe_check=web_check).exists()


@pytest.mark.django_db
def test_a_check_made_from_a_url_alone_takes_its_host_as_target():
    made = Check(kind=CheckKind.HTTP, url="https://127.0.0.5:8443/layanan/")
    made.full_clean()
    assert made.address == "127.0.0.5"
    broken = Check(kind=CheckKind.HTTP, url="http://[::1")
    with pytest.raises(ValidationError) as refused:
        broken.full_clean()
    assert "url" in refused.value.message_dict
