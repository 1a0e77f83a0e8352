"""The one place the dashboard turns a refused action (a ShipdeskError) into what the seller sees.

A service refuses with a stable code and a message; here it becomes an error on the form field
it names, or a message at the top of the page. An unknown or another shop's object is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404

from shipdesk.errors import NotFound, ShipdeskError, ValidationFailed


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    error: ShipdeskError | None = None


def show_error(request, exc: ShipdeskError, *, form=None) -> None:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if form is None:
        messages.error(request, exc.message)
        return
    named = [name for name in exc.details if name in form.fields]
    if isinstance(exc, ValidationFailed) and exc.details:
        # Field-by-field problems: each field's own message says more than the summary. A
        # problem with something the form does not show is still said, above the form.
        for name, problems in exc.details.items():
            if isinstance(problems, dict):  # per item of a list field (a parcel's lines): item → problems
                problems = [f"{key}: {' '.join(map(str, each))}" for key, each in problems.items()]
            for problem in problems if isinstance(problems, list) else [problems]:
                if name in form.fields:
                    form.add_error(name, str(problem))
                else:
                    form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {problem}")
    elif named:
        # A refusal about one field (an invalid tracking number): its message is the explanation.
        form.add_error(named[0], exc.message)
    else:
        form.add_error(None, exc.message)


def attempt(
    request, action: Callable[[], Any], *, form=None, success: str | Callable[[Any], str] | None = None
) -> Outcome:
    """Run one service call; on refusal show why (once) and report it, on success say what was done."""
    try:
        value = action()
    except ShipdeskError as exc:
        show_error(request, exc, form=form)
        return Outcome(ok=False, error=exc)
    if success:
        messages.success(request, success(value) if callable(success) else success)
    return Outcome(ok=True, value=value)


def attempt_quietly(action: Callable[[], Any]) -> Outcome:
    """Run one service call and keep the refusal for a summary (bulk actions report per order)."""
    try:
        return Outcome(ok=True, value=action())
    except ShipdeskError as exc:
        return Outcome(ok=False, error=exc)
