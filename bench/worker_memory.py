"""Peak RSS of the web workers under `make bench`'s request mix, on a small database, in ~2 minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shipdesk_memory \\
        .venv/bin/python bench/generate.py --orders 30000 --sellers 10 --big 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shipdesk_memory .venv/bin/python bench/worker_memory.py

Serves Shipdesk as `bench/run.py` does (`shipdesk serve --workers 4`, its production settings),
drives it with `bench/run.py`'s own intake, lifecycle and reads (shorter: 5 s each, 100 rounds of
reads), and prints each worker's VmRSS / VmHWM and the peak over the run. For a memory change,
the figure `make bench` reports without its 1,000,000-order database and its six minutes;
timings printed here are from a small database and say little.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # bench/run.py would default to the 1,000,000-order bench database, and this writes orders.
    sys.exit("Set DATABASE_URL to a PostgreSQL database made by bench/generate.py (see the docstring).")

import run as bench  # noqa: E402  (after the path: bench/run.py sets the production environment)


def status_mib(pid: int) -> dict[str, float]:
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile")):
                key, value = line.split(":")
                values[key] = round(int(value.split()[0]) / 1024, 1)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds of each intake / lifecycle run")
    parser.add_argument("--reads", type=int, default=100, help="rounds of the ten reads")
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from shipdesk.accounts.models import Seller

    session_key = bench.session_for_big_seller()
    sellers = list(Seller.objects.order_by("pk").values_list("pk", "slug"))
    connection.close()
    port, web = bench.serve_without_mail(args.web_workers)
    try:
        bench.wait_http(port, "/healthz")
        for pid in bench.children_of(web.pid):
            print("worker at start", pid, status_mib(pid))
        watch = bench.RssWatch(lambda: bench.children_of(web.pid))
        bench.intake(port, 4, 2, sellers)
        one = bench.intake(port, 1, args.duration, sellers)
        many = bench.intake(port, 16, args.duration, sellers)
        print(f"intake: {one.rate:.0f} / {many.rate:.0f} orders/s")
        lifecycle = bench.lifecycle(port, 16, args.duration, one.items + many.items)
        print(f"lifecycle: {lifecycle.rate:.0f} transitions/s")
        for name, result in bench.reads(port, args.reads, session_key).items():
            print(f"{name}: p50 {result.pct(50):.1f} / p95 {result.pct(95):.1f} ms, errors {result.errors or 'none'}")
        for pid in bench.children_of(web.pid):
            print("worker at end", pid, status_mib(pid))
        print(f"peak RSS (VmHWM) of a web worker over the run: {watch.close():.1f} MiB")
    finally:
        bench.stop_process(web)


if __name__ == "__main__":
    main()
