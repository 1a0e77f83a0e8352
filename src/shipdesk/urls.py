from django.contrib import admin
from django.urls import path, re_path
from django.views.generic import RedirectView

from shipdesk.api.api import api, not_found_view

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", not_found_view),  # an unknown API URL answers in the API's error format
    path("admin/", admin.site.urls),
    # Until the seller dashboard lands, the front door is the API's documentation.
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
