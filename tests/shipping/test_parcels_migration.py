"""The migration to several parcels per order: every shipment made before holds the whole order,
one ShipmentLine per line with units open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("shipping", "0003_tracking_number_names_one_parcel"), ("orders", "0007_core_vocabulary_labels")]
AFTER = [("shipping", "0004_parcels_several_shipments_per_order")]


@pytest.mark.django_db(transaction=True)
def test_an_existing_shipment_gets_a_line_per_open_line_with_its_open_units(seller, make_product, place):
    from tests.builders import SELLER_ACTOR, advance

    make_product(seller, "MUG-1")
    make_product(seller, "MUG-2")
    make_product(seller, "MUG-3")
    order = advance(
        place(seller, lines=(("MUG-1", 3, "12.50"), ("MUG-2", 1, "8.00"), ("MUG-3", 2, "5.00"))), "processing"
    )
    mug1, mug2, mug3 = order.lines.order_by("id")
    from shipdesk.orders import services

    services.cancel_line(
        order_id=order.pk, seller_id=seller.pk, line_id=mug1.pk, quantity=1, actor=SELLER_ACTOR, reason="out_of_stock"
    )
    services.cancel_line(
        order_id=order.pk, seller_id=seller.pk, line_id=mug2.pk, quantity=1, actor=SELLER_ACTOR, reason="out_of_stock"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("shipping", "Shipment").objects.create(
        seller_id=seller.pk,
        order_id=order.pk,
        carrier="ups",
        service_level="ground",
        tracking_number="1Z999AA10123456784",
        shipped_at=datetime(2026, 3, 2, tzinfo=UTC),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    lines = new.get_model("shipping", "ShipmentLine").objects.order_by("line_id")

    assert [(line.line_id, line.quantity) for line in lines] == [(mug1.pk, 2), (mug3.pk, 2)]
    assert new.get_model("shipping", "Shipment").objects.get().purpose == "order"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
