from django.contrib import admin
from django.urls import include, path, re_path

from shipdesk.api.api import api, not_found_view
from shipdesk.conversations.urls import operator_urlpatterns as support_operator_urls
from shipdesk.performance.urls import operator_urlpatterns as performance_operator_urls

urlpatterns = [
    path("api/v1/", api.urls),
    # Anything else under /api/ is a JSON 404 in the API's error format, not an HTML page.
    re_path(r"^api/", not_found_view),
    # Operator pages of our own inside the admin (staff only); before the admin's catch-all.
    path("admin/performance/", include(performance_operator_urls)),
    path("admin/support/", include(support_operator_urls)),
    path("admin/", admin.site.urls),
    path("", include("shipdesk.notifications.urls")),
    path("", include("shipdesk.shipping.urls")),
    path("", include("shipdesk.orders.urls")),
    path("", include("shipdesk.claims.urls")),
    path("", include("shipdesk.returns.urls")),
    path("", include("shipdesk.conversations.urls")),
    path("", include("shipdesk.ops.urls")),
    path("", include("shipdesk.earnings.urls")),
    path("", include("shipdesk.channels.urls")),
    path("", include("shipdesk.invoices.urls")),
    path("", include("shipdesk.performance.urls")),
    path("", include("shipdesk.webhooks_out.urls")),
    path("", include("shipdesk.dashboard.urls")),
]
