from django.urls import path

from . import views
from .labels import views as label_views

urlpatterns = [
    path("orders/<int:order_id>/pack/", views.pack_screen, name="shipping_pack"),
    path("orders/<int:order_id>/pack/scan/", views.pack_scan, name="shipping_pack_scan"),
    path("orders/<int:order_id>/packing-slip.pdf", views.packing_slip, name="shipping_packing_slip"),
    path("orders/<int:order_id>/label.pdf", views.label, name="shipping_label"),
    path("orders/<int:order_id>/gift-slip.pdf", views.gift_slip, name="shipping_gift_slip"),
    path("orders/documents/", views.batch_documents, name="shipping_documents"),
    path("t/<str:token>/", views.customer_tracking, name="customer_tracking"),
    # Labels bought through a label provider (shipping.labels)
    path("orders/<int:order_id>/labels/", label_views.order_labels, name="labels_order"),
    path("orders/<int:order_id>/labels/buy/", label_views.label_buy, name="labels_buy"),
    path("labels/<int:label_id>/label.pdf", label_views.label_pdf, name="labels_pdf"),
    path("labels/<int:label_id>/ship/", label_views.label_ship, name="labels_ship"),
    path("labels/<int:label_id>/void/", label_views.label_void, name="labels_void"),
    path("labels/batches/", label_views.batch_start, name="labels_batch_start"),
    path("labels/batches/<int:batch_id>/", label_views.batch_page, name="labels_batch"),
    path("labels/batches/<int:batch_id>/labels.pdf", label_views.batch_pdf, name="labels_batch_pdf"),
    path("labels/batches/<int:batch_id>/ship/", label_views.batch_ship, name="labels_batch_ship"),
]
