"""Password reset is throttled per account and per client address (issue 14, finding 10).

The counters live in the database (ops.ratelimit), so every host shares them. A throttled request
gets exactly the page any other request gets: nothing tells whether an email was sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.core import mail
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.ops.ratelimit import prune_windows

START = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


def ask_for_reset(email: str, *, address: str = "203.0.113.5"):
    return Client().post("/password-reset/", {"email": email}, REMOTE_ADDR=address)


def test_ten_reset_requests_in_a_second_send_three_emails_to_one_account(seller, owner):
    with time_machine.travel(START, tick=False):
        # ten requests for one account, from ten different addresses
        responses = [ask_for_reset(owner.email, address=f"198.51.100.{n}") for n in range(10)]

    assert len(mail.outbox) == 3
    assert {r.status_code for r in responses} == {302}
    assert {r.url for r in responses} == {"/password-reset/sent/"}


def test_one_address_asking_for_many_accounts_is_throttled(seller, make_member):
    people = [make_member(seller, f"person{n}@acme.test", "staff") for n in range(12)]

    with time_machine.travel(START, tick=False):
        responses = [ask_for_reset(person.email, address="198.51.100.66") for person in people]

    assert len(mail.outbox) == 10
    assert {r.url for r in responses} == {"/password-reset/sent/"}
    # another address is not held back by this one
    with time_machine.travel(START, tick=False):
        ask_for_reset("person11@acme.test", address="203.0.113.77")
    assert len(mail.outbox) == 11


def test_a_throttled_request_answers_the_same_page_as_one_that_sent_mail(seller, owner):
    with time_machine.travel(START, tick=False):
        first = Client().post("/password-reset/", {"email": owner.email}, follow=True)
        for _ in range(3):
            ask_for_reset(owner.email)
        throttled = Client().post("/password-reset/", {"email": owner.email}, follow=True)

    assert len(mail.outbox) == 3
    assert throttled.redirect_chain == first.redirect_chain
    assert throttled.content == first.content


def test_unknown_emails_count_too_so_the_throttle_reveals_no_account(seller):
    create_user(email="real@acme.test", password=None, seller=seller, role="staff")
    with time_machine.travel(START, tick=False):
        unknown = [ask_for_reset("nobody@example.test") for _ in range(4)]
        real = [ask_for_reset("real@acme.test", address="198.51.100.9") for _ in range(4)]

    assert [r.url for r in unknown] == [r.url for r in real]
    assert len(mail.outbox) == 3


def test_the_account_may_ask_again_an_hour_later(seller, owner):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            ask_for_reset(owner.email)
    assert len(mail.outbox) == 3

    with time_machine.travel(START + timedelta(hours=1), tick=False):
        ask_for_reset(owner.email)

    assert len(mail.outbox) == 4


def test_pruning_the_api_counters_keeps_the_reset_counters_of_the_hour(seller, owner):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            ask_for_reset(owner.email)
    prune_windows(now=START + timedelta(minutes=10))

    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        ask_for_reset(owner.email)
    assert len(mail.outbox) == 3
