"""Inbound email on PostgreSQL with real parallel connections and a real process: the same reply
delivered at once by several MTA processes is one message, one alert, one email; and the console
script itself, fed on standard input as Postfix does, writes into the database."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from shipdesk.conversations import inbound
from shipdesk.conversations.models import Message
from shipdesk.conversations.reply_addresses import reply_address
from shipdesk.notifications.models import Alert, Notification
from tests.conversations.inbound_mail import customer_reply, jpeg_bytes
from tests.parallel import run_together, values

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]


def test_one_reply_delivered_four_times_at_once_is_one_message(seller, product, place):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk), photo=jpeg_bytes(), message_id="<race-1@mail.example.com>")

    results = values(run_together([lambda: inbound.receive_email(raw, via="lmtp")] * 4))

    assert Counter(r.outcome for r in results) == {"accepted": 1, "duplicate": 3}
    assert len({r.message_id for r in results}) == 1
    assert Message.objects.filter(order=order, direction="from_customer").count() == 1
    assert Alert.objects.filter(order=order, kind="seller_customer_message").count() == 1
    assert Notification.objects.filter(order=order, kind="seller_customer_message").count() == 1


def test_the_console_script_reads_a_message_piped_on_standard_input(seller, product, place, tmp_path):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk), photo=jpeg_bytes(), message_id="<pipe-1@mail.example.com>")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "SHIPDESK_REPLY_DOMAIN": "replies.shipdesk.test",
        "SHIPDESK_MEDIA_ROOT": str(tmp_path / "media"),
    }
    script = shutil.which("shipdesk") or str(Path(os.sys.executable).parent / "shipdesk")

    runs = [
        subprocess.run(
            [script, "inbound-email", "--recipient", reply_address(order.pk)],
            input=raw,
            capture_output=True,
            env=env,
            cwd=REPO,
            timeout=120,
            check=False,
        )
        for _ in range(2)
    ]

    assert [r.returncode for r in runs] == [0, 0], [r.stderr.decode()[-2000:] for r in runs]
    assert runs[0].stdout.decode().startswith("accepted") and runs[1].stdout.decode().startswith("duplicate")
    [message] = Message.objects.filter(order=order, direction="from_customer")
    assert message.body == "The mug arrived with a crack in the handle, see the photo."
    assert message.attachments.get().size == len(jpeg_bytes())
