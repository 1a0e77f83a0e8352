"""Template context for every page."""

from __future__ import annotations


def csp_nonce(request) -> dict:
    # django-csp 4 names the nonce CSP_NONCE; django-htmx's script tags read `csp_nonce`. The
    # value stays lazy, so only a page that uses it puts a nonce in its header.
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def shop(request) -> dict:
    """The shop the signed-in person is working in, and their other shops (for the switcher).

    Set by `access.seller_view` on dashboard pages; other pages (sign-in, customer pages) get None.
    """
    return {
        "current_seller": getattr(request, "seller", None),
        "current_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", ()),
        # The section of the dashboard a page is in ("orders", "inventory", …), for the nav.
        "nav": request.path.strip("/").split("/", 1)[0],
    }
