"""A few conversations and a support case for `shipdesk demo`, dated in the past of `now`.

Through the services, as a customer and the shop would have written them: one conversation
answered in time, one waiting for an answer (in "Needs action"), one marked as needing none, and
a support case the operator answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shipdesk.actors import Actor, ActorKind
from shipdesk.orders.models import Order

from . import services


def add_demo_conversations(*, seller, owner, now: datetime) -> None:
    orders = list(Order.objects.filter(seller=seller).order_by("-placed_at")[:6])
    if len(orders) < 3:
        return
    shop = Actor(kind=ActorKind.SELLER, label=owner.email, user_id=owner.pk)
    operator = Actor(kind=ActorKind.OPERATOR, label="operator@demo-shop.test")
    waiting, answered, thanks = orders[0], orders[1], orders[2]

    asked = now - timedelta(hours=30)
    services.receive_message(
        order_id=answered.pk, channel="email", author_label=answered.customer_email, at=asked,
        body="Hello, could you gift-wrap this order? It is a birthday present.",
        email_message_id=f"<demo-gift-{answered.pk}@customer.example>",
    )  # fmt: skip
    services.send_message(
        order_id=answered.pk, seller_id=seller.pk, actor=shop, at=asked + timedelta(hours=3),
        body=f"Hello {answered.customer_name}, of course: it will be wrapped, with no price inside.",
    )  # fmt: skip

    services.receive_message(
        order_id=thanks.pk, channel="order_page", author_label=thanks.customer_name, at=now - timedelta(hours=20),
        body="Thank you, it arrived safely!",
    )  # fmt: skip
    last = services.receive_message(
        order_id=thanks.pk, channel="order_page", author_label=thanks.customer_name, at=now - timedelta(hours=19),
        body="(And the packaging was lovely.)",
    )  # fmt: skip
    services.mark_no_answer_needed(
        message_id=last.message.pk, seller_id=seller.pk, actor=shop, at=now - timedelta(hours=18)
    )
    services.send_message(
        order_id=thanks.pk, seller_id=seller.pk, actor=shop, at=now - timedelta(hours=18),
        body="Thank you for letting us know!",
    )  # fmt: skip

    services.receive_message(
        order_id=waiting.pk, channel="email", author_label=waiting.customer_email, at=now - timedelta(hours=5),
        body="Hi, can I still change the delivery address to my office?",
        email_message_id=f"<demo-address-{waiting.pk}@customer.example>",
    )  # fmt: skip

    case = services.open_case(
        seller_id=seller.pk, actor=shop, topic="carrier_problem", order_id=answered.pk, at=now - timedelta(days=2),
        subject="Parcel stuck at the depot", body="The carrier has not scanned this parcel for three days.",
    )  # fmt: skip
    services.reply_to_case(
        case_id=case.pk, seller_id=None, actor=operator, at=now - timedelta(days=1),
        body="We asked the carrier to trace it; they expect it to move tomorrow.",
    )  # fmt: skip
