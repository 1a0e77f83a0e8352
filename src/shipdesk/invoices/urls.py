"""The dashboard's invoice pages (linked from the order page)."""

from django.urls import path

from . import views

urlpatterns = [
    path("orders/<int:order_id>/invoice/", views.issue, name="order_invoice_issue"),
    path("orders/<int:order_id>/invoice.pdf", views.invoice_document, name="order_invoice_pdf"),
    path(
        "orders/<int:order_id>/credit-notes/<int:credit_note_id>.pdf",
        views.credit_note_document,
        name="order_credit_note_pdf",
    ),
]
