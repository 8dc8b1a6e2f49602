"""The portal's records in the admin site: read and corrected there, never made, deleted or moved on."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from assessment.models import Assessment, Score
from complaints.models import Complaint, ReviewCase
from integrity.models import ControlInspection, IntegrityTalk, Risk, SpotCheck
from supervision.actions import findings as actions
from supervision.admin import RecordAdmin
from supervision.models import (
    AccountabilityRecord,
    Disclosure,
    Finding,
    FundInspection,
    Leave,
    SemiannualReport,
    SupervisionActivity,
)
from supervision.workflow import EditConflict
from tests.admin_forms import form_values
from tests.factories import verify_two_factor
from tests.supervision.factories import raise_finding

pytestmark = pytest.mark.django_db

RECORD_ADMINS = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, RecordAdmin)
    ),
    key=lambda pair: pair[0]._meta.label,
)
WORKFLOW_RECORDS = {
    Finding,
    AccountabilityRecord,
    Leave,
    SupervisionActivity,
    SemiannualReport,
    FundInspection,
    Disclosure,
    ControlInspection,
    SpotCheck,
    Risk,
    IntegrityTalk,
    Complaint,
    ReviewCase,
    Assessment,
    Score,
}


@pytest.fixture
def admin_client(client, admin_user):
    verify_two_factor(client, admin_user)
    return client


def test_the_records_of_every_workflow_are_record_admins():
    assert {model for model, _admin in RECORD_ADMINS} >= WORKFLOW_RECORDS


@pytest.mark.parametrize(("model", "model_admin"), RECORD_ADMINS, ids=[m._meta.label for m, _a in RECORD_ADMINS])
def test_no_record_is_added_in_the_admin(admin_client, model, model_admin):
    info = (model._meta.app_label, model._meta.model_name)
    add = reverse("admin:{}_{}_add".format(*info))
    assert admin_client.get(add).status_code == 403
    assert f'href="{add}"' not in admin_client.get(reverse("admin:{}_{}_changelist".format(*info))).content.decode()


class TestCorrectingAFinding:
    @pytest.fixture
    def finding(self, org, inspector):
        return raise_finding(inspector, org.weihui)

    def test_its_text_is_corrected_with_history_its_workflow_left_alone(self, admin_client, finding, org):
        url = reverse("admin:supervision_finding_change", args=[finding.pk])
        data = form_values(admin_client.get(url).content.decode())
        fixed = {"status", "version", "agency", "deadline", "found_by", "source", "source_type", "source_id"}
        assert not fixed & set(data), "a workflow field is editable in the admin"
        data.update(
            title="更正后的标题", status=Finding.Status.CLOSED, agency=str(org.huixian.pk), deadline="2030-01-01"
        )
        assert admin_client.post(url, data).status_code == 302
        corrected = Finding.objects.get(pk=finding.pk)
        assert corrected.title == "更正后的标题"
        assert (corrected.status, corrected.agency_id, corrected.deadline) == (
            finding.status,
            finding.agency_id,
            finding.deadline,
        )
        assert corrected.version == finding.version + 1
        assert corrected.history.first().title == "更正后的标题"

    def test_a_page_form_opened_before_the_correction_is_refused(self, admin_client, finding, head_weihui):
        url = reverse("admin:supervision_finding_change", args=[finding.pk])
        data = form_values(admin_client.get(url).content.decode())
        admin_client.post(url, {**data, "title": "更正后的标题"})
        with pytest.raises(EditConflict):
            actions.finding_answer(finding, acting_user=head_weihui, text="已整改", version=finding.version)
        assert Finding.objects.get(pk=finding.pk).status == finding.status
