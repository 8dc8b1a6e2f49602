"""FastSelect writes exactly the HTML of Django's Select, only faster."""

from __future__ import annotations

import pytest
from django import forms

from supervision.forms import FastSelect, PortalForm
from supervision.models import Agency

CHOICES = [("", "全部"), ("a", '卫辉市 <社保> & "中心"'), (1, "一"), (2, "二")]
GROUPED = [("", "---"), ("县", [("x", "甲"), ("y", "乙")]), ("市", [("z", "丙")])]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, None, None),
        (CHOICES, "a", {"class": "form-select", "required": True, "disabled": False}),
        (CHOICES, 2, {"id": "id_x", "data-note": 'a"b<c>'}),
        (GROUPED, "y", {"class": "form-select is-invalid", "aria-invalid": "true"}),
    ],
)
def test_same_html_as_django(choices, value, attrs):
    expected = forms.Select(choices=choices).render("field", value, attrs=attrs)
    assert FastSelect(choices=choices).render("field", value, attrs=attrs) == expected


@pytest.mark.django_db
def test_portal_forms_use_it_for_plain_selects_only(org):
    class Form(PortalForm):
        agency = forms.ModelChoiceField(Agency.objects.order_by("pk"), required=False)
        several = forms.MultipleChoiceField(choices=[("a", "A")], required=False)
        radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect, required=False)

    form = Form(data={"agency": org.weihui.pk})
    assert type(form.fields["agency"].widget) is FastSelect
    assert type(form.fields["several"].widget) is forms.SelectMultiple
    assert type(form.fields["radio"].widget) is forms.RadioSelect
    assert type(Form.base_fields["agency"].widget) is forms.Select  # the class's own field is untouched
    html = str(form["agency"])
    assert f'<option value="{org.weihui.pk}" selected>{org.weihui}</option>' in html
    assert html == forms.Select(choices=form.fields["agency"].choices, attrs={"class": "form-select"}).render(
        "agency", str(org.weihui.pk), attrs={"id": "id_agency"}
    )
