"""How every view reports the outcome of an action, so all workflows answer the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from supervision.workflow import EditConflict, TransitionNotAllowed

T = TypeVar("T")


def run_action(request: HttpRequest, perform: Callable[[], T], success: str) -> tuple[bool, T | None]:
    """Run an action and say how it went.

    A refused move, a stale form or an invalid value becomes an error message; the action's
    transaction has then written nothing. Returns whether it succeeded, and its result.
    """
    try:
        result = perform()
    except EditConflict as conflict:
        messages.error(request, conflict.message)
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
        return True, result
    return False, None


def run_form_action(
    request: HttpRequest,
    form: Form,
    perform: Callable[[dict[str, Any]], Any],
    success: str,
    *,
    done: Callable[[], HttpResponse],
    invalid: Callable[[Form], HttpResponse],
) -> HttpResponse:
    """Validate `form`, run the action with its data and go to `done()`; a bad form re-renders via `invalid`.

    When the action returns a response (e.g. a redirect to what it created), that response is used.
    """
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请按提示修改。"))
        return invalid(form)
    succeeded, result = run_action(request, lambda: perform(form.cleaned_data), success)
    if succeeded and isinstance(result, HttpResponse):
        return result
    return done()
