"""Pages a customer opens from a tokenised link in an email: tracking `/t/<token>/`, review
`/r/<token>/`, substitute offer `/s/<token>/`.

The signed token in the URL is the credential, so every such response is kept out of shared
caches (`no-store`), out of the Referer header of any link followed from the page
(`no-referrer`), and out of search engines (`X-Robots-Tag`). One decorator, so a new customer
page cannot forget one of the three.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

CUSTOMER_LINK_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def customer_link_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        for header, value in CUSTOMER_LINK_HEADERS.items():
            response[header] = value
        return response

    return wrapper
