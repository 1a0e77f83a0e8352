"""The dashboard's channel connection forms. They check the shape of the input; the services
(`connect_channel`, `change_channel`) decide the rest and seal the secrets.

Secrets are typed into password inputs and never rendered back: the page says only whether one is
set. On the change form an empty secret field keeps the stored one."""

from __future__ import annotations

from django import forms

from shipdesk.dashboard.forms import Styled

from . import terms

URL_INPUT = forms.TextInput(attrs={"inputmode": "url", "placeholder": "https://my-shop.myshopify.com"})


def _secret_input() -> forms.PasswordInput:
    # Browsers must not offer to save a shop's credential as the seller's own password.
    return forms.PasswordInput(attrs={"autocomplete": "new-password"})


class ConnectChannelForm(Styled, forms.Form):
    id_format = "connect_%s"

    kind = forms.ChoiceField(label="Channel", choices=())
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        required=False,
        max_length=200,
        widget=_secret_input(),
        help_text="The secret the channel signs its webhooks with (Shopify shows it under Settings → "
        "Notifications → Webhooks). Leave it empty to have Shipdesk make one, for WooCommerce's "
        "webhook form.",
    )
    api_base_url = forms.CharField(
        label="Fulfilment API address",
        required=False,
        max_length=300,
        widget=URL_INPUT,
        help_text="Where shipments and cancellations are sent back; empty: nothing is sent.",
    )
    api_token = forms.CharField(
        label="API access token",
        required=False,
        max_length=500,
        widget=_secret_input(),
        help_text="Shopify's Admin API access token (shpat_…), WooCommerce's ck_…:cs_… key pair.",
    )
    account_id = forms.CharField(label="Shop id (Etsy)", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(t.value, t.label) for t in terms.CHANNEL_KINDS]


class ChangeChannelForm(Styled, forms.Form):
    """One per connection on the page: its ids carry the channel's kind, so two forms never share one."""

    api_base_url = forms.CharField(label="Fulfilment API address", required=False, max_length=300, widget=URL_INPUT)
    api_token = forms.CharField(
        label="New API access token",
        required=False,
        max_length=500,
        widget=_secret_input(),
        help_text="Empty: the token stays as it is.",
    )
    remove_api_token = forms.BooleanField(label="Remove the API access token", required=False)
    webhook_secret = forms.CharField(
        label="New webhook signing secret",
        required=False,
        max_length=200,
        widget=_secret_input(),
        help_text="Empty: the secret stays as it is.",
    )
    account_id = forms.CharField(label="Shop id (Etsy)", required=False, max_length=100)

    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("auto_id", f"channel_{kind}_%s")
        super().__init__(*args, **kwargs)
        self.kind = kind

    def changes(self) -> dict[str, str | None]:
        """The service's arguments: None keeps a setting, "" clears it."""
        data = self.cleaned_data
        if data["remove_api_token"]:
            token = ""
        else:
            token = data["api_token"] or None
        return {
            "api_base_url": data["api_base_url"],
            "api_token": token,
            "account_id": data["account_id"],
            "webhook_secret": data["webhook_secret"] or None,
        }
