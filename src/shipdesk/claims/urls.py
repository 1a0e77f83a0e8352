"""The dashboard's claim and chargeback actions (linked from the order page)."""

from django.urls import path

from . import customer_pages, views

urlpatterns = [
    # The customer's page, beside their order page /o/<token>/ (the same signed token).
    path("o/<str:token>/problem/", customer_pages.report_problem, name="customer_report_problem"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:claim_id>/answer/", views.claim_answer, name="claim_answer"),
    path("claims/<int:claim_id>/refuse/", views.claim_refuse, name="claim_refuse"),
    path(
        "orders/<int:order_id>/disputes/<int:dispute_id>/evidence.pdf",
        views.dispute_evidence,
        name="dispute_evidence",
    ),
]
