"""The single-line rule and the placed_at window, as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shipdesk.orders.placed_at_window import placed_at_problem
from shipdesk.single_line import (
    NotSingleLine,
    check_single_line,
    clean_single_line,
    single_line_errors,
    single_line_problem,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["Acme Goods", "Åsa Öberg", "山田 太郎", "O'Brien & Sons, Ltd.", "Shop 🚚", "שלום", "مرحبا", "", "a" * 500],
)
def test_ordinary_names_in_any_script_are_one_line(value):
    assert check_single_line(value) == value
    assert single_line_problem(value) is None


@pytest.mark.parametrize(
    "character",
    [
        "\r",
        "\n",
        "\x00",
        "\t",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9f",
        "\u2028",
        "\u2029",
        "\u202a",
        "\u202e",
        "\u2066",
        "\u2069",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u061c",
        "\u2060",
        "\ufeff",
    ],
)
def test_control_bidi_and_zero_width_characters_are_refused_naming_the_character_and_where(character):
    with pytest.raises(NotSingleLine) as refused:
        check_single_line(f"Evil{character}Shop")

    assert f"U+{ord(character):04X}" in str(refused.value)
    assert "at position 5" in str(refused.value)


def test_field_errors_name_only_the_fields_that_break_the_rule():
    errors = single_line_errors(name="Evil\r\nBcc: victim@example.com", email="ok@example.com", city=None)

    assert list(errors) == ["name"]
    assert errors["name"] == [
        "Must be one line of text without control or invisible characters "
        "(found U+000D a control character at position 5)."
    ]


def test_third_party_text_is_kept_with_each_run_of_forbidden_characters_as_one_space():
    assert clean_single_line("Arrived\r\nat facility\x00") == "Arrived at facility"
    assert clean_single_line("\u202eMemphis\u200b, TN\ufeff") == "Memphis , TN"
    assert clean_single_line("Delivered, front porch") == "Delivered, front porch"


@pytest.mark.parametrize(
    ("placed_at", "problem"),
    [
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), "Must not be before 2000-01-01."),
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), "Must not be before 2000-01-01."),
        (datetime(2000, 1, 1, tzinfo=UTC), None),
        (NOW - timedelta(days=400), None),
        (NOW + timedelta(minutes=5), None),
        (NOW + timedelta(minutes=5, seconds=1), "Must not be in the future."),
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))), "Must not be in the future."),
    ],
)
def test_placed_at_must_fall_between_2000_and_five_minutes_from_now_without_overflowing(placed_at, problem):
    assert placed_at_problem(placed_at, now=NOW) == problem
