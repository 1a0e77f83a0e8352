"""A PostgreSQL primary and a streaming replica of it, started with PostgreSQL's own tools.

`initdb` makes the primary's data directory, `pg_basebackup -R` copies it into a replica that
follows the primary's WAL, `pg_ctl` starts and stops each on a free loopback port. Everything
lives in one temporary directory removed at the end. PostgreSQL refuses to run as root, so when
the tests run as root the servers run as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.notifications.mail_server import free_port


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_basebackup")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "nobody"
    return "postgres"


class Server:
    def __init__(self, bin_dir: Path, data: Path, port: int, user: str | None):
        self.bin_dir, self.data, self.port, self.user = bin_dir, data, port, user

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([str(self.bin_dir / tool), *args], check=True, capture_output=True, user=self.user, timeout=60)

    def start(self) -> None:
        log = self.data.parent / f"{self.data.name}.log"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", f"-p {self.port}", "-w", "-t", "30", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, sql: str, database: str = "shipdesk") -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            rows = connection.execute(sql)
            return rows.fetchall() if rows.description else []


class PrimaryAndReplica:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="shipdesk-replica-test-"))
        if self.user:
            shutil.chown(self.root, user=self.user)
        self.primary = Server(bin_dir, self.root / "primary", free_port(), self.user)
        self.replica = Server(bin_dir, self.root / "replica", free_port(), self.user)

    def start(self) -> PrimaryAndReplica:
        primary = self.primary
        primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\n"
                # The replica's own statement counters show which server served a read.
                "shared_preload_libraries = 'pg_stat_statements'\n"
                "pg_stat_statements.track = all\n"
                # A throwaway cluster: durability only costs time here.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        primary.start()
        primary.query("CREATE DATABASE shipdesk", database="postgres")
        primary.query("CREATE EXTENSION pg_stat_statements")
        # -R writes the replica's primary_conninfo and standby.signal: it streams from the primary.
        primary.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.replica.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self.replica.start()
        return self

    def wait_until_replica_caught_up(self, seconds: float = 20) -> None:
        target = self.primary.query("SELECT pg_current_wal_lsn()::text")[0][0]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            behind = self.replica.query(f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn")[0][0]
            if not behind:
                return
            time.sleep(0.05)
        raise AssertionError(f"the replica did not replay up to {target} within {seconds} s")

    def close(self) -> None:
        for server in (self.replica, self.primary):
            try:
                server.stop()
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
