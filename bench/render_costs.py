"""What rendering the email costs the request, and what it costs the worker (docs/benchmarks.md,
Intake: "rendering the email in the worker").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shipdesk_render .venv/bin/python bench/render_costs.py

In one process, against a fresh test database made from the migrations (`test_` + the name in
DATABASE_URL, or SQLite in memory without one), through Django's test client: the process CPU
(`time.process_time()`) of N `POST /api/v1/orders` (3 lines × 2 units, paid, platform token),
then of N confirms, N processes and N ships of those orders (seller token); then the worker
drains the outbox those wrote (`send_due_notifications`, Django's in-memory mail backend, so
the SMTP server is not measured): messages per second of CPU and of wall time. Prints the
milliseconds of CPU per request. Not part of `make bench`; run it on an idle machine.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shipdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ["SHIPDESK_API_RATE_LIMIT"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

REQUESTS = int(os.environ.get("RENDER_REQUESTS", "300"))
WARM = 20


def ups_number(serial: int) -> str:
    from shipdesk.shipping.tracking import _ups_values, mod10_weighted

    body = "RENDER" + "03" + f"{serial:07d}"  # 6-char account, service 03, 7-digit package
    return f"1Z{body}{mod10_weighted(_ups_values(body), (1, 2), from_left=True)}"


def order_body(slug: str, i: int) -> str:
    return json.dumps(
        {
            "seller": slug,
            "channel": "bench",
            "external_id": uuid.uuid4().hex,
            "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
            "shipping_address": {
                "name": "Ada Lovelace",
                "line1": "1 Main St",
                "city": "Springfield",
                "region": "IL",
                "postal_code": "62701",
                "country": "US",
            },
            "currency": "USD",
            "lines": [{"sku": f"SKU-{(i + k) % 3}", "quantity": 2, "unit_price": "9.99"} for k in range(3)],
            "shipping_fee": "4.99",
            "payment_status": "paid",
        }
    )


def timed(label: str, calls, rows: list) -> list:
    """Run `calls` (callables answering a response), CPU and wall time of all but the first WARM."""
    results = []
    for call in calls[:WARM]:
        results.append(call())
    cpu, wall = time.process_time(), time.perf_counter()
    for call in calls[WARM:]:
        results.append(call())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = len(calls) - WARM
    rows.append((label, n, cpu / n * 1000, wall / n * 1000))
    return results


def per_message_costs(order_id: int, rounds: int = 1000) -> list[tuple[str, float]]:
    """CPU per message of what the request does to queue it, rendering (before) or recording the
    facts (after, when `notifications.facts` exists), for the shipped email of a 3-line order."""
    from shipdesk.notifications import rendering
    from shipdesk.notifications.models import Notification
    from shipdesk.orders.models import Order

    order = Order.objects.select_related("seller").get(pk=order_id)
    lines, shipment = list(order.lines.order_by("id")), order.shipments.get()
    args = {"order": order, "lines": lines, "shipment": shipment, "seller": order.seller}

    def cpu(call) -> float:
        call()
        started = time.process_time()
        for _ in range(rounds):
            call()
        return (time.process_time() - started) / rounds * 1000

    costs = [
        (
            "render customer_shipped (subject, text, HTML)",
            cpu(lambda: rendering.render_order_email(kind="customer_shipped", **args)),
        )
    ]
    try:
        from shipdesk.notifications import facts
    except ImportError:
        return costs
    # As the row carries them: JSON-encoded for the insert, decoded by the worker.
    row = Notification(kind="customer_shipped", facts=json.loads(json.dumps(facts.of_order(**args))), context={})
    costs.append(("record its facts (snapshot + JSON encoding)", cpu(lambda: json.dumps(facts.of_order(**args)))))
    costs.append(("render it from the facts (the worker)", cpu(lambda: facts.render(row))))
    return costs


def main() -> None:
    import django

    django.setup()
    from decimal import Decimal

    from django.core import mail
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from shipdesk.accounts.services import create_api_token, create_seller
    from shipdesk.actors import Actor, ActorKind
    from shipdesk.inventory.services import create_product
    from shipdesk.notifications.delivery import send_due_notifications
    from shipdesk.notifications.models import Notification

    setup_test_environment()  # the in-memory mail backend
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        seller = create_seller(slug="render", name="Render Shop", email="shop@example.test", country="US")
        actor = Actor(kind=ActorKind.SELLER, label="bench")
        for k in range(3):
            create_product(
                seller_id=seller.pk, sku=f"SKU-{k}", title=f"Product {k}", price=Decimal("9.99"),
                currency="USD", on_hand=1_000_000, actor=actor,
            )  # fmt: skip
        platform = {"Authorization": f"Bearer {create_api_token(name='bench', seller=None).token}"}
        own = {"Authorization": f"Bearer {create_api_token(name='bench', seller=seller).token}"}
        client = Client()
        n = REQUESTS + WARM

        def post(path: str, body: str, headers: dict):
            def call():
                response = client.post(path, body, content_type="application/json", headers=headers)
                assert response.status_code in (200, 201), (path, response.status_code, response.content[:200])
                return response

            return call

        with override_settings(SHIPDESK_TOKEN_CACHE_SECONDS=0):
            placed = timed(
                "POST /api/v1/orders",
                [post("/api/v1/orders", order_body("render", i), platform) for i in range(n)],
                rows,
            )
            ids = [response.json()["id"] for response in placed]
            for step in ("confirm", "process"):
                timed(f"POST …/{step}", [post(f"/api/v1/orders/{pk}/{step}", "{}", own) for pk in ids], rows)
            serial = int(time.time()) % 1_000_000

            def parcel(i: int) -> str:
                number = ups_number(serial + i)
                return json.dumps({"carrier": "ups", "service_level": "ground", "tracking_number": number})

            timed(
                "POST …/ship",
                [post(f"/api/v1/orders/{pk}/ship", parcel(i), own) for i, pk in enumerate(ids)],
                rows,
            )

        queued = Notification.objects.filter(status=Notification.Status.QUEUED).count()
        cpu, wall = time.process_time(), time.perf_counter()
        while send_due_notifications("render-bench", limit=20):
            mail.outbox.clear()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sent = Notification.objects.filter(status=Notification.Status.SENT).count()
        queue_time = per_message_costs(ids[-1])
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)

    print(f"{connection.vendor}, {REQUESTS} requests each after {WARM} to warm; per request")
    print(f"{'request':24} {'n':>5} {'CPU ms':>8} {'wall ms':>8}")
    for label, count, cpu_ms, wall_ms in rows:
        print(f"{label:24} {count:5d} {cpu_ms:8.2f} {wall_ms:8.2f}")
    for label, ms in queue_time:
        print(f"{label:58} {ms:6.3f} ms CPU")
    print(
        f"worker: {sent} of {queued} queued messages sent in {wall:.1f} s wall, {cpu:.1f} s CPU: "
        f"{sent / wall:.0f}/s wall, {sent / cpu:.0f}/s of CPU ({cpu / sent * 1000:.2f} ms CPU each)"
    )


if __name__ == "__main__":
    main()
