from django.urls import path

from . import views

urlpatterns = [
    path("settings/webhooks/", views.webhook_settings, name="webhook_settings"),
    path("settings/webhooks/new/", views.webhook_create, name="webhook_create"),
    path("settings/webhooks/<int:subscription_id>/", views.webhook_log, name="webhook_log"),
    path("settings/webhooks/<int:subscription_id>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("settings/webhooks/<int:subscription_id>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("settings/webhooks/<int:subscription_id>/ping/", views.webhook_ping, name="webhook_ping"),
    path("settings/webhooks/<int:subscription_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "settings/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
