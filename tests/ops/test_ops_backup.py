"""The backup and restore of docs/operations.md §9, run for real: pg_dump a database with orders,
pg_restore it into a new database, and find the same rows there."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from shipdesk.orders.models import Order, OrderEvent


def _conninfo(dbname: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{dbname}"


@pytest.mark.postgres
@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None, reason="needs postgresql-client"
)
def test_a_pg_dump_restored_into_a_new_database_has_the_same_orders_and_timeline(
    transactional_db, seller, product, place, tmp_path
):
    orders = [place(seller, external_id=f"BK-{n}") for n in range(3)]
    expected = sorted(Order.objects.values_list("id", "external_id", "status", "total"))
    events = OrderEvent.objects.count()
    dump = tmp_path / "shipdesk.dump"
    restored = f"shipdesk_restore_{uuid.uuid4().hex[:10]}"

    subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--dbname={_conninfo(connection.settings_dict['NAME'])}",
            f"--file={dump}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_conninfo(restored)}", str(dump)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with psycopg.connect(_conninfo(restored)) as copy:
            rows = copy.execute(
                f"SELECT id, external_id, status, total FROM {Order._meta.db_table} ORDER BY id"
            ).fetchall()
            restored_events = copy.execute(f"SELECT count(*) FROM {OrderEvent._meta.db_table}").fetchone()[0]
            migrations_recorded = copy.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    finally:
        with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')

    assert sorted(rows) == expected and len(rows) == len(orders)
    assert restored_events == events > 0
    assert migrations_recorded > 0  # the migration history came along: `shipdesk migrate` on it is a no-op
