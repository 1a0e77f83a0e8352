"""The email a person gets when an owner adds them to a shop.

Someone new has no password yet: they are in the team already, and their email carries a
one-time link to set one (Django's password-reset token, valid PASSWORD_RESET_TIMEOUT). Someone
who already signs in is not in the team yet: their email carries the invitation's link, which
they open signed in as themselves to accept or decline (accounts.services.accept_invitation).
Every link starts with SHIPDESK_BASE_URL, like every email's.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from shipdesk.accounts.services import AddedToTeam
from shipdesk.notifications.rendering import absolute
from shipdesk.single_line import clean_single_line

from .forms import ShopPasswordResetForm


def send_invitation(request, *, added: AddedToTeam, seller, invited_by) -> None:
    user = added.user
    context = {"shop": seller, "invited_by": invited_by, "user": user}
    if added.joined:
        form = ShopPasswordResetForm(data={"email": user.email})
        form.is_valid()
        form.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="dashboard/email/invitation_subject.txt",
            email_template_name="dashboard/email/invitation.txt",
            extra_email_context=context,
        )
        return
    context["invitation_url"] = absolute(reverse("invitation", args=[added.invitation_token]))
    # One line whatever the shop's name holds (a name saved before the single-line rule could
    # carry "\r\n", and Django refuses such a header).
    subject = clean_single_line(render_to_string("dashboard/email/join_shop_subject.txt", context))
    send_mail(subject, render_to_string("dashboard/email/join_shop.txt", context), None, [user.email])
