"""docs/operations.md, followed as far as this machine allows: its systemd units install into a
scratch root and pass `systemd-analyze verify`; every setting the code reads is documented."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"
SHIPDESK = ROOT / ".venv" / "bin" / "shipdesk"


def files_in_the_guide() -> dict[str, str]:
    """Every fenced block whose first line is `# /absolute/path`: that file's content."""
    files = {}
    for block in re.findall(r"```(?:ini|sh)\n(.*?)```", GUIDE.read_text(), flags=re.S):
        first, _, rest = block.partition("\n")
        if re.fullmatch(r"# /(etc)/\S+", first.strip()):
            files[first.strip()[3:]] = rest
    return files


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_guides_systemd_units_install_into_a_scratch_root_and_verify_clean(tmp_path):
    files = files_in_the_guide()
    units = sorted(p for p in files if p.startswith("etc/systemd/system/"))
    assert units == ["etc/systemd/system/shipdesk-web.service", "etc/systemd/system/shipdesk-worker.service"]
    root = tmp_path / "root"
    # A Debian root: the distribution's units (targets the ours depend on), our files where the
    # guide puts them, and the installed `shipdesk` script at /opt/shipdesk/.venv/bin.
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    installed = root / "opt/shipdesk/.venv/bin/shipdesk"
    installed.parent.mkdir(parents=True)
    shutil.copy2(SHIPDESK, installed)
    for directory in ("var/lib/shipdesk", "etc/shipdesk"):
        (root / directory).mkdir(parents=True, exist_ok=True)

    for unit in units:
        done = subprocess.run(
            ["systemd-analyze", "verify", f"--root={root}", f"/{unit}"], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == "", done.stderr  # not even a warning (unknown keys are warnings)

    # and it does catch a broken unit: the same check with the executable missing fails
    installed.unlink()
    broken = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", f"/{units[0]}"], capture_output=True, text=True, timeout=60
    )
    assert broken.returncode != 0 and "not executable" in broken.stderr


def test_the_guides_units_run_the_commands_shipdesk_has():
    files = files_in_the_guide()
    web, worker = files["etc/systemd/system/shipdesk-web.service"], files["etc/systemd/system/shipdesk-worker.service"]
    assert "ExecStart=/opt/shipdesk/.venv/bin/shipdesk serve " in web
    assert "ExecStartPre=/opt/shipdesk/.venv/bin/shipdesk check" in web
    assert "ExecStart=/opt/shipdesk/.venv/bin/shipdesk worker" in worker
    done = subprocess.run(
        [str(SHIPDESK), "help"], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "DEBUG": "1"}
    )
    for command in ("serve", "worker", "check", "migrate", "collectstatic", "createsuperuser"):
        assert re.search(rf"^\s+{command}$", done.stdout, flags=re.M), command


def test_every_environment_variable_the_settings_read_is_documented():
    settings_source = (ROOT / "src/shipdesk/settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', settings_source))
    guide = GUIDE.read_text()
    undocumented = sorted(name for name in read if f"`{name}`" not in guide)
    assert undocumented == []
