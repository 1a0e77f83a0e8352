"""Forms of the review pages: they check the shape of input; `performance.reviews` decides the rest."""

from __future__ import annotations

from django import forms

from shipdesk.dashboard.forms import Styled

from .reviews import MAX_COMMENT, MAX_REPLY

STARS = [
    (5, "5 stars — excellent"),
    (4, "4 stars — good"),
    (3, "3 stars — all right"),
    (2, "2 stars — poor"),
    (1, "1 star — bad"),
]


class ReviewForm(Styled, forms.Form):
    # Radio buttons in a fieldset: a rating anyone can give with a keyboard or a screen reader,
    # and with no JavaScript at all.
    rating = forms.TypedChoiceField(label="Your rating", choices=STARS, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Your comment (optional)",
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"What went well, what did not. Up to {MAX_COMMENT} characters; shown to the shop.",
    )


class ReplyForm(Styled, forms.Form):
    text = forms.CharField(
        label="Your reply",
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="You can reply once; the reply cannot be changed afterwards.",
    )
