from django.urls import path

from . import views

urlpatterns = [
    path("channels/", views.channels_page, name="channels"),
    path("channels/connect/", views.connect_channel, name="channel_connect"),
    path("channels/<str:kind>/settings/", views.change_channel, name="channel_change"),
    path("channels/<str:kind>/switch/", views.switch_channel, name="channel_switch"),
    path("channels/<str:kind>/new-secret/", views.rotate_channel_secret, name="channel_rotate_secret"),
    path("channels/held/<int:held_id>/map/", views.map_sku, name="channel_map_sku"),
    path("channels/held/<int:held_id>/retry/", views.retry_held, name="channel_retry_held"),
    path("channels/held/<int:held_id>/discard/", views.discard_held, name="channel_discard_held"),
    path("channels/import/", views.import_upload, name="channel_import"),
    path("channels/import/start/", views.import_start, name="channel_import_start"),
    path("channels/imports/<int:import_id>/", views.import_progress, name="channel_import_progress"),
]
