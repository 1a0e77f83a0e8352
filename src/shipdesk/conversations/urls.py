from django.urls import path

from . import views

urlpatterns = [
    # The seller's dashboard.
    path("messages/", views.inbox, name="messages_inbox"),
    path("messages/templates/", views.message_templates, name="message_templates"),
    path("messages/<int:message_id>/no-answer/", views.no_answer_needed, name="message_no_answer"),
    path("messages/attachments/<int:attachment_id>/", views.seller_attachment, name="message_attachment"),
    path("orders/<int:order_id>/messages/", views.order_message, name="order_message"),
    path("support/", views.support_cases, name="support_cases"),
    path("support/<int:case_id>/", views.support_case, name="support_case"),
    # The customer's side, on the order page's signed token (orders.order_page_links).
    path("o/<str:token>/messages/", views.customer_messages, name="customer_messages"),
    path(
        "o/<str:token>/messages/attachments/<int:attachment_id>/",
        views.customer_attachment,
        name="customer_message_attachment",
    ),
]

# The operator's support desk, routed under /admin/ (before the admin's own URLs; see shipdesk/urls.py).
operator_urlpatterns = [
    path("", views.operator_cases, name="operator_support_cases"),
    path("<int:case_id>/", views.operator_case, name="operator_support_case"),
]
