"""Links between the dashboard's pages: where a form posted from a list goes back to, and the
list links that keep its filters. Shared by the orders and inventory pages."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def back_target(request, fallback: str) -> str:
    """Where a form posted from a list goes back to (its filters and page), if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def query_without(request, *names: str, **changes: str) -> str:
    """The page's query string without `names`, with `changes`: links that keep the filters."""
    query = request.GET.copy()
    for name in (*names, *changes):
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()
