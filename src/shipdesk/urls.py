from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from shipdesk.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Until the seller dashboard lands, the front door is the API's documentation.
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
