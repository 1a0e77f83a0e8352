"""Keeps the API's error format for the few responses django-ninja builds itself (405)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


class ApiErrorFormatMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            formatted = JsonResponse(
                {
                    "error": {
                        "code": "method_not_allowed",
                        "message": f"{request.method} is not allowed here.",
                        "details": {"allowed_methods": [m.strip() for m in allowed.split(",") if m.strip()]},
                    }
                },
                status=405,
            )
            if allowed:
                formatted["Allow"] = allowed
            return formatted
        return response
