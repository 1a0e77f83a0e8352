from tests.builders import UPS_NUMBER, order_payload


def test_an_order_goes_from_placed_to_delivered_over_http(product, seller_api, platform_api):
    placed = platform_api.post("/orders", order_payload())
    assert placed.status_code == 201, placed.json()
    order_id = placed.json()["id"]
    for action in ("confirm", "process"):
        assert seller_api.post(f"/orders/{order_id}/{action}").status_code == 200
    shipped = seller_api.post(
        f"/orders/{order_id}/ship", {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}
    )
    assert shipped.status_code == 200, shipped.json()
    delivered = platform_api.post(f"/orders/{order_id}/deliver")
    assert delivered.status_code == 200, delivered.json()
    assert delivered.json()["status"] == "delivered"
    assert [e["type"] for e in delivered.json()["events"]] == [
        "placed",
        "confirmed",
        "processing_started",
        "shipped",
        "delivered",
    ]
