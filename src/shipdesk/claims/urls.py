"""The dashboard's claim and chargeback actions (linked from the order page)."""

from django.urls import path

from . import views

urlpatterns = [
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:claim_id>/answer/", views.claim_answer, name="claim_answer"),
    path("claims/<int:claim_id>/refuse/", views.claim_refuse, name="claim_refuse"),
    path(
        "orders/<int:order_id>/disputes/<int:dispute_id>/evidence.pdf",
        views.dispute_evidence,
        name="dispute_evidence",
    ),
]
