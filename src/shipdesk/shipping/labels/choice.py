"""Which label provider this deployment buys from (SHIPDESK_LABEL_PROVIDER): sandbox, easypost, shippo."""

from __future__ import annotations

from django.conf import settings

from shipdesk.errors import LabelProviderUnavailable

from .easypost import EasyPostProvider
from .providers import LabelProvider
from .sandbox import SandboxProvider
from .shippo import ShippoProvider

PROVIDERS = {"sandbox": SandboxProvider, "easypost": EasyPostProvider, "shippo": ShippoProvider}


def label_provider() -> LabelProvider:
    """The configured provider; `LabelProviderUnavailable` (503) when none is, or the sandbox is off."""
    name = settings.SHIPDESK_LABEL_PROVIDER
    if name not in PROVIDERS:
        raise LabelProviderUnavailable(
            "No label provider is set up (SHIPDESK_LABEL_PROVIDER: sandbox, easypost or shippo)."
        )
    # Sandbox labels ship with the sandbox carrier, which only exists where the operator turned it on.
    if name == "sandbox" and not settings.SHIPDESK_SANDBOX_CARRIER:
        raise LabelProviderUnavailable("The sandbox label provider needs SHIPDESK_SANDBOX_CARRIER turned on.")
    return PROVIDERS[name]()
