"""Every word of the order workflow is defined once (orders.terms), and everything else reads it there."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shipdesk.orders import terms
from shipdesk.orders.models import Cancellation, Order, OrderEvent, OrderLine

# Every column whose values are words of the vocabulary, and the vocabulary it must come from.
VOCABULARY_COLUMNS = [
    (Order, "status", terms.ORDER_STATUSES),
    (Order, "payment_status", terms.PAYMENT_STATES),
    (OrderLine, "stock", terms.LINE_STOCK_STATES),
    (Cancellation, "reason", terms.CANCEL_REASONS),
    (OrderEvent, "type", terms.EVENT_TYPES),
]


@pytest.mark.parametrize(("model", "field", "vocabulary"), VOCABULARY_COLUMNS, ids=lambda x: getattr(x, "name", ""))
def test_every_value_the_database_can_hold_has_a_label_and_a_description(model, field, vocabulary):
    choices = model._meta.get_field(field).choices
    assert choices, f"{model.__name__}.{field} has no choices"
    for value, label in choices:
        term = vocabulary[value]
        assert term.label.strip() and term.description.strip(), value
        assert label == term.label


@pytest.mark.parametrize(("model", "field", "vocabulary"), VOCABULARY_COLUMNS, ids=lambda x: getattr(x, "name", ""))
def test_the_database_holds_exactly_the_words_of_the_vocabulary(model, field, vocabulary):
    assert [value for value, _ in model._meta.get_field(field).choices] == list(vocabulary.values)


def test_every_cancel_reason_a_person_may_give_is_a_reason_of_the_vocabulary():
    assert set(terms.PERSON_CANCEL_REASONS) < set(terms.CANCEL_REASONS.values)
    assert {"unpaid_timeout", "unconfirmed_timeout"}.isdisjoint(terms.PERSON_CANCEL_REASONS)


def test_every_open_status_owes_exactly_one_stage_and_no_other_status_owes_one():
    assert {stage.status for stage in terms.STAGES} == terms.OPEN_STATUSES
    for status in terms.ORDER_STATUSES.values:
        stage = terms.stage_for(status)
        assert (stage is not None) == (status in terms.OPEN_STATUSES)
    for stage in terms.STAGES:
        assert stage.label and stage.description and stage.verb
        for field in (stage.window_start, stage.deadline, stage.late_flag):
            Order._meta.get_field(field)  # raises if the stage names a column that does not exist


def test_the_two_sets_of_paid_states_are_payment_states_and_the_narrower_is_inside_the_wider():
    assert terms.PAID_FOR_STATES < set(terms.CAPTURED_STATES) <= set(terms.PAYMENT_STATES.values)
    assert terms.REFUNDED in terms.CAPTURED_STATES and terms.REFUNDED not in terms.PAID_FOR_STATES


@pytest.fixture
def spec(db) -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def _enum(schema: dict) -> list[str]:
    """The enum of a property, through an optional `anyOf [..., null]`."""
    if "enum" in schema:
        return schema["enum"]
    (enum,) = [option["enum"] for option in schema.get("anyOf", []) if "enum" in option]
    return enum


def _property(spec: dict, schema: str, name: str) -> dict:
    return spec["components"]["schemas"][schema]["properties"][name]


@pytest.mark.parametrize(
    ("schema", "name", "values"),
    [
        ("OrderOut", "status", terms.ORDER_STATUSES.values),
        ("OrderSummaryOut", "status", terms.ORDER_STATUSES.values),
        ("OrderOut", "payment_status", terms.PAYMENT_STATES.values),
        ("OrderSummaryOut", "payment_status", terms.PAYMENT_STATES.values),
        ("LineOut", "stock", terms.LINE_STOCK_STATES.values),
        ("CancellationOut", "reason", terms.CANCEL_REASONS.values),
        ("EventOut", "type", terms.EVENT_TYPES.values),
        ("CancelIn", "reason", terms.PERSON_CANCEL_REASONS),
        ("CancelLineIn", "reason", terms.PERSON_CANCEL_REASONS),
    ],
)
def test_the_api_schema_enums_are_the_values_of_the_vocabulary(spec, schema, name, values):
    assert _enum(_property(spec, schema, name)) == list(values)


def test_the_order_list_filters_offer_exactly_the_statuses_and_payment_states(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/orders"]["get"]["parameters"]}
    assert _enum(parameters["status"]["schema"]) == list(terms.ORDER_STATUSES.values)
    assert _enum(parameters["payment_status"]["schema"]) == list(terms.PAYMENT_STATES.values)
