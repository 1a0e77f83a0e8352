"""The base URL every link starts with: SHIPDESK_BASE_URL if set, else the address served."""

from __future__ import annotations

import pytest

from shipdesk.ops.serving import BindAddress, base_url_for, parse_bind


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:18080", "http://127.0.0.1:18080"),
        ("0.0.0.0:8001", "http://127.0.0.1:8001"),  # every interface: a link names the loopback
        ("[::1]:8002", "http://[::1]:8002"),
        ("shipdesk.internal:80", "http://shipdesk.internal:80"),
    ],
)
def test_a_tcp_bind_address_gives_the_url_a_browser_opens(bind, url, monkeypatch):
    monkeypatch.delenv("SHIPDESK_BASE_URL", raising=False)
    assert base_url_for(parse_bind(bind)) == url


@pytest.mark.parametrize("bind", ["unix:/run/shipdesk.sock", "fd://3", "localhost", "host:port"])
def test_what_is_not_a_tcp_address_has_no_url_of_its_own(bind):
    assert parse_bind(bind) is None


def test_shipdesk_base_url_when_set_wins_over_the_served_address(monkeypatch):
    monkeypatch.setenv("SHIPDESK_BASE_URL", "https://shipdesk.example.com/")
    assert base_url_for(BindAddress("127.0.0.1", 18080)) == "https://shipdesk.example.com"
