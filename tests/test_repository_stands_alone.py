"""A clone of the repository is the whole product: nothing tracked reaches outside it.

A newcomer clones the repository and nothing else, so a tracked file that names the folder beside
the clone (the shared folder of the machine it was written on) or an absolute path of one build
machine works here and fails there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Spelled in pieces so that this file does not find itself.
OUTSIDE = re.compile(
    "|".join(
        [
            re.escape(".." + "/shared"),
            r"(?<![\w.:/-])/(?:" + "work|root" + r")/",  # this machine's working folders
            r"(?<![\w.:/-])/home/[a-z_][\w-]*/",  # somebody's home folder
        ]
    )
)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = [ROOT / name for name in listed.decode().split("\0") if name]
    return [path for path in files if path.is_file() and b"\0" not in path.read_bytes()[:8192]]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_no_tracked_file_names_a_folder_outside_the_repository_or_a_machine_path():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in tracked_text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_the_pattern_catches_what_a_clone_cannot_have():
    assert OUTSIDE.search("FIXTURES = Path('" + "/work" + "/shared/fixtures')")
    assert OUTSIDE.search("see " + ".." + "/shared/DESIGN.md")
    assert OUTSIDE.search("cd " + "/home" + "/alice/shipdesk")
    assert not OUTSIDE.search("https://www.dhl.com/global-en/home/tracking/")
    assert not OUTSIDE.search("/usr/bin/chromium")
