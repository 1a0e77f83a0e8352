from django.urls import path

from . import views

urlpatterns = [
    path("s/<str:token>/", views.substitute_offer, name="substitute_offer"),
]
