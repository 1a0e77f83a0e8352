"""Load a marketplace-sized dataset into a PostgreSQL database, fast, through COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shipdesk_bench .venv/bin/python bench/generate.py

Writes 1,000,000 orders (100 sellers, one of them with 500,000), placed over 3 years, in a
realistic status mix (old orders delivered or cancelled, recent ones spread over the open
steps), 3 lines each, their timeline events, the shipments of shipped and delivered orders
(valid UPS 1Z numbers), the cancellations of cancelled ones, and the API tokens the benchmark
uses. Rows are what the services would have written: per-seller numbers from
`last_order_number`, deadlines from the seller's business calendar, `action_due_at` for the
open step, stock reserved for the open lines. Not written: earnings ledger entries, stock moves
and sent notifications of the historical orders (the benchmarks do not read them).

The columns come from the Django models (`_meta.concrete_fields`): a field this file does not
know gets the model's default, so a new column with a default does not break the generator.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shipdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("LOG_LEVEL", "WARNING")

UTC = UTC
PRODUCTS_PER_SELLER = 100
SHIPPING_FEE = Decimal("4.99")
ON_HAND = 1_000_000_000  # enough that the intake benchmark never runs a SKU short


def bench_token(seller_id: int | None) -> str:
    """The deterministic bearer token of a seller (None: the platform) in the bench database."""
    return f"sdk_bench_{'platform' if seller_id is None else seller_id}_{'x' * 32}"


# --- values -----------------------------------------------------------------------------------


def _ts(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


def _text(value) -> str:
    kind = type(value)
    if kind is int or kind is Decimal:
        return str(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    s = str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


class Columns:
    """The concrete columns of a model, each filled from a row dict or else the model's default."""

    def __init__(self, model, now: datetime):
        self.table = model._meta.db_table
        self.names: list[str] = []
        self.defaults: list[str] = []
        for f in model._meta.concrete_fields:
            self.names.append(f.column)
            if f.has_default():
                default = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = now
            elif f.null:
                default = None
            else:
                default = None  # must be given by the row; COPY refuses a NULL in a NOT NULL column
            self.defaults.append(_text(default))
        self.index = {name: i for i, name in enumerate(self.names)}

    def line(self, row: dict) -> str:
        out = list(self.defaults)
        index = self.index
        for key, value in row.items():
            out[index[key]] = _text(value)
        return "\t".join(out) + "\n"


# --- the calendar (UTC sellers: wall clock = UTC) --------------------------------------------


class Calendar:
    def __init__(self, calendar):
        self.calendar = calendar
        self.cache: dict[tuple[date, int], tuple[date, bool]] = {}

    def add(self, start: datetime, days: int) -> datetime:
        key = (start.date(), days)
        hit = self.cache.get(key)
        if hit is None:
            noon = datetime.combine(start.date(), dtime(12), UTC)
            result = self.calendar.add_business_days(noon, days)
            hit = (result.date(), self.calendar.is_business_day(start.date()))
            self.cache[key] = hit
        day, keeps_time = hit
        return datetime.combine(day, start.timetz() if keeps_time else dtime(0, tzinfo=UTC))


# --- status mix -------------------------------------------------------------------------------


def pick_status(rng: random.Random, age_hours: float) -> str:
    r = rng.random()
    if age_hours < 24:
        table = (("pending", 0.5), ("confirmed", 0.3), ("processing", 0.15))
    elif age_hours < 72:
        table = (("pending", 0.05), ("confirmed", 0.2), ("processing", 0.25), ("shipped", 0.45))
    elif age_hours < 240:
        table = (("shipped", 0.4), ("delivered", 0.55))
    else:
        table = (("delivered", 0.94),)
    acc = 0.0
    for status, p in table:
        acc += p
        if r < acc:
            return status
    return "cancelled"


def ups_number(seller_id: int, serial: int) -> str:
    from shipdesk.shipping.tracking import _ups_values, mod10_weighted

    body = f"{seller_id:06d}"[-6:] + "03" + f"{serial:07d}"
    return f"1Z{body}{mod10_weighted(_ups_values(body), (1, 2), from_left=True)}"


class CopyWriter:
    """COPYs chunks on its own connection in a thread, so PostgreSQL loads while Python generates."""

    def __init__(self, url: str):
        import queue
        import threading

        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute("SET synchronous_commit = off")
        # The rows are generated consistent; skipping the per-row foreign-key triggers (replica
        # mode) makes the load several times faster. Unique and CHECK constraints still apply.
        self.conn.execute("SET session_replication_role = replica")
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.seconds: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            cols, data = item
            try:
                t = time.monotonic()
                with (
                    self.conn.cursor() as cur,
                    cur.copy(
                        f'COPY "{cols.table}" ({", ".join(chr(34) + c + chr(34) for c in cols.names)}) FROM STDIN'
                    ) as copy,
                ):
                    copy.write(data)
                self.conn.commit()
                self.seconds[cols.table] = self.seconds.get(cols.table, 0) + time.monotonic() - t
            except BaseException as exc:  # reported by put/close in the main thread
                self.error = exc
                return

    def put(self, cols: Columns, data: str) -> None:
        if self.error:
            raise self.error
        self.queue.put((cols, data))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self.conn.close()
        if self.error:
            raise self.error


