"""Shipping test helpers: real PDFs read back with poppler and zbar, shipped orders, webhook secrets.

A plain module, not a conftest.py: a second conftest.py would shadow tests/conftest.py for every
`from tests.builders import …` collected after it. Test modules import what they use, by full name
(`tests.conftest`, `tests.shipping.shipping_fixtures`), which no other conftest can shadow.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shipdesk.orders import services
from tests.builders import SELLER_ACTOR, advance

# Third-party samples kept in the repository with their provenance (tests/fixtures/real-world/README.md).
REAL_WORLD = Path(__file__).resolve().parents[1] / "fixtures" / "real-world"

FEDEX_NUMBER = "986578788855"  # a FedEx Express number from the published test vectors
SECRETS = {"generic": "whsec_generic_test", "easypost": "easypost-test-secret", "aftership": "aftership-test-secret"}


@pytest.fixture
def webhook_secrets(settings):
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = dict(SECRETS)
    return SECRETS


@pytest.fixture
def sandbox_on(settings):
    settings.SHIPDESK_SANDBOX_CARRIER = True
    settings.SHIPDESK_SANDBOX_CARRIER_MINUTES = 3
    return settings


def ship(order, *, carrier: str = "fedex", service_level: str = "ground", number: str = FEDEX_NUMBER, **kwargs):
    """Take an order to processing and ship it with the given carrier and number."""
    order = advance(order, "processing")
    return services.ship_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier=carrier,
        service_level=service_level,
        tracking_number=number,
        **kwargs,
    )


# --- reading PDFs back ------------------------------------------------------------------------


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=stdin, capture_output=True, timeout=60, check=False)


@pytest.fixture
def pdf(tmp_path):
    """Poppler and zbar over a PDF's bytes: pages, text, and the barcodes each page shows."""

    class Reader:
        counter = 0

        def _file(self, content: bytes) -> Path:
            Reader.counter += 1
            path = tmp_path / f"doc-{Reader.counter}.pdf"
            path.write_bytes(content)
            return path

        def info(self, content: bytes) -> str:
            return _run("pdfinfo", str(self._file(content))).stdout.decode()

        def pages(self, content: bytes) -> int:
            return int(next(line.split()[-1] for line in self.info(content).splitlines() if line.startswith("Pages:")))

        def text(self, content: bytes, *, first: int | None = None, last: int | None = None) -> str:
            args = ["pdftotext", "-layout"]
            if first:
                args += ["-f", str(first)]
            if last:
                args += ["-l", str(last)]
            return _run(*args, str(self._file(content)), "-").stdout.decode()

        def barcodes(self, content: bytes, *, page: int = 1, dpi: int = 150) -> list[str]:
            """Render one page to PNG and decode every barcode on it (Code 128 and the like)."""
            source = self._file(content)
            prefix = tmp_path / f"{source.stem}-p{page}"
            rendered = _run(
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(prefix),
            )
            assert rendered.returncode == 0, rendered.stderr
            png = prefix.with_suffix(".png")
            assert png.stat().st_size > 0
            decoded = _run("zbarimg", "--quiet", "--raw", str(png))
            return [line for line in decoded.stdout.decode().splitlines() if line]

    return Reader()
