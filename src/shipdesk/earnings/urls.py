from django.urls import path

from . import views

urlpatterns = [
    path("earnings/", views.earnings_page, name="earnings"),
    path("earnings/statement-<str:currency>.csv", views.earnings_statement, name="earnings_statement"),
]
