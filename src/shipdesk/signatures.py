"""Timestamped HMAC signatures of webhooks, as Stripe signs them, shared by every webhook receiver.

Header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. Several `v1=` may be
sent while a secret is rotated; one matching is enough. A signature older or newer than the
tolerance is refused, so a captured request cannot be replayed later.

A `purpose` binds a signature to one endpoint: it is signed in front, as `"<purpose>.<t>.<raw
body>"`. Our generic payment webhooks sign with purpose `payment`; generic tracking webhooks and
Stripe sign none (`"<t>.<raw body>"`, which starts with a digit, so it can never equal a
purposed message). A tracking signature therefore never verifies at the payments endpoint, nor
the other way round, even if an operator gave both the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

SIGNATURE_TOLERANCE_SECONDS = 300


def _digest(secret: str, timestamp: int, body: bytes, purpose: str) -> str:
    prefix = f"{purpose}.{timestamp}." if purpose else f"{timestamp}."
    return hmac.new(secret.encode(), prefix.encode() + body, hashlib.sha256).hexdigest()


def sign_timestamped(body: bytes, secret: str, *, timestamp: int, purpose: str = "") -> str:
    return f"t={timestamp},v1={_digest(secret, timestamp, body, purpose)}"


def verify_timestamped(
    header: str,
    body: bytes,
    secret: str,
    now: datetime,
    *,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
    purpose: str = "",
) -> bool:
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and re.fullmatch(r"[0-9]{1,12}", value):
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures or not secret:
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body, purpose).encode()
    return any(hmac.compare_digest(expected, s.encode("utf-8", "replace")) for s in signatures)
