"""The dashboard counts the querysets its cards give in one query (supervision.counting.count_each)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.counting import count_each
from supervision.models import Agency, Person
from tests.complaints.test_cases import record

pytestmark = pytest.mark.django_db

CASES_CARD = "行政复议和行政诉讼"


def test_count_each_answers_what_count_answers_in_one_query(org, head_weihui, staff_weihui):
    querysets = {
        "counties": Agency.objects.filter(kind=Agency.Kind.COUNTY_AGENCY),
        "joined": Person.objects.filter(Q(agency__city=org.city) | Q(user__groups__name="county_head")),
        "distinct": Person.objects.filter(Q(agency__city=org.city) | Q(user__groups__name="county_head")).distinct(),
        "none": Person.objects.none(),
        "nothing": Agency.objects.filter(pk__in=[]),
    }
    with CaptureQueriesContext(connection) as queries:
        counts = count_each(**querysets)
    assert len(queries) == 1
    assert counts == {name: queryset.count() for name, queryset in querysets.items()}
    assert counts["counties"] == 3 and counts["none"] == 0


def test_a_card_of_counts_shown_only_when_there_are_some_is_hidden_until_then(client, org, handler):
    client.force_login(handler)
    cache.clear()
    assert CASES_CARD not in client.get(reverse("dashboard")).content.decode()
    record(handler, org.weihui)
    page = client.get(reverse("dashboard")).content.decode()
    assert CASES_CARD in page
    assert "审理中的复议诉讼案件" in page
