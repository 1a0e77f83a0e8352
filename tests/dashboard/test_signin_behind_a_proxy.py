"""Sign-in lockout behind the reverse proxy of docs/operations.md (issue 14, finding 4).

Behind a proxy every request arrives from the proxy's address. X-Forwarded-For is believed only
from the proxies in SHIPDESK_TRUSTED_PROXIES, so five wrong passwords lock out the guesser's own
address, and the account's owner, coming through the same proxy from elsewhere, still signs in.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from shipdesk.ops.client_address import client_ip
from tests.dashboard.conftest import PASSWORD

PROXY = "10.0.0.2"  # the reverse proxy, as every request's REMOTE_ADDR
ATTACKER = "198.51.100.66"
OWNER_AT_HOME = "203.0.113.9"


def sign_in_through(client: Client, email: str, password: str, *, peer: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post("/signin/", {"username": email, "password": password}, follow=True, **extra)


def test_behind_a_trusted_proxy_a_lockout_stops_the_guessers_address_and_not_the_owner(settings, owner_with_password):
    settings.SHIPDESK_TRUSTED_PROXIES = ["10.0.0.0/24"]
    owner = owner_with_password

    # when someone guesses the owner's password five times, through the proxy
    for _ in range(5):
        sign_in_through(Client(), owner.email, "guess", peer=PROXY, forwarded_for=ATTACKER)

    # then the guesser is locked out, even with the right password
    locked = sign_in_through(Client(), owner.email, PASSWORD, peer=PROXY, forwarded_for=ATTACKER)
    assert locked.status_code == 429
    # and the owner, through the same proxy from their own address, signs in
    mine = sign_in_through(Client(), owner.email, PASSWORD, peer=PROXY, forwarded_for=OWNER_AT_HOME)
    assert mine.status_code == 200 and mine.redirect_chain, f"the owner got {mine.status_code}"
    assert mine.redirect_chain[-1][0] == "/orders/"


def test_a_forged_x_forwarded_for_from_an_untrusted_address_does_not_escape_the_lockout(settings, owner_with_password):
    settings.SHIPDESK_TRUSTED_PROXIES = ["10.0.0.0/24"]
    owner = owner_with_password

    # when a client that is no proxy of ours sends a new X-Forwarded-For with every guess
    for n in range(5):
        sign_in_through(Client(), owner.email, "guess", peer=ATTACKER, forwarded_for=f"192.0.2.{n}")

    # then its own address is what counts, and it is locked out
    locked = sign_in_through(Client(), owner.email, PASSWORD, peer=ATTACKER, forwarded_for="192.0.2.99")
    assert locked.status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=OWNER_AT_HOME)
    assert client_ip(request) == ATTACKER


@pytest.mark.parametrize(
    "forwarded_for, client",
    [
        # the client's own claims, left of what our proxies wrote, are ignored
        (f"1.2.3.4, {ATTACKER}", ATTACKER),
        # two proxies of ours: the first address that is not ours is the client
        (f"{OWNER_AT_HOME}, 10.0.0.7", OWNER_AT_HOME),
        # an entry that is no address stops the walk at the last hop our proxies vouch for
        (f"{OWNER_AT_HOME}, not-an-ip", PROXY),
        # a port and an IPv4-mapped IPv6 address are the plain address
        (f"{OWNER_AT_HOME}:51234", OWNER_AT_HOME),
        (f"::ffff:{OWNER_AT_HOME}", OWNER_AT_HOME),
        # no header: the proxy itself
        (None, PROXY),
    ],
)
def test_the_client_is_the_first_address_right_to_left_that_is_not_a_trusted_proxy(settings, forwarded_for, client):
    settings.SHIPDESK_TRUSTED_PROXIES = ["10.0.0.0/24"]
    extra = {"REMOTE_ADDR": PROXY} | ({"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {})
    assert client_ip(RequestFactory().get("/", **extra)) == client


def test_a_trusted_proxy_entry_that_is_not_an_address_is_a_clear_configuration_error(settings):
    settings.SHIPDESK_TRUSTED_PROXIES = ["10.0.0.0/24", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match="SHIPDESK_TRUSTED_PROXIES: 'proxy.internal'"):
        client_ip(RequestFactory().get("/", REMOTE_ADDR=PROXY))


def test_behind_a_trusted_unix_socket_proxy_the_client_is_the_address_it_forwarded(settings):
    # gunicorn on a Unix socket leaves REMOTE_ADDR empty; `unix` says that peer is our proxy
    settings.SHIPDESK_TRUSTED_PROXIES = ["unix"]
    request = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}")
    assert client_ip(request) == ATTACKER


def test_behind_a_unix_socket_nobody_declared_trusted_the_header_is_not_believed(settings):
    settings.SHIPDESK_TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR=ATTACKER)
    assert client_ip(request) == ""
