from django.urls import path

from . import views
from .operator import operator_ranking

urlpatterns = [
    # The customer's review page, from the review-request email.
    path("r/<str:token>/", views.review_page, name="review"),
    # The seller's dashboard.
    path("performance/", views.performance_page, name="performance"),
    path("performance/reviews/", views.reviews_page, name="performance_reviews"),
    path("performance/reviews/<int:review_id>/reply/", views.review_reply, name="performance_review_reply"),
    path("performance/<slug:metric>/orders/", views.metric_orders_page, name="performance_metric_orders"),
]

# The operator's ranking, routed under /admin/ (before the admin's own URLs; see shipdesk/urls.py).
operator_urlpatterns = [
    path("ranking/", operator_ranking, name="performance_ranking"),
]
