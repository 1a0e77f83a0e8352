"""The seller dashboard's account pages: sign-in, sign-out, password reset, switching shop, the
shop's settings (owners only: profile, addresses, return policy, invoices, closure days, API
tokens, team) and invitations to a shop.

Thin views in the dashboard's frame (`shipdesk.dashboard`: access, feedback, forms, base
templates); URL names and paths are listed in `shipdesk.dashboard.urls`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shipdesk.accounts import selectors as accounts_selectors
from shipdesk.accounts import services as accounts_services
from shipdesk.accounts.models import ShopAddress
from shipdesk.accounts.shop_images import MAX_IMAGE_BYTES
from shipdesk.dashboard import forms
from shipdesk.dashboard.access import SESSION_SELLER_KEY, choose_seller, seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.dashboard.invitations import send_invitation
from shipdesk.errors import ShipdeskError
from shipdesk.invoices import selectors as invoices_selectors
from shipdesk.invoices import services as invoices_services
from shipdesk.ops import ratelimit
from shipdesk.ops.client_address import client_ip
from shipdesk.returns import services as returns_services
from shipdesk.returns.policy import return_rules_for

logger = logging.getLogger(__name__)


# --- sign-in, sign-out, password reset ------------------------------------------------------


def home(request):
    return redirect("orders" if request.user.is_authenticated else "signin")


class SignInView(auth_views.LoginView):
    template_name = "dashboard/signin.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True


def signin_locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when an email+address pair has failed too often: the sign-in page,
    saying so plainly, with the way out (wait, or reset the password)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = forms.SignInForm(request, initial={"username": username})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request, "dashboard/signin.html", {"form": form, "locked_out": True, "cooloff_minutes": minutes}, status=429
    )


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.ShopPasswordResetForm
    template_name = "dashboard/password_reset_form.html"
    email_template_name = "dashboard/email/password_reset.txt"
    subject_template_name = "dashboard/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Throttled per account and per client address (ops.ratelimit). A throttled request gets
        # the same "check your inbox" page as any other, so the answer reveals nothing.
        email = form.cleaned_data["email"]
        if ratelimit.password_reset_allowed(email=email, client_address=client_ip(self.request)):
            return super().form_valid(form)
        logger.warning("Password reset throttled for a request from %s.", client_ip(self.request))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "dashboard/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "dashboard/password_reset_confirm.html"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "dashboard/password_reset_complete.html"


@require_POST
def switch_shop(request):
    if not request.user.is_authenticated:
        return redirect("signin")
    try:
        seller_id = int(request.POST.get("seller_id", ""))
    except ValueError:
        seller_id = 0
    if not choose_seller(request, seller_id):
        raise Http404("Not one of your shops.")
    return redirect("orders")


# --- settings (owners only) -----------------------------------------------------------------


def _profile_form(seller, data=None):
    initial = {
        "name": seller.name,
        "email": seller.email,
        "country": str(seller.country),
        "timezone_name": seller.timezone,
        "thank_you_note": seller.thank_you_note,
        "preparing_email": seller.preparing_email,
        **{name: getattr(seller, name) for name in accounts_services.HANDLING_FIELDS},
    }
    return forms.ShopProfileForm(
        data, initial=initial, limits=accounts_services.handling_limits(seller), defaults=settings.SHIPDESK_POLICY
    )


def _render_settings(request, *, status=200, **forms_and_extra):
    seller = request.seller
    context = {
        "profile_form": forms_and_extra.pop("profile_form", None) or _profile_form(seller),
        "closure_form": forms_and_extra.pop("closure_form", None) or forms.ClosureDayForm(),
        "token_form": forms_and_extra.pop("token_form", None) or forms.TokenForm(),
        "member_form": forms_and_extra.pop("member_form", None) or forms.MemberForm(),
        "closure_days": accounts_selectors.closure_days_of(seller_id=seller.pk, since=timezone.localdate()),
        "tokens": accounts_selectors.api_tokens_of(seller_id=seller.pk),
        "team": accounts_selectors.team_of(seller_id=seller.pk),
        "invitations": accounts_selectors.pending_invitations_of(seller_id=seller.pk),
        "role_choices": forms.RoleForm.base_fields["role"].choices,
        **_address_forms(seller, forms_and_extra),
        "return_policy_form": forms_and_extra.pop("return_policy_form", None) or _return_policy_form(seller),
        "return_policy_defaults": settings.SHIPDESK_RETURN_POLICY,
        **_invoice_settings(seller, forms_and_extra),
        "logo_form": forms_and_extra.pop("logo_form", None) or forms.ShopLogoForm(),
        "insert_form": forms_and_extra.pop("insert_form", None)
        or forms.PromotionalInsertForm(initial={"text": seller.insert_text}),
        **forms_and_extra,
    }
    response = render(request, "dashboard/settings/index.html", context, status=status)
    if "new_token" in context:
        response["Cache-Control"] = "no-store"  # the token is shown once; no copy in any cache
    return response


def _address_forms(seller, given: dict) -> dict:
    """The Addresses section: a form per address kind (filled with what is set) and the label service."""
    current = accounts_selectors.shop_addresses_of(seller_id=seller.pk)
    out = {}
    for kind in ShopAddress.Kind.values:
        address = current.get(kind)
        initial = (
            {name: getattr(address, name) for name in forms.ShopAddressForm.base_fields}
            if address
            else {"country": str(seller.country)}
        )
        out[f"{kind}_form"] = given.pop(f"{kind}_form", None) or forms.ShopAddressForm(kind=kind, initial=initial)
    out["address_forms"] = [
        (kind, ShopAddress.Kind(kind).label, out[f"{kind}_form"]) for kind in ShopAddress.Kind.values
    ]
    service = f"{seller.label_carrier}:{seller.label_service_level}" if seller.label_carrier else ""
    out["label_service_form"] = given.pop("label_service_form", None) or forms.LabelServiceForm(
        initial={"service": service}
    )
    return out


@seller_view(owners_only=True)
@require_POST
def settings_address(request, kind: str):
    if kind not in ShopAddress.Kind.values:
        raise Http404("No such address.")
    form = forms.ShopAddressForm(request.POST, kind=kind)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: accounts_services.set_shop_address(seller_id=request.seller.pk, kind=kind, **form.cleaned_data),
            form=form,
            success=f"{ShopAddress.Kind(kind).label} saved.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#addresses")
    return _render_settings(request, **{f"{kind}_form": form}, status=422)


@seller_view(owners_only=True)
@require_POST
def settings_label_service(request):
    form = forms.LabelServiceForm(request.POST)
    if form.is_valid():
        carrier, _, service = form.cleaned_data["service"].partition(":")
        outcome = attempt(
            request,
            lambda: accounts_services.set_label_service(
                seller_id=request.seller.pk, carrier=carrier, service_level=service
            ),
            form=form,
            success="Label service saved.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#addresses")
    return _render_settings(request, label_service_form=form, status=422)


def _return_policy_form(seller, data=None):
    rules = return_rules_for(seller.pk)  # what the shop set; the defaults show as empty fields
    initial = {
        "window_days": rules.window_days if rules.own_window else None,
        "shipping_policy": rules.shipping_policy if rules.own_shipping_policy else "",
        "return_address": rules.return_address,
        "instructions": rules.instructions,
    }
    return forms.ReturnPolicyForm(data, initial=initial)


@seller_view(owners_only=True)
@require_POST
def settings_return_policy(request):
    form = _return_policy_form(request.seller, request.POST)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: returns_services.set_return_policy(seller_id=request.seller.pk, **form.cleaned_data),
            form=form,
            success="Return policy saved.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#return-policy")
    return _render_settings(request, return_policy_form=form, status=422)


def _invoice_settings(seller, given: dict) -> dict:
    """The Invoices section: the settings form (filled with what is set) and what they decide."""
    current = invoices_selectors.invoice_settings(seller_id=seller.pk)
    form = given.pop("invoice_form", None) or forms.InvoiceSettingsForm(
        initial={"tax_id": current.tax_id, "issuing": current.issuing, "issue_on_shipping": current.issue_on_shipping}
    )
    return {"invoice_form": form, "invoice_offer": current.offer}


def _upload(form, field: str) -> bytes | None:
    upload = form.cleaned_data.get(field)
    return upload.read(MAX_IMAGE_BYTES + 1) if upload else None  # one byte past the limit refuses it


@seller_view(owners_only=True)
@require_POST
def settings_invoices(request):
    form = forms.InvoiceSettingsForm(request.POST)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: invoices_services.set_invoice_settings(seller_id=request.seller.pk, **form.cleaned_data),
            form=form,
            success="Invoice settings saved.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#invoices")
    return _render_settings(request, invoice_form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def settings_logo(request):
    """Upload the shop's logo, or (`remove`) print without one."""
    if request.POST.get("remove"):
        attempt(
            request,
            lambda: accounts_services.remove_shop_logo(seller_id=request.seller.pk),
            success="Logo removed: the papers print without one.",
        )
        return redirect(reverse("settings") + "#papers")
    form = forms.ShopLogoForm(request.POST, request.FILES)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: accounts_services.set_shop_logo(seller_id=request.seller.pk, content=_upload(form, "file")),
            form=form,
            success="Logo saved: it prints on your slips and invoices.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#papers")
    return _render_settings(request, logo_form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def settings_insert(request):
    """Set the promotional insert, or (`remove`) stop printing it."""
    if request.POST.get("remove"):
        attempt(
            request,
            lambda: accounts_services.remove_promotional_insert(seller_id=request.seller.pk),
            success="Insert removed: no page follows the packing slips.",
        )
        return redirect(reverse("settings") + "#papers")
    form = forms.PromotionalInsertForm(request.POST, request.FILES)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: accounts_services.set_promotional_insert(
                seller_id=request.seller.pk,
                text=form.cleaned_data["text"],
                image=_upload(form, "image"),
                remove_image=form.cleaned_data["remove_image"],
            ),
            form=form,
            success="Insert saved.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#papers")
    return _render_settings(request, insert_form=form, status=422)


