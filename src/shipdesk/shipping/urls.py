from django.urls import path

from . import views

urlpatterns = [
    path("orders/<int:order_id>/pack/", views.pack_screen, name="shipping_pack"),
    path("orders/<int:order_id>/pack/scan/", views.pack_scan, name="shipping_pack_scan"),
    path("orders/<int:order_id>/packing-slip.pdf", views.packing_slip, name="shipping_packing_slip"),
    path("orders/<int:order_id>/label.pdf", views.label, name="shipping_label"),
    path("orders/documents/", views.batch_documents, name="shipping_documents"),
    path("t/<str:token>/", views.customer_tracking, name="customer_tracking"),
]
