"""Joining a shop is the person's choice (issue 14, finding 2).

An owner who adds someone who already has an account only invites them: no membership until that
person, signed in as themselves, accepts. A member can leave a shop. After sign-in a person lands
in the shop they last used, never in another one because of its name.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from shipdesk.accounts.models import Invitation, Membership
from shipdesk.errors import ShipdeskError
from tests.dashboard.conftest import PASSWORD
from tests.parallel import errors, run_together


def sign_in(email: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/signin/", {"username": email, "password": password}, follow=True)
    assert response.redirect_chain, response.content.decode()[:500]
    return client


def invitation_link(message) -> str:
    # Emailed links start with SHIPDESK_BASE_URL (the served address); the path is what a client opens.
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)


def test_adding_someone_who_has_an_account_only_invites_them_until_they_accept(make_seller, make_member):
    # given Vic, who works for their own shop, and an owner of a shop named to sort first
    victims_shop, attackers_shop = make_seller("vics-shop"), make_seller("aaa-shop")
    vic = make_member(victims_shop, "vic@example.test", "owner", password=PASSWORD)
    make_member(attackers_shop, "mallory@example.test", "owner", password=PASSWORD)
    mallory = sign_in("mallory@example.test")

    # when that owner adds Vic's email to their team
    response = mallory.post("/settings/team/", {"email": "vic@example.test", "role": "staff"}, follow=True)

    # then Vic is not in that shop, only invited by email, and still lands in their own shop
    assert "they join when they accept it" in response.content.decode()
    assert not Membership.objects.filter(user=vic, seller=attackers_shop).exists()
    (message,) = mail.outbox
    assert message.to == ["vic@example.test"]
    assert message.subject == "mallory@example.test invited you to join Aaa-Shop on Shipdesk"
    landing = sign_in("vic@example.test").get("/orders/")
    assert landing.context["current_seller"] == victims_shop

    # and when Vic, signed in, opens the link and accepts, they join, with the invited role
    vic_client = sign_in("vic@example.test")
    page = vic_client.get(invitation_link(message))
    assert page.status_code == 200 and "Join Aaa-Shop?" in page.content.decode()
    joined = vic_client.post(invitation_link(message) + "accept/", follow=True)
    assert joined.redirect_chain[-1][0] == "/orders/"
    assert Membership.objects.get(user=vic, seller=attackers_shop).role == "staff"
    assert Invitation.objects.get().status == "accepted"


def test_an_invitation_is_not_for_whoever_holds_the_link(make_seller, make_member):
    shop, other = make_seller("shop"), make_seller("other")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    make_member(other, "vic@example.test", "owner", password=PASSWORD)
    eve = make_member(other, "eve@example.test", "staff", password=PASSWORD)
    sign_in("owner@example.test").post("/settings/team/", {"email": "vic@example.test", "role": "owner"})
    link = invitation_link(mail.outbox[0])

    eve_client = sign_in("eve@example.test")
    assert eve_client.get(link).status_code == 404
    assert eve_client.post(link + "accept/").status_code == 404
    assert not Membership.objects.filter(user=eve, seller=shop).exists()
    # signed out, the link asks to sign in first
    assert Client().get(link).url.startswith("/signin/?next=/invitations/")


def test_a_declined_or_expired_invitation_adds_nobody(make_seller, make_member):
    shop, home = make_seller("shop"), make_seller("home")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    vic = make_member(home, "vic@example.test", "owner", password=PASSWORD)
    owner = sign_in("owner@example.test")
    owner.post("/settings/team/", {"email": "vic@example.test", "role": "staff"})
    vic_client = sign_in("vic@example.test")

    vic_client.post(invitation_link(mail.outbox[0]) + "decline/")
    assert Invitation.objects.get().status == "declined"
    vic_client.post(invitation_link(mail.outbox[0]) + "accept/")
    assert not Membership.objects.filter(user=vic, seller=shop).exists()

    owner.post("/settings/team/", {"email": "vic@example.test", "role": "staff"})
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        late = vic_client.post(invitation_link(mail.outbox[1]) + "accept/", follow=True)
    assert "This invitation has expired." in late.content.decode()
    assert not Membership.objects.filter(user=vic, seller=shop).exists()


def test_an_owner_can_withdraw_an_unanswered_invitation_and_its_link_stops_working(make_seller, make_member):
    # given an invitation sent to Vic by mistake
    shop, home = make_seller("shop"), make_seller("home")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    vic = make_member(home, "vic@example.test", "owner", password=PASSWORD)
    owner = sign_in("owner@example.test")
    owner.post("/settings/team/", {"email": "vic@example.test", "role": "owner"})
    invitation = Invitation.objects.get()
    assert "Withdraw" in owner.get("/settings/").content.decode()

    # when the owner withdraws it
    owner.post(f"/settings/team/invitations/{invitation.pk}/withdraw/")

    # then the link leads nowhere and Vic cannot join through it
    vic_client = sign_in("vic@example.test")
    assert vic_client.get(invitation_link(mail.outbox[0])).status_code == 404
    vic_client.post(invitation_link(mail.outbox[0]) + "accept/")
    assert not Membership.objects.filter(user=vic, seller=shop).exists()


def test_another_shops_owner_cannot_withdraw_this_shops_invitation(make_seller, make_member):
    shop, other = make_seller("shop"), make_seller("other")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    make_member(other, "rival@example.test", "owner", password=PASSWORD)
    make_member(make_seller("home"), "vic@example.test", "owner", password=PASSWORD)
    sign_in("owner@example.test").post("/settings/team/", {"email": "vic@example.test", "role": "staff"})

    sign_in("rival@example.test").post(f"/settings/team/invitations/{Invitation.objects.get().pk}/withdraw/")

    assert Invitation.objects.get().status == "pending"


def test_an_invitation_lapses_when_whoever_sent_it_is_no_longer_an_owner(make_seller, make_member):
    # given an owner who invited Vic, then was made staff by the other owner
    shop, home = make_seller("shop"), make_seller("home")
    inviter = make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    make_member(shop, "boss@example.test", "owner")
    vic = make_member(home, "vic@example.test", "owner", password=PASSWORD)
    sign_in("owner@example.test").post("/settings/team/", {"email": "vic@example.test", "role": "owner"})
    Membership.objects.filter(user=inviter, seller=shop).update(role="staff")

    # when Vic accepts
    answer = sign_in("vic@example.test").post(invitation_link(mail.outbox[0]) + "accept/", follow=True)

    # then Vic does not join: the invitation lapsed with its sender's say over the team
    assert "the invitation has lapsed" in answer.content.decode()
    assert not Membership.objects.filter(user=vic, seller=shop).exists()


def test_someone_another_shop_added_who_has_not_set_a_password_yet_is_only_invited(make_seller, make_member):
    # given Pat, just added to their own shop, who has not opened the set-a-password link yet
    shop, home = make_seller("shop"), make_seller("home")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    pat = make_member(home, "pat@example.test", "staff")

    # when another shop's owner adds Pat
    sign_in("owner@example.test").post("/settings/team/", {"email": "pat@example.test", "role": "staff"})

    # then Pat is invited, not put in that shop
    assert not Membership.objects.filter(user=pat, seller=shop).exists()
    assert Invitation.objects.filter(seller=shop, email="pat@example.test", status="pending").exists()


def test_someone_new_is_still_added_at_once_and_sets_a_password_by_the_link(owner_client, seller):
    owner_client.post("/settings/team/", {"email": "new@acme.test", "role": "staff"})
    assert Membership.objects.filter(seller=seller, user__email="new@acme.test").exists()
    assert "/password-reset/" in mail.outbox[0].body


def test_a_member_can_leave_a_shop_but_the_last_owner_cannot(make_seller, make_member):
    shop, home = make_seller("shop"), make_seller("home")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    packer = make_member(shop, "packer@example.test", "staff", password=PASSWORD)
    make_member(home, "packer@example.test", "owner")
    client = sign_in("packer@example.test")
    client.post("/switch-shop/", {"seller_id": shop.pk})

    assert "Leave Shop?" in client.get("/leave-shop/").content.decode()
    left = client.post("/leave-shop/", follow=True)

    assert not Membership.objects.filter(user=packer, seller=shop).exists()
    assert left.context["current_seller"] == home
    owner = sign_in("owner@example.test")
    refused = owner.post("/leave-shop/", follow=True)
    assert "only owner" in refused.content.decode()
    assert Membership.objects.filter(user__email="owner@example.test", seller=shop).exists()


def test_after_sign_in_the_shop_shown_is_the_one_last_used(make_seller, make_member):
    zeta, alpha = make_seller("zeta"), make_seller("alpha")
    make_member(zeta, "ada@example.test", "owner", password=PASSWORD)
    make_member(alpha, "ada@example.test", "owner")

    first = sign_in("ada@example.test")
    assert first.get("/orders/").context["current_seller"] == zeta  # never chosen: the first joined
    first.post("/switch-shop/", {"seller_id": alpha.pk})
    first.post("/switch-shop/", {"seller_id": zeta.pk})

    # a new session (another browser, or after signing out) opens in the shop last chosen
    assert sign_in("ada@example.test").get("/orders/").context["current_seller"] == zeta
    first.post("/switch-shop/", {"seller_id": alpha.pk})
    assert sign_in("ada@example.test").get("/orders/").context["current_seller"] == alpha


def test_the_owner_sees_who_is_invited_and_not_joined_yet(make_seller, make_member):
    shop, home = make_seller("shop"), make_seller("home")
    make_member(shop, "owner@example.test", "owner", password=PASSWORD)
    make_member(home, "vic@example.test", "owner", password=PASSWORD)
    owner = sign_in("owner@example.test")
    owner.post("/settings/team/", {"email": "vic@example.test", "role": "staff"})

    html = owner.get("/settings/").content.decode()

    assert "Invited, not joined yet" in html and "vic@example.test as Staff" in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_owner_inviting_again_while_the_person_accepts_never_deadlocks(make_seller, make_member):
    # given Vic, who has an account, and an owner who invites them, twenty times over
    from shipdesk.accounts.services import accept_invitation, add_member

    vic = make_member(make_seller("vics-shop"), "vic@example.test", password=PASSWORD)
    for round_number in range(20):
        shop = make_seller(f"shop-{round_number}")
        owner = make_member(shop, f"owner{round_number}@example.test")
        invited = add_member(seller=shop, email=vic.email, role="staff", invited_by=owner)

        # when the owner invites again at the instant Vic accepts the first invitation
        outcomes = run_together(
            [
                lambda invited=invited: accept_invitation(token=invited.invitation_token, user=vic),
                lambda shop=shop, owner=owner: add_member(seller=shop, email=vic.email, role="staff", invited_by=owner),
            ]
        )

        # then each gets an answer of ours (joined, invited again, or "already in this shop" /
        # "no such invitation"), never a database deadlock
        failures = [e for e in errors(outcomes) if not isinstance(e, ShipdeskError)]
        assert failures == [], failures
