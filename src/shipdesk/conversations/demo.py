"""Conversations and a support case for `shipdesk demo`, dated in the past of `now`.

Through the services, as customers and the shop would have written them, each after the last
thing that happened to its order (so every timeline still reads in order): a dozen questions of
the last weeks answered within hours (enough for the response-time figure to be judged, and
good), one thank-you marked as needing no answer, one question still waiting (in "Needs action"),
and a support case the operator answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max

from shipdesk.actors import Actor, ActorKind
from shipdesk.orders.models import Order

from . import services

QUESTIONS = (
    "Hello, could you gift-wrap this order? It is a birthday present.",
    "Is it possible to leave the parcel with my neighbour at number 12?",
    "Do you ship in recyclable packaging?",
    "Could you add a note saying 'Happy anniversary'?",
)
ANSWERED = 12


def add_demo_conversations(*, seller, owner, now: datetime) -> None:
    shop = Actor(kind=ActorKind.SELLER, label=owner.email, user_id=owner.pk)
    operator = Actor(kind=ActorKind.OPERATOR, label="operator@demo-shop.test")
    # Each order with the moment of its last event: a message comes after it.
    orders = list(Order.objects.filter(seller=seller).annotate(last=Max("events__created_at")).order_by("-last", "-id"))
    recent = [o for o in orders if o.last is not None and now - timedelta(days=28) < o.last < now - timedelta(hours=8)]
    if len(recent) < ANSWERED + 2:
        return
    for index, order in enumerate(recent[2 : ANSWERED + 2]):
        asked = order.last + timedelta(hours=1)
        services.receive_message(
            order_id=order.pk,
            channel="email",
            author_label=order.customer_email,
            at=asked,
            body=QUESTIONS[index % len(QUESTIONS)],
            email_message_id=f"<demo-question-{order.pk}@customer.example>",
        )
        services.send_message(
            order_id=order.pk,
            seller_id=seller.pk,
            actor=shop,
            at=asked + timedelta(hours=3),
            body=f"Hello {order.customer_name}, yes of course — done. Thank you for your order!",
        )

    thanks, waiting = recent[0], recent[1]
    thanked = services.receive_message(
        order_id=thanks.pk,
        channel="order_page",
        author_label=thanks.customer_name,
        at=thanks.last + timedelta(hours=1),
        body="Thank you, everything is perfect!",
    )
    services.mark_no_answer_needed(
        message_id=thanked.message.pk, seller_id=seller.pk, actor=shop, at=thanks.last + timedelta(hours=2)
    )
    services.receive_message(
        order_id=waiting.pk,
        channel="email",
        author_label=waiting.customer_email,
        at=max(waiting.last + timedelta(minutes=30), now - timedelta(hours=6)),
        body="Hi, can I still change the delivery address to my office?",
        email_message_id=f"<demo-address-{waiting.pk}@customer.example>",
    )

    helped = recent[2]
    case = services.open_case(
        seller_id=seller.pk,
        actor=shop,
        topic="carrier_problem",
        order_id=helped.pk,
        at=helped.last + timedelta(hours=5),
        subject="Parcel scanned late by the carrier",
        body="The carrier scanned this parcel a day after collecting it. Is that counted against us?",
    )
    services.reply_to_case(
        case_id=case.pk,
        seller_id=None,
        actor=operator,
        at=helped.last + timedelta(hours=7),
        body="No: the scan came within the grace period. Nothing to do.",
    )
