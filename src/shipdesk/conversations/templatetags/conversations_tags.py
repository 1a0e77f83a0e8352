"""`{% order_conversation order %}`: the order page's conversation panel (dashboard/orders/detail.html)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from shipdesk.conversations import selectors, services
from shipdesk.conversations.answer_windows import time_left

register = template.Library()


@register.inclusion_tag("conversations/_order_conversation.html", takes_context=True)
def order_conversation(context, order):
    request = context["request"]
    messages_list = selectors.order_messages(order_id=order.pk, seller_id=order.seller_id)
    templates = selectors.filled_templates(order=order)
    chosen = request.GET.get("template", "")
    draft = request.session.pop("conversation_draft", None) if hasattr(request, "session") else None
    text = draft["body"] if draft and draft.get("order_id") == order.pk else ""
    if not text and chosen:
        text = next((t["text"] for t in templates if t["key"] == chosen), "")
    due = [m.answer_due_at for m in messages_list if m.needs_answer and m.answered_at is None]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "messages_list": messages_list,
        "templates": templates,
        "chosen_template": chosen,
        "draft": text,
        "answer_due_at": min(due) if due else None,
        "time_left": time_left(due_at=min(due), now=timezone.now()) if due else "",
        "max_mb": services.config()["max_attachment_bytes"] // (1024 * 1024),
    }
