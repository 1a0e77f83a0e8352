from django.urls import path

from . import views

urlpatterns = [
    path("channels/", views.channels_page, name="channels"),
    path("channels/held/<int:held_id>/map/", views.map_sku, name="channel_map_sku"),
    path("channels/held/<int:held_id>/retry/", views.retry_held, name="channel_retry_held"),
    path("channels/held/<int:held_id>/discard/", views.discard_held, name="channel_discard_held"),
    path("channels/import/", views.import_upload, name="channel_import"),
    path("channels/import/start/", views.import_start, name="channel_import_start"),
    path("channels/imports/<int:import_id>/", views.import_progress, name="channel_import_progress"),
]