@seller_view(owners_only=True)
@require_GET
def settings_page(request):
    return _render_settings(request)


@seller_view(owners_only=True)
@require_POST
def settings_profile(request):
    form = _profile_form(request.seller, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            request,
            lambda: accounts_services.update_shop_profile(seller_id=request.seller.pk, **data),
            form=form,
            success="Shop settings saved.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#profile")
    return _render_settings(request, profile_form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def settings_closure_add(request):
    form = forms.ClosureDayForm(request.POST)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: accounts_services.add_closure_day(seller_id=request.seller.pk, **form.cleaned_data),
            form=form,
            success=lambda c: f"Closed on {c.day:%a %d %b %Y}: it is not a business day.",
        )
        if outcome.ok:
            return redirect(reverse("settings") + "#closure-days")
    return _render_settings(request, closure_form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def settings_closure_remove(request, closure_id: int):
    attempt(
        request,
        lambda: accounts_services.remove_closure_day(seller_id=request.seller.pk, closure_day_id=closure_id),
        success="Closure day removed.",
    )
    return redirect(reverse("settings") + "#closure-days")


@seller_view(owners_only=True)
@require_POST
def settings_token_create(request):
    form = forms.TokenForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, token_form=form, status=422)
    issued = accounts_services.create_api_token(
        name=form.cleaned_data["name"], seller=request.seller, created_by=request.user
    )
    # Rendered, not redirected: the token exists only in this response.
    return _render_settings(request, new_token=issued)


