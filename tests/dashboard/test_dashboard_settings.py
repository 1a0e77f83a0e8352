"""Settings: owners only — shop profile, closure days, API tokens, team and roles."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from shipdesk.accounts.models import ApiToken, ClosureDay, Membership, Seller, User
from tests.builders import Api

PROFILE = {
    "name": "Acme Goods",
    "email": "Orders@Acme.test",
    "country": "DE",
    "timezone_name": "Europe/Berlin",
    "thank_you_note": "Danke!",
    "confirm_hours": "12",
    "process_business_days": "",
    "ship_business_days": "2",
}


@pytest.mark.parametrize("path", ["/settings/", "/settings/profile/", "/settings/tokens/", "/settings/team/"])
def test_staff_cannot_open_or_change_settings(staff_client, seller, path):
    response = staff_client.post(path, PROFILE) if path != "/settings/" else staff_client.get(path)
    assert response.status_code == 403
    assert "Only owners can change settings" in response.content.decode()
    assert Seller.objects.get(pk=seller.pk).name == "Acme"


def test_staff_do_not_see_settings_in_the_menu_and_owners_do(staff_client, owner_client):
    assert 'href="/settings/"' not in staff_client.get("/orders/").content.decode()
    assert 'href="/settings/"' in owner_client.get("/orders/").content.decode()


def test_an_owner_changes_the_shop_profile_and_handling_times(owner_client, seller):
    response = owner_client.post("/settings/profile/", PROFILE, follow=True)
    assert "Shop settings saved." in response.content.decode()
    seller.refresh_from_db()
    assert (seller.name, seller.email, str(seller.country), seller.timezone, seller.thank_you_note) == (
        "Acme Goods",
        "orders@acme.test",
        "DE",
        "Europe/Berlin",
        "Danke!",
    )
    assert (seller.confirm_hours, seller.process_business_days, seller.ship_business_days) == (12, None, 2)


def test_handling_slower_than_the_marketplace_allows_is_refused(owner_client, seller):
    response = owner_client.post("/settings/profile/", {**PROFILE, "confirm_hours": "48"})
    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 24." in response.content.decode()
    assert Seller.objects.get(pk=seller.pk).confirm_hours is None


def test_times_are_shown_in_the_shops_timezone(owner_client, seller, product, place):
    order = place(seller)
    owner_client.post("/settings/profile/", {**PROFILE, "timezone_name": "Asia/Tokyo"})
    html = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert re.search(r"Placed \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d JST", html)


def test_closure_days_are_added_and_removed(owner_client, seller):
    day = date.today() + timedelta(days=20)
    owner_client.post("/settings/closure-days/", {"day": day.isoformat(), "reason": "Stocktake"})
    closure = ClosureDay.objects.get(seller=seller)
    assert (closure.day, closure.reason) == (day, "Stocktake")
    again = owner_client.post("/settings/closure-days/", {"day": day.isoformat()})
    assert again.status_code == 422 and "is already a closure day" in again.content.decode()

    owner_client.post(f"/settings/closure-days/{closure.pk}/remove/")
    assert not ClosureDay.objects.filter(seller=seller).exists()


def test_a_new_api_token_is_shown_once_works_and_can_be_revoked(owner_client, seller):
    response = owner_client.post("/settings/tokens/", {"name": "Warehouse scanner"})
    token = re.search(r'<code id="new-token-value">(sdk_[^<]+)</code>', response.content.decode()).group(1)
    assert response["Cache-Control"] == "no-store"
    assert Api(token).get("/orders/counts").status_code == 200

    listing = owner_client.get("/settings/").content.decode()
    assert token not in listing and "Warehouse scanner" in listing and token[:12] in listing

    record = ApiToken.objects.get(name="Warehouse scanner", seller=seller)
    owner_client.post(f"/settings/tokens/{record.pk}/revoke/")
    assert Api(token).get("/orders/counts").status_code == 401


def test_another_shops_token_cannot_be_revoked(owner_client, make_seller):
    from shipdesk.accounts.services import create_api_token

    theirs = create_api_token(name="theirs", seller=make_seller()).record
    assert owner_client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_a_new_team_member_is_invited_by_email_and_sets_a_password(owner_client, seller):
    response = owner_client.post("/settings/team/", {"email": "New.Packer@Acme.test", "role": "staff"}, follow=True)
    assert "new.packer@acme.test added as staff" in response.content.decode()
    member = Membership.objects.get(seller=seller, user__email="new.packer@acme.test")
    assert member.role == "staff" and not member.user.has_usable_password()

    (invitation,) = mail.outbox
    assert invitation.to == ["new.packer@acme.test"]
    assert invitation.subject == "owner@acme.test added you to Acme on Shipdesk"
    link = re.search(rf"{re.escape(settings.SHIPDESK_BASE_URL)}(/password-reset/\S+/)", invitation.body).group(1)

    newcomer = Client()
    form = newcomer.get(link, follow=True)
    newcomer.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
    )
    signed_in = newcomer.post(
        "/signin/", {"username": "new.packer@acme.test", "password": "a long new passphrase 42"}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == "/orders/"


def test_someone_already_in_the_shop_is_not_added_twice(owner_client, staff):
    response = owner_client.post("/settings/team/", {"email": staff.email, "role": "owner"})
    assert response.status_code == 422
    assert "is already in this shop; change their role instead." in response.content.decode()
    assert Membership.objects.get(user=staff).role == "staff"


def test_roles_change_and_people_are_removed(owner_client, seller, staff):
    owner_client.post(f"/settings/team/{staff.pk}/role/", {"role": "owner"})
    assert Membership.objects.get(user=staff, seller=seller).role == "owner"
    owner_client.post(f"/settings/team/{staff.pk}/remove/")
    assert not Membership.objects.filter(user=staff, seller=seller).exists()
    assert User.objects.filter(pk=staff.pk).exists()  # their account stays (other shops)


def test_the_last_owner_can_be_neither_demoted_nor_removed(owner_client, owner, seller):
    demote = owner_client.post(f"/settings/team/{owner.pk}/role/", {"role": "staff"}, follow=True).content.decode()
    remove = owner_client.post(f"/settings/team/{owner.pk}/remove/", follow=True).content.decode()
    assert "owner@acme.test is the shop&#x27;s only owner. Make someone else an owner first." in demote
    assert "only owner" in remove
    assert Membership.objects.get(user=owner, seller=seller).role == "owner"
