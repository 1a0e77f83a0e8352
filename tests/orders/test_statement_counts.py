"""How many SQL statements each step of an order's life costs, pinned.

Issue 20's rule for the lifecycle is "one lock, one update, one event and its outbox rows": the
counts below are what each step costs over HTTP (the token, its rate-limit counter, the step, and
for the answer only what the step did not already hold), so a change that adds a query to the hot
path — an N+1 over the lines, a second read — fails here and must say why. The answer is built from
the order the step locked and changed and the lines it holds (`orders.selectors.order_answer`);
it reads the timeline, the cancellations and the substitute offers (a step holds only its own
event and cancellation), and the parcels' lines where the step did not read them (confirm and
process know an order has no parcel before it is processing; ship and deliver read the parcels
under the lock and hold them, and hand the customer's email the parcel they hold). A step costs
the same however many lines the order has; taking the stock of several products costs one
statement more than of one (the products are locked in the lock order before the one UPDATE).
Transaction control (BEGIN, COMMIT, savepoints) is not counted: it is the database's
bookkeeping, not a statement of ours.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import UPS_NUMBER, order_payload

SHIP_UPS = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}

# HTTP steps of a paid order with several lines (statements each, SQLite and PostgreSQL alike).
PINNED_STEPS = {"confirm": 13, "process": 17, "ship": 22, "deliver": 16}
PINNED_CANCEL = {"pending": 29, "processing": 30}


def _statements(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    sql = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"))
    ]
    return response, sql


def _listing(sql: list[str]) -> str:
    """The statements, one line each and cut short: enough to see which one is new."""
    return "\n".join(" ".join(q.split())[:110] for q in sql)


@pytest.fixture
def place_order_of(seller, make_product, platform_api, seller_api):
    """Places an order of n lines (different products) over HTTP; returns its id."""
    for i in range(5):
        make_product(seller, f"MUG-{i}", on_hand=50)
    # warm-up: the first request of a token stamps its last use; later ones are what we measure
    assert seller_api.get("/orders/counts").status_code == 200
    assert platform_api.post("/orders", order_payload(external_id="WARM-UP")).status_code == 201

    def place(n: int) -> int:
        lines = [{"sku": f"MUG-{i}", "quantity": 2, "unit_price": "12.50"} for i in range(n)]
        placed = platform_api.post("/orders", order_payload(external_id=f"LINES-{n}", lines=lines))
        assert placed.status_code == 201, placed.json()
        return placed.json()["id"]

    return place


def _walk(order_id: int, seller_api, platform_api, until: str = "deliver") -> dict[str, list[str]]:
    steps = [
        ("confirm", seller_api, "/confirm", None),
        ("process", seller_api, "/process", None),
        ("ship", seller_api, "/ship", SHIP_UPS),
        ("deliver", platform_api, "/deliver", None),
    ]
    taken = {}
    for name, api, path, body in steps:
        response, sql = _statements(lambda api=api, path=path, body=body: api.post(f"/orders/{order_id}{path}", body))
        assert response.status_code == 200, response.json()
        taken[name] = sql
        if name == until:
            break
    return taken


@pytest.mark.parametrize("n_lines", [2, 5])
def test_each_step_of_an_orders_life_costs_a_pinned_number_of_statements_however_many_lines(
    place_order_of, seller_api, platform_api, n_lines
):
    taken = _walk(place_order_of(n_lines), seller_api, platform_api)

    assert {name: len(sql) for name, sql in taken.items()} == PINNED_STEPS, "\n\n".join(
        f"{name} ({len(sql)}):\n{_listing(sql)}" for name, sql in taken.items()
    )


@pytest.mark.parametrize("n_lines", [2, 5])
@pytest.mark.parametrize("when", ["pending", "processing"])
def test_cancelling_an_order_costs_a_pinned_number_of_statements_however_many_lines(
    place_order_of, seller_api, platform_api, n_lines, when
):
    order_id = place_order_of(n_lines)
    if when == "processing":
        _walk(order_id, seller_api, platform_api, until="process")

    response, sql = _statements(lambda: seller_api.post(f"/orders/{order_id}/cancel", {"reason": "customer_request"}))

    assert response.status_code == 200, response.json()
    assert len(sql) == PINNED_CANCEL[when], _listing(sql)