# --- main -------------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--sellers", type=int, default=100)
    parser.add_argument("--big", type=int, default=500_000, help="orders of the largest seller")
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-recreate", action="store_true", help="use the database as it is (must be empty)")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and created again).")
    started = time.monotonic()
    if not args.no_recreate:
        recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    console.print("[bold]Migrating[/bold] the bench database…")
    call_command("migrate", verbosity=0)

    from shipdesk.accounts.models import ApiToken, Seller
    from shipdesk.accounts.policy import calendar_for, policy_for
    from shipdesk.accounts.services import hash_token
    from shipdesk.inventory.models import Product
    from shipdesk.orders.models import Cancellation, Order, OrderEvent, OrderLine
    from shipdesk.shipping.models import Shipment

    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=365 * args.years)
    span = (now - start).total_seconds()

    # Sellers, products, tokens: few rows, through the ORM.
    sellers = Seller.objects.bulk_create(
        [
            Seller(
                slug=f"shop-{i:03d}",
                name=f"Shop {i:03d}",
                email=f"owner@shop-{i:03d}.example",
                country="US",
                timezone="UTC",
            )
            for i in range(1, args.sellers + 1)
        ]
    )
    products: dict[int, list[Product]] = {}
    Product.objects.bulk_create(
        [
            Product(
                seller=s,
                sku=f"SKU-{p:03d}",
                title=f"Product {p:03d} of {s.slug}",
                price=Decimal(5 + (p % 40)) + Decimal("0.99"),
                currency="USD",
                on_hand=ON_HAND,
                reserved=0,
                bin_location=f"A-{p // 10:02d}-{p % 10}",
            )
            for s in sellers
            for p in range(1, PRODUCTS_PER_SELLER + 1)
        ],
        batch_size=5000,
    )
    for product in Product.objects.order_by("seller_id", "sku"):
        products.setdefault(product.seller_id, []).append(product)
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                kind="platform",
                name="bench platform",
                prefix=bench_token(None)[:12],
                token_hash=hash_token(bench_token(None)),
            )
        ]
        + [
            ApiToken(
                kind="seller",
                seller=s,
                name="bench",
                prefix=bench_token(s.pk)[:12],
                token_hash=hash_token(bench_token(s.pk)),
            )
            for s in sellers
        ]
    )

    # How many orders each seller gets: the big one, the rest shared out evenly.
    rest = args.orders - args.big
    counts = [args.big] + [
        rest // (args.sellers - 1) + (1 if i < rest % (args.sellers - 1) else 0) for i in range(args.sellers - 1)
    ]

    orders_cols = Columns(Order, now)
    lines_cols = Columns(OrderLine, now)
    events_cols = Columns(OrderEvent, now)
    shipments_cols = Columns(Shipment, now)
    cancels_cols = Columns(Cancellation, now)

    with connection.cursor() as cursor:
        raw = cursor.connection
    raw.autocommit = False
    cur = raw.cursor()
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET maintenance_work_mem = '512MB'")
    # Secondary indexes are built once after the load (much faster than maintained per row);
    # constraint-backed ones (primary keys, unique) stay and check every row.
    tables = [c.table for c in (orders_cols, lines_cols, events_cols, shipments_cols, cancels_cols)]
    cur.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [tables],
    )
    index_defs = cur.fetchall()
    for name, _ in index_defs:
        cur.execute(f'DROP INDEX "{name}"')
    raw.commit()

    order_id = line_id = event_id = shipment_id = cancel_id = 0
    reserved: dict[int, int] = {}
    calendars: dict[tuple, Calendar] = {}  # sellers with the same calendar share its cache
    writer = CopyWriter(url)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    t0 = time.monotonic()
    with progress:
        task = progress.add_task("orders", total=args.orders, rate="")
        for seller, n in zip(sellers, counts, strict=False):
            business = calendar_for(seller)
            key = (business.timezone, business.country, business.closure_days)
            calendar = calendars.get(key) or calendars.setdefault(key, Calendar(business))
            policy = policy_for(seller)
            seller_products = products[seller.pk]
            placed = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n))
            placed = [p.replace(microsecond=0) for p in placed]
            buffers = {"orders": [], "lines": [], "events": [], "shipments": [], "cancels": []}
            for k, placed_at in enumerate(placed):
                order_id += 1
                number = 1001 + k
                age_hours = (now - placed_at).total_seconds() / 3600
                status = pick_status(rng, age_hours)
                paid = not (status in ("pending", "cancelled") and rng.random() < 0.15)
                paid_at = placed_at if paid else None
                confirm_by = placed_at + timedelta(hours=policy.confirm_hours) if paid else None
                row = {
                    "id": order_id,
                    "seller_id": seller.pk,
                    "number": number,
                    "channel": "storefront",
                    "external_id": f"ext-{seller.pk}-{number}",
                    "request_fingerprint": hashlib.sha256(f"{seller.pk}-{number}".encode()).hexdigest(),
                    "status": status,
                    "payment_status": "paid" if paid else "unpaid",
                    "customer_name": f"Customer {rng.randrange(200000)}",
                    "customer_email": f"customer{rng.randrange(200000)}@example.com",
                    "ship_name": "Ada Lovelace",
                    "ship_line1": f"{rng.randrange(1, 999)} Main St",
                    "ship_city": "Springfield",
                    "ship_region": "IL",
                    "ship_postal_code": "62701",
                    "ship_country": "US",
                    "currency": "USD",
                    "placed_at": placed_at,
                    "paid_at": paid_at,
                    "confirm_by": confirm_by,
                    "created_at": placed_at,
                    "updated_at": placed_at,
                }
                chosen = rng.sample(seller_products, 3)
                subtotal = Decimal(0)
                line_rows = []
                for product in sorted(chosen, key=lambda p: p.sku):
                    qty = rng.choice((1, 1, 1, 2, 3))
                    subtotal += product.price * qty
                    line_id += 1
                    line_rows.append(
                        {
                            "id": line_id,
                            "seller_id": seller.pk,
                            "order_id": order_id,
                            "product_id": product.pk,
                            "sku": product.sku,
                            "title": product.title,
                            "quantity": qty,
                            "unit_price": product.price,
                            "tax": 0,
                        }
                    )
                total = subtotal + SHIPPING_FEE
                row.update(
                    subtotal=subtotal,
                    shipping_fee=SHIPPING_FEE,
                    shipping_tax=0,
                    tax_total=0,
                    total=total,
                    refunded_total=0,
                )

                events = [
                    (
                        "placed",
                        placed_at,
                        {
                            "channel": "storefront",
                            "total": str(total),
                            "currency": "USD",
                            "payment_status": row["payment_status"],
                            "short_skus": [],
                        },
                    )
                ]
                t = placed_at
                action_due_at = confirm_by
                steps = ("pending", "confirmed", "processing", "shipped", "delivered")
                target = (
                    status if status != "cancelled" else rng.choice(("pending", "pending", "confirmed", "processing"))
                )
                if status == "cancelled" and not paid:
                    target = "pending"
                reached = steps.index(target)
                if reached >= 1:
                    t = t + timedelta(minutes=rng.randrange(10, 26 * 60))
                    t = min(t, now)
                    process_by = calendar.add(t, policy.process_business_days)
                    row.update(confirmed_at=t, confirmed_late=t > confirm_by, process_by=process_by)
                    action_due_at = process_by
                    events.append(("confirmed", t, {"late": t > confirm_by}))
                if reached >= 2:
                    t = min(t + timedelta(minutes=rng.randrange(30, 50 * 60)), now)
                    ship_by = calendar.add(t, policy.ship_business_days)
                    row.update(processing_at=t, processed_late=t > row["process_by"], ship_by=ship_by)
                    action_due_at = ship_by
                    events.append(("processing_started", t, {"late": t > row["process_by"]}))
                if reached >= 3:
                    t = min(t + timedelta(minutes=rng.randrange(30, 70 * 60)), now)
                    eta = calendar.add(t, 5)
                    row.update(shipped_at=t, shipped_late=t > row["ship_by"], deliver_by=eta)
                    action_due_at = None
                    shipment_id += 1
                    number_1z = ups_number(seller.pk, number)
                    shipment = {
                        "id": shipment_id,
                        "seller_id": seller.pk,
                        "order_id": order_id,
                        "carrier": "ups",
                        "service_level": "ground",
                        "tracking_number": number_1z,
                        "tracking_url": f"https://www.ups.com/track?tracknum={number_1z}",
                        "shipped_at": t,
                        "eta": eta,
                        "created_at": t,
                        "tracking_status": "in_transit",
                        "last_movement_at": t,
                    }
                    events.append(
                        (
                            "shipped",
                            t,
                            {
                                "carrier": "ups",
                                "service_level": "ground",
                                "tracking_number": number_1z,
                                "eta": eta.isoformat(),
                            },
                        )
                    )
                if reached >= 4:
                    t = min(t + timedelta(hours=rng.randrange(20, 150)), now)
                    row.update(delivered_at=t, delivered_late=t > row["deliver_by"])
                    shipment.update(delivered_at=t, tracking_status="delivered")
                    events.append(("delivered", t, {"late": t > row["deliver_by"]}))
                if reached >= 3:
                    buffers["shipments"].append(shipments_cols.line(shipment))
                if status == "cancelled":
                    t = min(t + timedelta(hours=rng.randrange(1, 30)), now)
                    reason = (
                        "unpaid_timeout"
                        if not paid
                        else rng.choice(("customer_request", "out_of_stock", "address_issue"))
                    )
                    refund = total if paid else Decimal(0)
                    row.update(cancelled_at=t, refunded_total=refund, payment_status="refunded" if paid else "unpaid")
                    action_due_at = None
                    cancel_id += 1
                    buffers["cancels"].append(
                        cancels_cols.line(
                            {
                                "id": cancel_id,
                                "seller_id": seller.pk,
                                "order_id": order_id,
                                "reason": reason,
                                "actor_kind": "seller" if paid else "system",
                                "actor_label": seller.email if paid else "system",
                                "refund_amount": refund,
                                "created_at": t,
                            }
                        )
                    )
                    events.append(("cancelled", t, {"reason": reason, "refund": str(refund)}))
                row["action_due_at"] = action_due_at
                row["updated_at"] = t
                for line in line_rows:
                    if status == "cancelled":
                        line.update(stock="released", quantity_cancelled=line["quantity"])
                    elif reached >= 2:
                        line["stock"] = "deducted"
                    else:
                        line["stock"] = "reserved"
                        reserved[line["product_id"]] = reserved.get(line["product_id"], 0) + line["quantity"]
                    buffers["lines"].append(lines_cols.line(line))
                buffers["orders"].append(orders_cols.line(row))
                for type_, at, params in events:
                    event_id += 1
                    system = type_ == "delivered" or (type_ == "cancelled" and not paid)
                    buffers["events"].append(
                        events_cols.line(
                            {
                                "id": event_id,
                                "seller_id": seller.pk,
                                "order_id": order_id,
                                "type": type_,
                                "actor_kind": "platform"
                                if type_ == "placed"
                                else ("carrier" if type_ == "delivered" else ("system" if system else "seller")),
                                "actor_label": "storefront"
                                if type_ == "placed"
                                else ("ups" if type_ == "delivered" else ("system" if system else seller.email)),
                                "params": params,
                                "created_at": at,
                            }
                        )
                    )
                if len(buffers["orders"]) >= 20000 or k == n - 1:
                    for name, cols in (
                        ("orders", orders_cols),
                        ("lines", lines_cols),
                        ("events", events_cols),
                        ("shipments", shipments_cols),
                        ("cancels", cancels_cols),
                    ):
                        if buffers[name]:
                            writer.put(cols, "".join(buffers[name]))
                            buffers[name] = []
                    progress.update(
                        task, completed=order_id, rate=f"{order_id / max(time.monotonic() - t0, 1e-6):,.0f} orders/s"
                    )
            cur.execute("UPDATE accounts_seller SET last_order_number = %s WHERE id = %s", [1000 + n, seller.pk])
        raw.commit()
        writer.close()
        console.print("COPY seconds per table: " + ", ".join(f"{k} {v:.1f}" for k, v in writer.seconds.items()))

        task2 = progress.add_task("indexes", total=len(index_defs) + 2, rate="")
        for product_id, qty in reserved.items():
            cur.execute("UPDATE inventory_product SET reserved = %s WHERE id = %s", [qty, product_id])
        for _model, table in (
            (Order, "orders_order"),
            (OrderLine, "orders_orderline"),
            (OrderEvent, "orders_orderevent"),
            (Shipment, "shipping_shipment"),
            (Cancellation, "orders_cancellation"),
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
            )
        raw.commit()
        progress.update(task2, advance=1)
        for name, definition in index_defs:
            cur.execute(definition)
            raw.commit()
            progress.update(task2, advance=1, rate=name)
        raw.autocommit = True
        cur.execute("VACUUM ANALYZE")
        progress.update(task2, advance=1, rate="vacuum analyze")

    console.print(
        f"[bold green]Loaded[/bold green] {order_id:,} orders, {line_id:,} lines, {event_id:,} events, "
        f"{shipment_id:,} shipments, {cancel_id:,} cancellations for {len(sellers)} sellers "
        f"in {time.monotonic() - started:,.0f} s."
    )


if __name__ == "__main__":
    main()
