"""The webhooks' pure decisions: which endpoint URLs a creditor may register, and the retry
policy's backoff and its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vroeg.feedback.webhooks import retry, urls


@pytest.mark.parametrize(
    ("url", "environment", "allowed"),
    [
        ("https://incasso.example.nl/vroeg", "production", True),
        ("https://incasso.example.nl:8443/vroeg?klant=7", "production", True),
        ("http://incasso.example.nl/vroeg", "production", False),
        ("http://incasso.example.nl/vroeg", "test", True),
        ("http://127.0.0.1:8093/ontvangers/a", "development", True),
        ("https://127.0.0.1/vroeg", "production", False),
        ("https://localhost/vroeg", "production", False),
        ("https://[::1]/vroeg", "production", False),
        ("https://127.1/vroeg", "production", False),
        ("https://169.254.169.254/latest/meta-data", "production", False),
        # No address inside a network either: private, shared, reserved, however spelt.
        ("https://10.0.0.5/vroeg", "production", False),
        ("https://172.16.3.4/vroeg", "production", False),
        ("https://192.168.1.10/vroeg", "production", False),
        ("https://100.64.0.1/vroeg", "production", False),
        ("https://0.0.0.0/vroeg", "production", False),
        ("https://240.0.0.1/vroeg", "production", False),
        ("https://10.1/vroeg", "production", False),
        ("https://0x0a.0.0.1/vroeg", "production", False),
        ("https://167772161/vroeg", "production", False),
        ("https://[fd00::1]/vroeg", "production", False),
        ("https://[fe80::1%25eth0]/vroeg", "production", False),
        ("https://[::ffff:10.0.0.1]/vroeg", "production", False),
        ("https://[64:ff9b::a00:1]/vroeg", "production", False),
        ("https://[2002:a00:1::]/vroeg", "production", False),
        ("https://10.0.0.5/vroeg", "acceptance", False),
        ("https://93.184.216.34/vroeg", "production", True),
        ("https://[2a00:1450:4001:80b::200e]/vroeg", "production", True),
        ("http://10.0.0.5:8093/ontvangers/a", "test", True),
        ("https://incasso.example.nl/vroeg", "acceptance", True),
        ("http://incasso.example.nl/vroeg", "acceptance", False),
        ("https://user:pw@incasso.example.nl/vroeg", "test", False),
        ("https://incasso.example.nl/v#x", "test", False),
        ("https://incasso.example.nl/ü", "test", False),
        ("https://incasso.example.nl:0/v", "test", False),
        ("incasso.example.nl/vroeg", "test", False),
    ],
)
def test_only_https_outside_development_and_only_public_addresses_in_production(
    url: str, environment: str, allowed: bool
) -> None:
    assert (urls.refusal(url, environment) is None) == allowed


def test_backoff_doubles_up_to_its_cap_with_jitter_between_half_and_all() -> None:
    full = [retry.backoff(n, first_s=30, max_s=3600, draw=1.0) for n in range(1, 10)]
    assert full == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry.backoff(3, first_s=30, max_s=3600, draw=0.0) == 60
    drawn = {retry.backoff(3, first_s=30, max_s=3600) for _ in range(50)}
    assert all(60 <= d <= 120 for d in drawn)
    assert len(drawn) > 1


def test_the_last_try_is_at_the_window_s_end_and_after_it_the_delivery_is_parked() -> None:
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)
    until = start + timedelta(hours=24)
    soon = retry.next_attempt(start, 1, until, first_s=30, max_s=3600)
    assert soon is not None
    assert timedelta(seconds=15) <= soon - start <= timedelta(seconds=30)
    near_end = until - timedelta(seconds=10)
    assert retry.next_attempt(near_end, 9, until, first_s=30, max_s=3600) == until
    assert retry.next_attempt(until, 10, until, first_s=30, max_s=3600) is None
