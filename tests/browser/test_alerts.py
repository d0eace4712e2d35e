"""The alert channel's test button in a real browser, in both languages: a Telegram test message reaches
a bot API on loopback, and the delivery page shows the attempt."""

import json

import pytest
from playwright.sync_api import expect

from infra.probes.models import AlertChannel, AlertDelivery

from ..probes.test_alerts import TOKEN, Receiver


@pytest.fixture
def bot_api(settings):
    receiver = Receiver()
    settings.SIMPUL_TELEGRAM_API = receiver.url
    yield receiver
    receiver.close()


def test_the_test_button_in_both_languages(page, login, engineer_user, bot_api):
    channel = AlertChannel.objects.create(name="Grup NOC", kind="telegram", chat_id="-100777", secret=TOKEN)
    login(engineer_user)
    page.goto(f"/probes/alert-channels/{channel.pk}/")
    expect(page.get_by_test_id("send-test")).to_have_text("Kirim uji")
    page.get_by_test_id("send-test").click()
    expect(page.locator(".alert-success")).to_have_text("Pesan uji terkirim ke Grup NOC.")
    expect(page.get_by_test_id("delivery-status")).to_have_text("Terkirim")
    expect(page.get_by_test_id("attempt")).to_have_count(1)
    expect(page.get_by_test_id("attempt").first).to_contain_text("200")
    assert bot_api.requests[0]["path"] == f"/bot{TOKEN}/sendMessage"
    assert json.loads(bot_api.requests[0]["body"])["chat_id"] == "-100777"
    assert TOKEN not in page.content()

    page.locator("button[data-lang=en]").click()
    page.goto(f"/probes/alert-channels/{channel.pk}/")
    bot_api.fail = 1
    page.get_by_test_id("send-test").click()
    expect(page.locator(".alert-danger")).to_contain_text("The test message to Grup NOC failed: HTTP 500")
    expect(page.get_by_test_id("delivery-status")).to_have_text("Failed (gave up)")
    page.goto(f"/probes/alert-channels/{channel.pk}/")
    expect(page.get_by_test_id("channel-deliveries").locator("tr")).to_have_count(2)
    assert AlertDelivery.objects.filter(is_test=True).count() == 2
    assert len(bot_api.requests) == 2
