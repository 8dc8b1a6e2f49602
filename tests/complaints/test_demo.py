from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.demo import DEMO_CODE_REPLIED, DEMO_CODE_TRANSFERRED
from complaints.models import Complaint, ComplaintLetter, ReviewCase


@pytest.mark.django_db
def test_demo_has_every_state_letters_and_cases(demo_database, client):
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Complaint.Status.values)
    transferred = Complaint.objects.get(title="住院医疗费用报销被拒")
    kinds = set(transferred.letters.values_list("kind", flat=True))
    assert kinds == {ComplaintLetter.Kind.TRANSFER_NOTICE, ComplaintLetter.Kind.TRANSFER_LETTER}
    assert ReviewCase.objects.count() == 2
    assert Complaint.objects.overdue().exists()
    assert Complaint.objects.filter(unit__division__name="卫辉市").count() >= 4

    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="head_weihui"))
    body = client.get(reverse("complaints:list")).content.decode()
    assert "养老金自2026年5月起被停发" in body and "住院医疗费用报销被拒" not in body

    client.logout()
    client.post(reverse("complaints:track"), {"code": DEMO_CODE_TRANSFERRED, "contact": "13903731007"})
    body = client.get(reverse("complaints:track_result")).content.decode()
    assert "新乡市医疗保障局" in body
    client.post(reverse("complaints:track"), {"code": DEMO_CODE_REPLIED, "contact": "13903731001"})
    body = client.get(reverse("complaints:track_result")).content.decode()
    assert "卫辉市社会保险中心" in body and "答复意见" in body
