"""How a person gets into the demo shop, run after run: one password and two API tokens.

Passwords and tokens are stored only as hashes, so the demo keeps the ones it printed in
<SHIPDESK_DATA_DIR>/demo-access.json, readable by its owner only (0600), beside the SQLite database
they open. Every run prints them again as long as they still work: the password while the demo
owner still has it, a token while it is not revoked. A token that stopped working is replaced by a
new one (never one more per run); a password someone changed is not overwritten, the person is
told the exact command that sets a new one.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from rich.console import Console

from shipdesk.accounts.models import ApiToken, Seller, User
from shipdesk.accounts.services import create_api_token, create_user, hash_token

ACCESS_FILE_NAME = "demo-access.json"
SELLER_TOKEN_NAME = "demo seller token"
PLATFORM_TOKEN_NAME = "demo platform token"


@dataclass(frozen=True)
class DemoAccess:
    password: str | None  # None: someone changed it (or it was never kept), so it is unknown here
    seller_token: str
    platform_token: str


def new_demo_password() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 random bits


def access_file() -> Path:
    return Path(settings.SHIPDESK_DATA_DIR) / ACCESS_FILE_NAME


def shipdesk_command() -> str:
    """The `shipdesk` script of this installation, as a person can type it from here
    (`.venv/bin/shipdesk` from the clone: the virtualenv is usually not on PATH)."""
    script = Path(sys.executable).parent / "shipdesk"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def keep_demo_access(*, seller: Seller, owner_email: str, password: str | None = None) -> DemoAccess:
    """The demo's working credentials, reusing the stored ones that still work.

    `password`: one just set on every demo login (a new shop, or `shipdesk demo --new-password`).
    """
    stored = _read()
    if password is None:
        owner = User.objects.filter(email=owner_email).first()
        kept = stored.get("password")
        password = kept if kept and owner is not None and owner.check_password(kept) else None
    access = DemoAccess(
        password=password,
        seller_token=_working_token(stored.get("seller_token"), name=SELLER_TOKEN_NAME, seller=seller),
        platform_token=_working_token(stored.get("platform_token"), name=PLATFORM_TOKEN_NAME, seller=None),
    )
    _write(access)
    return access


@transaction.atomic
def set_demo_password(*, seller: Seller, logins: dict[str, str | None], password: str) -> None:
    """Give every demo login (email → role in the demo shop, None for the operator) `password`."""
    for email, role in logins.items():
        create_user(email=email, password=password, seller=seller if role else None, role=role or "staff")


def _working_token(raw: str | None, *, name: str, seller: Seller | None) -> str:
    if raw and ApiToken.objects.filter(token_hash=hash_token(raw), seller=seller, revoked_at__isnull=True).exists():
        return raw
    return create_api_token(name=name, seller=seller).token


def _read() -> dict:
    try:
        stored = json.loads(access_file().read_text())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _write(access: DemoAccess) -> None:
    path = access_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 (never readable by others, not even for a moment), then swapped in whole.
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(asdict(access), out)
    os.replace(partial, path)


def print_demo_access(console: Console, access: DemoAccess, *, owner_email: str, operator_email: str) -> None:
    # Plain lines, not a table: tokens must survive copy and paste whole.
    base_url = settings.SHIPDESK_BASE_URL
    console.print("\n[bold]Shipdesk demo shop is ready[/bold]")
    if access.password:
        console.print(f"  Sign in:             {owner_email}  password {access.password}")
        console.print(f"  Operator (/admin/):  {operator_email}  password {access.password}")
    else:
        console.print(f"  Sign in:             {owner_email}  (the password the demo set was changed, or not kept)")
        console.print(f"  New demo password:   make demo-password   (or: {shipdesk_command()} demo --new-password)")
    console.print(f"  Dashboard:           {base_url}/")
    console.print(f"  API docs:            {base_url}/api/v1/docs")
    console.print(f"  Seller API token:    {access.seller_token}")
    console.print(f"  Platform API token:  {access.platform_token}")
    console.print(f"  Try:  curl -H 'Authorization: Bearer {access.seller_token}' {base_url}/api/v1/orders/counts")
