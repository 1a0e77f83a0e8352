"""The order-file import at volume: a 10,000-row CSV through a saved column mapping, on SQLite and
on PostgreSQL (docs/benchmarks.md, "Importing a 10,000-row file").

    .venv/bin/python bench/imports.py                      (what `make bench` runs after bench/run.py)
    .venv/bin/python bench/imports.py --rows 2000 --database sqlite

Each database runs in its own process, on a fresh database made from the migrations: SQLite as a
file in var/bench/ (WAL, as `make run` has it), PostgreSQL as `test_` + the name in
BENCH_IMPORTS_DATABASE_URL (default `postgres://postgres@127.0.0.1:5432/shipdesk_bench_imports`),
dropped afterwards. The file is 2,500 orders of four rows (items) each; every tenth order names a
SKU the shop lacks (held for it). The import runs as the worker runs it (`run_import`), once,
then the same file again (which must create nothing). Prints rows/s, seconds, and SQL statements
per order: all of them, and those outside `place_order` (the import's own work per order).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/shipdesk_bench_imports"
SQLITE_FILE = ROOT / "var" / "bench" / "imports.sqlite3"

HEADER = "Order,Date,Buyer,Email,Street,Town,State,Zip,Country,Item,Qty,Price,Cur,Paid"
COLUMNS = {
    "external_id": "Order",
    "placed_at": "Date",
    "customer_name": "Buyer",
    "customer_email": "Email",
    "ship_line1": "Street",
    "ship_city": "Town",
    "ship_region": "State",
    "ship_postal_code": "Zip",
    "ship_country": "Country",
    "sku": "Item",
    "quantity": "Qty",
    "unit_price": "Price",
    "currency": "Cur",
    "payment_status": "Paid",
}
ITEMS = (("MUG-1", "12.50"), ("CUP-1", "4.00"), ("BOWL-1", "8.00"), ("PLATE-1", "9.00"))


def order_file(rows: int) -> str:
    """`rows` rows, four per order; every tenth order's last item is a SKU the shop lacks."""
    today = date.today().isoformat()  # an old unpaid order would be refused or swept
    lines = [HEADER]
    for order in range(rows // len(ITEMS)):
        for sku, price in ITEMS:
            sku = "NOPE-1" if sku == "PLATE-1" and order % 10 == 0 else sku
            lines.append(
                f"V-{order},{today},Buyer {order},b{order}@example.com,1 Main St,Springfield,IL,62701,US,"
                f"{sku},1,{price},USD,yes"
            )
    return "\n".join(lines) + "\n"


def measure(rows: int) -> dict:
    """In this process's database (a fresh test database): import the file twice; the figures."""
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection

    from shipdesk.accounts.services import create_seller
    from shipdesk.actors import Actor, ActorKind
    from shipdesk.channels.import_runs import run_import
    from shipdesk.channels.imports import start_import
    from shipdesk.channels.models import OrderImport
    from shipdesk.inventory.services import create_product
    from shipdesk.orders import services as orders

    if connection.vendor == "sqlite":
        SQLITE_FILE.unlink(missing_ok=True)
        connection.settings_dict["TEST"]["NAME"] = str(SQLITE_FILE)
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seller = create_seller(slug="bench", name="Bench", email="bench@example.test", country="US")
        actor = Actor(kind=ActorKind.SELLER, label="bench")
        for sku, price in ITEMS:
            create_product(
                seller_id=seller.pk, sku=sku, title=sku.title(), price=Decimal(price), currency="USD",
                on_hand=1_000_000, actor=actor,
            )  # fmt: skip
        content = order_file(rows)

        # Every statement counted, and apart those `place_order` sends: the rest is the import's.
        counts = {"all": 0, "placing": 0}
        inside = [False]

        def count(execute, sql, params, many, context):
            counts["all"] += 1
            counts["placing"] += inside[0]
            return execute(sql, params, many, context)

        real_place_order = orders.place_order

        def place_order(**kwargs):
            inside[0] = True
            try:
                return real_place_order(**kwargs)
            finally:
                inside[0] = False

        orders.place_order = place_order
        runs = []
        try:
            for _ in ("first", "again"):
                counts.update(all=0, placing=0)
                started = time.perf_counter()
                with connection.execute_wrapper(count):
                    order_import = start_import(
                        seller_id=seller.pk, filename="bench.csv", content=content, columns=COLUMNS, queue=False
                    )
                    run_import(import_id=order_import.pk)
                seconds = time.perf_counter() - started
                done = OrderImport.objects.get(pk=order_import.pk)
                runs.append(
                    {
                        "seconds": seconds,
                        "rows": done.total_rows,
                        "placed": done.placed,
                        "held": done.held,
                        "existing": done.existing,
                        "bad_rows": len(done.report),
                        "statements": counts["all"],
                        "placing": counts["placing"],
                    }
                )
        finally:
            orders.place_order = real_place_order
        vendor = connection.vendor
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                vendor += " " + cursor.fetchone()[0].split()[0]
        else:
            import sqlite3

            vendor += " " + sqlite3.sqlite_version
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    return {"database": vendor, "first": runs[0], "again": runs[1]}


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    load = "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), commit {commit}, load average (1/5/15 min) before the run {load}"


def report(result: dict) -> str:
    first, again = result["first"], result["again"]
    orders = first["placed"] + first["held"]
    return (
        f"{result['database']}: {first['rows']:,} rows ({first['placed']:,} placed, {first['held']:,} held, "
        f"{first['bad_rows']} bad rows) in {first['seconds']:.1f} s = {first['rows'] / first['seconds']:,.0f} rows/s; "
        f"statements per order {first['statements'] / orders:.1f} "
        f"(outside place_order {(first['statements'] - first['placing']) / orders:.1f}); "
        f"the same file again: {again['existing']:,} already here, {again['placed'] + again['held']} created, "
        f"{again['seconds']:.1f} s, {again['statements']} statements"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The order-file import at volume")
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the file (four per order)")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.rows)))
        return

    print(f"Machine: {machine()}", flush=True)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    databases = {
        "sqlite": f"sqlite:///{SQLITE_FILE.with_name('imports-base.sqlite3')}",
        "postgres": os.environ.get("BENCH_IMPORTS_DATABASE_URL", DEFAULT_PG),
    }
    wanted = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    for name in wanted:
        env = {
            **os.environ,
            "DATABASE_URL": databases[name],
            "DJANGO_SETTINGS_MODULE": "shipdesk.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdef"),
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "consolemail://",
        }
        child = subprocess.run(
            [sys.executable, __file__, "--measure", "--rows", str(args.rows)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            raise SystemExit(f"{name}: the import bench failed")
        print(report(json.loads(child.stdout.strip().splitlines()[-1])), flush=True)


if __name__ == "__main__":
    main()
