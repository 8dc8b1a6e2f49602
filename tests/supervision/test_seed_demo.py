from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command

from supervision.demo import DIVISIONS
from supervision.models import Agency, Division, VerticalManagement
from supervision.permissions import Role


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(demo_database):
    first = row_counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert row_counts() == first
    assert "head_weihui" in demo_database  # what the first run printed


@pytest.mark.django_db
def test_seed_demo_builds_xinxiang(demo_database):
    assert Division.objects.filter(city__name="新乡市").count() == len(DIVISIONS) == 12
    assert Agency.objects.county_agencies().count() == 12
    assert Agency.objects.filter(kind=Agency.Kind.COUNTY_BUREAU).count() == 12
    assert VerticalManagement.objects.filter(is_vertical=True).values("agency").distinct().count() >= 2
    for role in Role.values:
        assert User.objects.filter(groups__name=role).exists(), role
    heads = User.objects.filter(groups__name=Role.COUNTY_HEAD).values_list("person__agency__division__name", flat=True)
    assert len(set(heads)) >= 3
