"""`shipdesk standing`: the operator lists sellers by standing, worst first, from the command line."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.builders import advance


def standing(*args) -> str:
    out = StringIO()
    call_command("standing", *args, stdout=out)
    return out.getvalue()


def test_with_nobody_evaluated_it_says_how_to_get_figures(db):
    assert "No seller has been evaluated yet" in standing()


def test_evaluate_lists_every_seller_with_the_worst_first(make_seller, make_product, place):
    good = make_seller("good-shop")
    bad = make_seller("late-shop")
    make_product(good, "MUG-1", on_hand=50)
    make_product(bad, "MUG-1", on_hand=50)
    # the late shop confirms its paid orders only after the 24-hour deadline, the good one at once
    # (10 orders each: fewer are not judged)
    for n in range(10):
        advance(place(bad, external_id=f"L{n}", placed_at=timezone.now() - timedelta(days=3)), "confirmed")
        advance(place(good, external_id=f"G{n}"), "confirmed")

    # the next day, the worker's daily run would evaluate yesterday: the command does it now
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        text = standing("--evaluate")

    assert "Evaluated 2 seller(s)." in text
    assert text.index("late-shop") < text.index("good-shop")
    assert "Late confirmation" in text or "late confirmation" in text.lower()


def test_a_shop_name_with_markup_is_printed_as_text(make_seller):
    shop = make_seller("brackets")
    shop.name = "[bold red]Shop[/]"
    shop.save(update_fields=["name"])

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        text = standing("--evaluate")

    assert "[bold red]Shop[/]" in text


def test_day_without_evaluate_is_refused(db):
    with pytest.raises(CommandError, match="--day goes with --evaluate"):
        standing("--day", "2026-01-01")
