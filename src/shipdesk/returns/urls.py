from django.urls import path

from . import customer_pages, views

urlpatterns = [
    # The customer's order page (a signed link in every customer email).
    path("o/<str:token>/", customer_pages.customer_order_page, name="customer_order_page"),
    # The seller's returns.
    path("returns/", views.return_list, name="returns"),
    path("returns/<int:return_id>/", views.return_detail, name="return"),
    path("returns/<int:return_id>/approve/", views.return_approve, name="return_approve"),
    path("returns/<int:return_id>/reject/", views.return_reject, name="return_reject"),
    path("returns/<int:return_id>/receive/", views.return_receive, name="return_receive"),
    path("returns/<int:return_id>/refund/", views.return_refund, name="return_refund"),
]
