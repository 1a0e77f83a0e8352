"""`shipdesk demo`, run after run (every `make run` runs it): the same working sign-in, no token pile."""

from __future__ import annotations

import io
import re
import stat

import pytest
from django.core.management import call_command

from shipdesk.accounts.models import ApiToken, User
from shipdesk.accounts.services import authenticate_token, create_user
from shipdesk.management.commands.demo import OWNER_EMAIL


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.SHIPDESK_DATA_DIR = tmp_path
    settings.SHIPDESK_BASE_URL = "http://127.0.0.1:18080"
    return tmp_path


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str | None:
    found = re.search(rf"Sign in:\s+{re.escape(OWNER_EMAIL)}\s+password (\S+)", output)
    return found.group(1) if found else None


def printed_tokens(output: str) -> tuple[str, str]:
    return re.search(r"Seller API token:\s+(\S+)", output).group(1), re.search(
        r"Platform API token:\s+(\S+)", output
    ).group(1)


def test_a_second_demo_run_prints_the_same_working_sign_in_and_tokens_and_creates_no_token(db, data_dir):
    first = demo()
    tokens_after_first = ApiToken.objects.count()

    second = demo()

    password = printed_password(second)
    assert password is not None, second
    assert password == printed_password(first)
    assert User.objects.get(email=OWNER_EMAIL).check_password(password)
    assert printed_tokens(second) == printed_tokens(first)
    assert all(authenticate_token(token) is not None for token in printed_tokens(second))
    assert ApiToken.objects.count() == tokens_after_first
    assert "http://127.0.0.1:18080/api/v1/orders/counts" in second


def test_the_demo_keeps_its_sign_in_readable_by_its_owner_only(db, data_dir):
    demo()

    kept = data_dir / "demo-access.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_changed_demo_password_is_not_printed_but_the_full_command_that_sets_a_new_one_is(db, data_dir):
    demo()
    create_user(email=OWNER_EMAIL, password="the owner chose this one")

    output = demo()

    assert printed_password(output) is None
    assert "make demo-password" in output
    command = re.search(r"\(or: (\S+) demo --new-password\)", output)
    assert command is not None, output
    assert command.group(1).endswith("bin/shipdesk")


def test_demo_new_password_gives_every_demo_login_a_new_working_password(db, data_dir):
    demo()
    create_user(email=OWNER_EMAIL, password="the owner chose this one")

    output = demo("--new-password")

    password = printed_password(output)
    assert password is not None and password != "the owner chose this one"
    for user in User.objects.filter(email__endswith="@demo-shop.test"):
        assert user.check_password(password), user.email
    assert printed_password(demo()) == password  # and the next run prints it again


def test_a_revoked_demo_token_is_replaced_by_exactly_one_new_one(db, data_dir):
    seller_token, _ = printed_tokens(demo())
    ApiToken.objects.filter(name="demo seller token").update(revoked_at="2026-01-01T00:00:00Z")
    count = ApiToken.objects.count()

    new_seller_token, _ = printed_tokens(demo())

    assert new_seller_token != seller_token
    assert authenticate_token(new_seller_token) is not None
    assert ApiToken.objects.count() == count + 1
