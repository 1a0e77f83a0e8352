"""Secrets sealed at rest: credentials of a seller's other shops (a channel's webhook signing
secret, its API access token) are stored as Fernet tokens, never in clear text.

The keys are `settings.SHIPDESK_SECRETS_KEY`, a list: the first seals, every one opens, so a key
is rotated by putting a new one first, running `shipdesk reseal-secrets` (every stored secret
sealed again with the first key), then dropping the old one (docs/operations.md).

An empty secret ("not set") is stored as the empty string, so "is it set" needs no key. Pure
apart from reading the keys from the settings; no ORM, no I/O.
"""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


class SealedSecretUnreadable(Exception):
    """No configured key opens this sealed value: a key was dropped before `reseal-secrets` ran,
    or the value was not sealed by this installation."""


def _fernet() -> ModuleType:
    """`cryptography.fernet`, imported at the first secret sealed or opened: its Rust bindings
    are ~7 MiB in every process that imports them, and a web worker opens secrets only for a
    channel's webhooks and settings, not for orders."""
    from cryptography import fernet  # noqa: PLC0415  (deferred for memory)

    return fernet


@lru_cache(maxsize=8)
def _sealer(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "SHIPDESK_SECRETS_KEY is not set: make one with "
            "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
        )
    try:
        fernet = _fernet()
        return fernet.MultiFernet([fernet.Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "SHIPDESK_SECRETS_KEY: each key is 32 random bytes in URL-safe base64 (44 characters)."
        ) from None


def _keys(keys: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    chosen = settings.SHIPDESK_SECRETS_KEY if keys is None else keys
    return tuple(key.strip() for key in chosen or () if key.strip())


def seal(clear: str, *, keys: list[str] | None = None) -> str:
    """The sealed form of `clear` (with the first key); "" stays "" (no secret)."""
    if not clear:
        return ""
    return _sealer(_keys(keys)).encrypt(clear.encode()).decode("ascii")


def open_sealed(sealed: str, *, keys: list[str] | None = None) -> str:
    """The clear text of a sealed value (any configured key opens it); "" stays ""."""
    if not sealed:
        return ""
    try:
        return _sealer(_keys(keys)).decrypt(sealed.encode("ascii")).decode()
    except (_fernet().InvalidToken, UnicodeError):
        raise SealedSecretUnreadable("No key in SHIPDESK_SECRETS_KEY opens this secret.") from None


def reseal(sealed: str, *, keys: list[str] | None = None) -> str:
    """The same secret sealed again with the first key (it may have been sealed with any)."""
    if not sealed:
        return ""
    try:
        return _sealer(_keys(keys)).rotate(sealed.encode("ascii")).decode("ascii")
    except (_fernet().InvalidToken, UnicodeError):
        raise SealedSecretUnreadable("No key in SHIPDESK_SECRETS_KEY opens this secret.") from None


def sealed_with_first_key(sealed: str, *, keys: list[str] | None = None) -> bool:
    """True when the first key alone opens it: `reseal-secrets` has nothing to move."""
    if not sealed:
        return True
    first = _keys(keys)[:1]
    try:
        _sealer(first).decrypt(sealed.encode("ascii"))
    except (_fernet().InvalidToken, UnicodeError):
        return False
    return True
