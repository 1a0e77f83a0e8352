from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    # Until the seller dashboard lands, the front door is the API's documentation.
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
