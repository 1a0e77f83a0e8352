"""Reading a shop's stored paper images (logo, insert picture) back for the PDFs that print them.

Beside the models: the shipping papers and the invoices both read them, and neither may import
the other's reads. A file missing from storage (removed by hand, a restored backup) prints the
paper without it rather than failing the print.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def stored_image(field_file) -> bytes | None:
    """The PNG bytes of a Seller's `logo` or `insert_image`, None when unset or missing."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        logger.warning("A shop's paper image %s is missing from storage; printing without it.", field_file.name)
        return None
