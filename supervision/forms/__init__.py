"""Form base classes: Bootstrap styling applied once, so every form renders the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm


def bootstrap_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class BootstrapMixin:
    """Give each widget its Bootstrap class (fields with errors are marked by the `field` template filter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {bootstrap_class(widget)}".strip()


class PortalForm(BootstrapMixin, forms.Form):
    pass


class PortalModelForm(BootstrapMixin, forms.ModelForm):
    pass


class PortalPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    pass


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class VersionedForm(PortalForm):
    """Carries the version the user saw, so an action can refuse a lost update."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
