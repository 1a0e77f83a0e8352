"""Any path under /api/ that names no endpoint answers the API's JSON 404, whatever the method.

The requests go through a client that enforces CSRF like a browser-less HTTP client meets it in
production (Django's test client skips the check unless asked), since the HTML CSRF page was
what a POST to an unknown path used to get.
"""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nowhere"),
        ("post", "/api/v1/orders/"),
        ("post", "/api/v1/orders/abc/confirm"),
        ("put", "/api/v1/orders/1/ship/extra"),
        ("patch", "/api/v2/orders"),
        ("delete", "/api/v1/orders/1/notes/2"),
    ],
)
def test_an_unmatched_api_path_is_a_json_404_for_every_method(db, seller_api, method, path):
    client = Client(enforce_csrf_checks=True)

    body = {} if method == "get" else {"data": b"{}", "content_type": "application/json"}
    response = getattr(client, method)(path, headers=seller_api.headers, **body)

    assert response.status_code == 404, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"
