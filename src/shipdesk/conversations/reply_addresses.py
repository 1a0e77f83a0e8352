"""The per-order reply address every customer email carries: `reply+<order>-<signature>@<domain>`.

Plus-addressing on a domain whose mail reaches `shipdesk inbound-email` (docs/conversations.md):
the part after the `+` names the order and carries an HMAC of it, keyed with the project's secret
and a salt of its own, so nobody can write into another customer's conversation by guessing an
order number. The token is lower-case hex and short (the local part of an address is at most 64
characters, and some mail servers lower-case it). Pure: settings only, no ORM, no I/O.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from email.utils import getaddresses

from django.conf import settings
from django.utils.crypto import salted_hmac

REPLY_SALT = "shipdesk.conversations.reply-address"
# 80 bits of HMAC-SHA256: beyond guessing, and short enough for any mail server.
SIGNATURE_HEX = 20


def _config() -> dict:
    return settings.SHIPDESK_CONVERSATIONS


def _signature(order_id: int) -> str:
    return salted_hmac(REPLY_SALT, str(order_id), algorithm="sha256").hexdigest()[:SIGNATURE_HEX]


def reply_address(order_id: int) -> str:
    """The order's reply address, or "" when no inbound domain is configured (replies then go to
    the shop's own address, as before)."""
    domain = _config()["reply_domain"]
    if not domain:
        return ""
    return f"{_config()['reply_local_part']}+{order_id}-{_signature(order_id)}@{domain}"


@dataclass(frozen=True)
class AddressMatch:
    """What the recipients of an inbound email say about its order."""

    order_id: int | None  # the order of a genuine reply address
    forged: bool  # a reply address of ours whose signature does not verify


def _pattern() -> re.Pattern:
    local, domain = re.escape(_config()["reply_local_part"]), re.escape(_config()["reply_domain"])
    return re.compile(rf"^{local}\+([0-9]{{1,18}})-([0-9a-z]{{1,64}})@{domain}$", re.IGNORECASE)


def match_recipients(recipients: list[str]) -> AddressMatch:
    """The order named by the first genuine reply address among `recipients` (header values or bare
    addresses, in the order given); `forged` when only forged ones were found."""
    if not _config()["reply_domain"]:
        return AddressMatch(order_id=None, forged=False)
    pattern, forged = _pattern(), False
    for _, address in getaddresses(recipients):
        found = pattern.match(address.strip())
        if found is None:
            continue
        order_id, signature = int(found.group(1)), found.group(2).lower()
        if hmac.compare_digest(signature, _signature(order_id)):
            return AddressMatch(order_id=order_id, forged=False)
        forged = True
    return AddressMatch(order_id=None, forged=forged)
