"""Where the CPU of an order goes under `make bench`'s load: the web workers, PostgreSQL, the client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shipdesk_bench .venv/bin/python bench/cpu_split.py

Serves Shipdesk as `bench/run.py` does (`shipdesk serve --workers 4`, its production settings) on
the bench database `make bench` generated, drives it with `bench/run.py`'s own intake (1 and 16
clients) and lifecycle (16 clients), and reads, around each run, the CPU time (user + system,
from /proc) of the gunicorn workers, of every PostgreSQL process on the machine (backends and
background writers alike: the database's whole cost) and of this load client. Divided by the
requests served, that is the CPU one order or one transition costs each party; with all three on
the same cores, their sum caps the rate: cores ÷ (web + database + client) per request.
Writes orders to the bench database, as `make bench` does.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to the PostgreSQL database `make bench` generated (see the docstring).")

import run as bench  # noqa: E402  (after the path: bench/run.py sets the production environment)

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the given processes so far (a process gone meanwhile counts 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds of each run")
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from shipdesk.accounts.models import Seller

    sellers = list(Seller.objects.order_by("pk").values_list("pk", "slug"))
    connection.close()
    port, web = bench.serve_without_mail(args.web_workers)
    print(f"load average before: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    try:
        bench.wait_http(port, "/healthz")
        bench.intake(port, 4, 3, sellers)  # warm-up: every worker imports and connects
        workers = bench.children_of(web.pid)
        orders: list = []
        for name, clients in (("intake", 1), ("intake", 16), ("lifecycle", 16)):
            database, served, client = cpu_seconds(postgres_pids()), cpu_seconds(workers), os.times()
            started = time.monotonic()
            if name == "intake":
                result = bench.intake(port, clients, args.duration, sellers)
                orders += result.items
            else:
                result = bench.lifecycle(port, clients, args.duration, orders)
            wall = time.monotonic() - started
            database = cpu_seconds(postgres_pids()) - database
            served = cpu_seconds(workers) - served
            after = os.times()
            client = (after.user + after.system) - (client.user + client.system)
            requests = result.rate * wall
            spent = {"web": served, "db": database, "client": client}
            per = {key: 1000 * value / requests for key, value in spent.items()}
            print(
                f"{name}, {clients} client(s): {result.rate:.0f}/s; CPU ms per request: web {per['web']:.1f}, "
                f"PostgreSQL {per['db']:.1f}, load client {per['client']:.1f}; "
                f"cores busy {(served + database + client) / wall:.2f} of {os.cpu_count()}",
                flush=True,
            )
    finally:
        bench.stop_process(web)


if __name__ == "__main__":
    main()
