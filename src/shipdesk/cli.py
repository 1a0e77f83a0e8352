"""The `shipdesk` console script: every Django management command, with Shipdesk's settings."""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line

# Commands that run Shipdesk on one machine for a person trying it out: development defaults
# (a generated-in-code secret key, plain-HTTP cookies) unless the environment says otherwise.
LOCAL_COMMANDS = {"run", "demo"}
# Commands spelled as a person types them; Django names a command after its module.
COMMAND_ALIASES = {"import-orders": "import_orders", "reseal-secrets": "reseal_secrets"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shipdesk.settings")
    if len(argv) > 1 and argv[1] in LOCAL_COMMANDS:
        os.environ.setdefault("DEBUG", "1")
        # A person reads this terminal: plain lines, and only what needs their attention
        # (production keeps one JSON line per request and per task).
        os.environ.setdefault("LOG_FORMAT", "text")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        # Webhooks may go to a receiver on this same machine (never in production: docs/webhooks.md).
        os.environ.setdefault("SHIPDESK_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")

    if len(argv) > 1 and argv[1] in COMMAND_ALIASES:
        argv[1] = COMMAND_ALIASES[argv[1]]
    execute_from_command_line(["shipdesk", *argv[1:]])


if __name__ == "__main__":
    main()
