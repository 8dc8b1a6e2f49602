"""The liveness probe: plain "ok", without a database query, for anyone."""

from __future__ import annotations

import pytest
from django.urls import reverse


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: pytest-django makes any query of this request fail the test.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_healthz_answers_a_signed_in_user_too(client, head_weihui):
    client.force_login(head_weihui)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
