"""A real `shipdesk` command in a process of its own, as a person starts it from a terminal.

Its environment is built from scratch (nothing of the test settings leaks in: no test secret, no
test email backend), its data directory is the test's own, and everything it prints is collected
line by line by a reader thread, so a test can wait for a line with a deadline instead of sleeping.
Stopping it sends SIGTERM (as systemd or Ctrl-C would end it) and, past a deadline, SIGKILL to
its whole process group, so no web server or worker outlives a test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path


def clean_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",  # lines reach the reader as they are printed
        "SHIPDESK_DATA_DIR": str(data_dir / "var"),
        **extra,
    }


class ShipdeskProcess:
    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shipdesk.cli", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: stop() reaches the web server and worker too
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(self, text: str, *, timeout: float) -> str:
        """The first printed line containing `text`; fails if the process ends or time runs out first."""

        def found() -> str | None:
            return next((line for line in self.lines if text in line), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None or not self._reader.is_alive(), timeout=timeout)
            line = found()
        assert line is not None, f"no line with {text!r} within {timeout} s; the process printed:\n{self.output}"
        return line

    def wait(self, *, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def stop(self, *, timeout: float = 30) -> int | None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        try:  # anything of the group still alive (a child that ignored SIGTERM) goes now
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        return self.process.returncode
