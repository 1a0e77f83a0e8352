"""The email a person gets when an owner adds them to a shop.

Someone new has no password yet: their invitation carries a one-time link to set one (Django's
password-reset token, valid PASSWORD_RESET_TIMEOUT). Someone who already signs in (for another
shop) is told where to find the new one.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from shipdesk.single_line import clean_single_line

from .forms import ShopPasswordResetForm


def send_invitation(request, *, user, seller, invited_by) -> None:
    context = {"shop": seller, "invited_by": invited_by, "user": user}
    if not user.has_usable_password():
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
    context["signin_url"] = request.build_absolute_uri(reverse("signin"))
    # One line whatever the shop's name holds (a name saved before the single-line rule could
    # carry "\r\n", and Django refuses such a header after the membership is committed).
    subject = clean_single_line(render_to_string("dashboard/email/added_to_shop_subject.txt", context))
    send_mail(subject, render_to_string("dashboard/email/added_to_shop.txt", context), None, [user.email])
