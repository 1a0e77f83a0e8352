"""A shop name saved with a line break before names were checked (issue 14, finding 3) cannot
turn adding a team member into a 500 after the membership is committed."""

from __future__ import annotations

from django.core import mail

from shipdesk.accounts.models import Invitation, Membership, Seller
from shipdesk.accounts.services import create_user


def test_adding_people_to_a_shop_whose_name_holds_a_line_break_invites_them_with_a_one_line_subject(
    owner_client, seller, make_seller
):
    Seller.objects.filter(pk=seller.pk).update(name="Evil\r\nBcc: victim@example.com")
    # someone who already signs in elsewhere (a plain email), and someone new (a reset link)
    create_user(
        email="known@elsewhere.test",
        password="correct horse battery staple",
        seller=make_seller("elsewhere"),
        role="owner",
    )

    known = owner_client.post("/settings/team/", {"email": "known@elsewhere.test", "role": "staff"})
    new = owner_client.post("/settings/team/", {"email": "new@acme.test", "role": "staff"})

    assert (known.status_code, new.status_code) == (302, 302)
    # the newcomer is in the team; the person with an account is invited until they accept
    assert Membership.objects.filter(seller=seller, user__email="new@acme.test").exists()
    assert Invitation.objects.filter(seller=seller, email="known@elsewhere.test").exists()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert message.bcc == [] and "victim@example.com" not in message.recipients()