@seller_view(owners_only=True)
@require_POST
def settings_token_revoke(request, token_id: int):
    attempt(
        request,
        lambda: accounts_services.revoke_api_token(token_id=token_id, seller=request.seller),
        success=lambda t: f"Token “{t.name}” revoked: it no longer works.",
    )
    return redirect(reverse("settings") + "#tokens")


@seller_view(owners_only=True)
@require_POST
def settings_member_add(request):
    form = forms.MemberForm(request.POST)
    if form.is_valid():
        seller = request.seller
        outcome = attempt(
            request,
            lambda: accounts_services.add_member(
                seller=seller, email=form.cleaned_data["email"], role=form.cleaned_data["role"], invited_by=request.user
            ),
            form=form,
        )
        if outcome.ok:
            added = outcome.value
            send_invitation(request, added=added, seller=seller, invited_by=request.user)
            role = form.cleaned_data["role"]
            if added.joined:
                messages.success(request, f"{added.user.email} added as {role}; we emailed them how to sign in.")
            else:
                messages.success(
                    request,
                    f"We emailed {added.user.email} an invitation to join as {role}; they join when they accept it.",
                )
            return redirect(reverse("settings") + "#team")
    return _render_settings(request, member_form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def settings_member_role(request, user_id: int):
    form = forms.RoleForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: accounts_services.change_member_role(
                seller_id=request.seller.pk, user_id=user_id, role=form.cleaned_data["role"]
            ),
            success=lambda m: f"{m.user.email} is now {m.role}.",
        )
    else:
        messages.error(request, "Choose owner or staff.")
    return redirect(reverse("settings") + "#team")


