"""Form base classes: Bootstrap styling applied once, so every form renders the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def bootstrap_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


def _attrs(attrs: dict[str, Any]) -> str:
    """Attributes as Django's `django/forms/widgets/attrs.html` writes them."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        )
    return "".join(parts)


class FastSelect(forms.Select):
    """Django's Select, written out in Python instead of one template per option.

    The same HTML as `django/forms/widgets/select.html`; a filter offering a province's agencies
    (hundreds of options) renders in a millisecond instead of tens.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        # Whitespace included, as the templates write it.
        parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('\n  <option value="{}"', str(option["value"])))
                parts.append(_attrs(option["attrs"]))
                parts.append(format_html(">{}</option>\n", option["label"]))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above went through escaping


class BootstrapMixin:
    """Give each widget its Bootstrap class (fields with errors are marked by the `field` template filter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {bootstrap_class(widget)}".strip()
            if type(widget) is forms.Select:
                # Same state, faster rendering (the widget belongs to this form's own copy of the field).
                widget.__class__ = FastSelect


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
