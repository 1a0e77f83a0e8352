"""The dashboard's webhook forms."""

from __future__ import annotations

from django import forms

from shipdesk.dashboard.forms import Styled

from . import terms


class SubscriptionForm(Styled, forms.Form):
    id_format = "webhook_%s"

    url = forms.CharField(
        label="Endpoint URL",
        max_length=2000,
        # A text input (the dashboard styles it; the address check is ours, after DNS, not the browser's).
        widget=forms.TextInput(attrs={"placeholder": "https://erp.example.com/shipdesk-events", "inputmode": "url"}),
        help_text="Public http(s) address. Every delivery is signed with the endpoint's own secret.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        choices=(),  # the registry at request time: other apps add types at start-up
    )
    description = forms.CharField(label="Description", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(t.value, t.label) for t in terms.EVENT_TYPES]