@seller_view(owners_only=True)
@require_POST
def settings_member_remove(request, user_id: int):
    attempt(
        request,
        lambda: accounts_services.remove_member(seller_id=request.seller.pk, user_id=user_id),
        success="Removed from the shop.",
    )
    return redirect(reverse("settings") + "#team")


@seller_view(owners_only=True)
@require_POST
def settings_invitation_withdraw(request, invitation_id: int):
    attempt(
        request,
        lambda: accounts_services.withdraw_invitation(seller_id=request.seller.pk, invitation_id=invitation_id),
        success=lambda i: f"Invitation of {i.email} withdrawn: its link no longer works.",
    )
    return redirect(reverse("settings") + "#team")


@seller_view
def leave_shop(request):
    """The signed-in person leaves the shop they are working in (any role; not the last owner).
    GET asks to confirm; POST leaves."""
    if request.method != "POST":
        return render(request, "dashboard/leave_shop.html")
    shop_name = request.seller.name
    outcome = attempt(
        request,
        lambda: accounts_services.leave_shop(seller_id=request.seller.pk, user_id=request.user.pk),
        success=f"You left {shop_name}.",
    )
    if outcome.ok:
        request.session.pop(SESSION_SELLER_KEY, None)
    return redirect("home")


# --- invitations to a shop (people who already have an account) -----------------------------


@login_required
def invitation(request, token: str):
    """The invitation, shown to the person it is for, signed in, with Accept and Decline."""
    try:
        invited = accounts_services.invitation_for(token=token, user=request.user)
    except ShipdeskError as exc:
        raise Http404(exc.message) from None
    return render(request, "dashboard/invitation.html", {"invitation": invited, "token": token})


@login_required
@require_POST
def invitation_accept(request, token: str):
    outcome = attempt(request, lambda: accounts_services.accept_invitation(token=token, user=request.user))
    if not outcome.ok:
        if outcome.error.status == 404:
            raise Http404(outcome.error.message)
        return redirect("home")
    membership = outcome.value
    request.session[SESSION_SELLER_KEY] = membership.seller_id
    messages.success(request, f"You joined {membership.seller.name} as {membership.role}.")
    return redirect("orders")


@login_required
@require_POST
def invitation_decline(request, token: str):
    outcome = attempt(
        request,
        lambda: accounts_services.decline_invitation(token=token, user=request.user),
        success=lambda i: f"You declined to join {i.seller.name}.",
    )
    if not outcome.ok and outcome.error.status == 404:
        raise Http404(outcome.error.message)
    return redirect("home")
