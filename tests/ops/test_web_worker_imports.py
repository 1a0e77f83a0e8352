"""What a web worker imports before it serves anything: the heavy libraries only some pages use
stay out until such a page is asked for (docs/benchmarks.md, "Memory": every web worker must
stay under 100 MiB, and each of these is megabytes in every worker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Set up Django with the production settings and load every URL (what the first request does:
# every view, API router and schema module is imported), then list what got imported.
LOAD_THE_APP = r"""
import json, sys
import django
django.setup()
import shipdesk.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted(sys.modules)))
"""

# Each loads at its first use: PDFs (ReportLab, Pillow), a shop's uploaded image (Pillow), a
# channel's sealed secrets (cryptography), one country's public holidays (its own module only).
LOADED_AT_FIRST_USE = ("reportlab", "PIL", "cryptography")


def test_a_web_worker_loads_no_pdf_image_or_cryptography_library_and_no_holiday_country_before_a_request():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "DJANGO_SETTINGS_MODULE": "shipdesk.settings",
        "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD_THE_APP], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules = json.loads(result.stdout)
    assert [m for m in modules if m.split(".")[0] in LOADED_AT_FIRST_USE] == []
    assert [m for m in modules if m.startswith("holidays.countries.")] == []
