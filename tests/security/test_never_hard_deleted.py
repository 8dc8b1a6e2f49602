"""Business records are never hard-deleted by users (issue 10, item 2): withdraw or void with a reason.

- the admin site: no model admin of a business record (an audited model that is not configuration,
  `tests.reliability.audit.CONFIGURATION`) lets anyone delete one, by its page or the bulk action, and no
  inline deletes one through its parent's form;
- the portal: no POST row of the authorization matrix removes a business record
  (`tests/reliability/test_history_on_every_write.py` checks every row's changes);
- every business record has its way to be taken back or corrected (`REMEDY`): a withdrawal, a void or a
  cancellation with a reason where the record can be wrong, a correction kept in the history otherwise.
"""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from tests.reliability.audit import CONFIGURATION, audited_models, business_models
from tests.security.matrix import ROWS

# Each business record: how it is taken back or corrected, by which URL name(s) of the portal.
VOID = "void"  # withdrawn, voided, cancelled, declined or revoked, with a reason; the record stays
CORRECT = "correct"  # edited or superseded; every earlier value stays in the history
FACT = "fact"  # what happened, kept as it happened: never edited, never deleted
REMEDY: dict[str, tuple[str, tuple[str, ...]]] = {
    "assessment.Assessment": (VOID, ("assessment:reopen",)),
    "assessment.Score": (CORRECT, ("assessment:score_update", "assessment:reopen")),
    "assessment.Delegation": (VOID, ("assessment:delegation_revoke",)),
    "assessment.Filing": (CORRECT, ("assessment:filing_acknowledge", "assessment:reopen")),
    "assessment.Objection": (VOID, ("assessment:objection_withdraw",)),
    "assessment.ScoreImport": (VOID, ("assessment:import_cancel",)),
    "assessment.SiteVisit": (VOID, ("assessment:visit_void",)),
    "assessment.Team": (CORRECT, ("assessment:team_edit", "assessment:team_counties")),
    "assessment.TeamMember": (CORRECT, ("assessment:team_edit",)),
    "complaints.Complaint": (VOID, ("complaints:decline", "complaints:merge", "complaints:transfer")),
    "complaints.ClockPause": (CORRECT, ("complaints:resume",)),
    "complaints.ReviewCase": (CORRECT, ("complaints:case_update",)),
    "integrity.ControlInspection": (VOID, ("integrity:inspection_cancel",)),
    "integrity.InspectionItemResult": (CORRECT, ("integrity:result_update",)),
    "integrity.SpotCheck": (CORRECT, ("integrity:spot_check_edit",)),
    "integrity.SpotCheckIssue": (VOID, ("integrity:spot_check_issue_withdraw",)),
    "integrity.Risk": (CORRECT, ("integrity:risk_edit", "integrity:risk_review")),
    "integrity.RiskAnalysisReport": (CORRECT, ("integrity:risk_report_edit",)),
    "integrity.DisposalPlan": (VOID, ("integrity:plan_repeal",)),
    "integrity.ServiceCommitment": (VOID, ("integrity:service_commitment_withdraw",)),
    "integrity.ServiceRule": (VOID, ("integrity:service_rule_repeal",)),
    "integrity.ResponsibilityAssignment": (CORRECT, ("integrity:assignment_edit",)),
    "integrity.IntegrityCommitment": (VOID, ("integrity:commitment_void",)),
    "integrity.IntegrityTalk": (CORRECT, ("integrity:talk_follow_up",)),
    "supervision.Finding": (VOID, ("findings:withdraw",)),
    "supervision.Leave": (VOID, ("attendance:leave_withdraw", "attendance:leave_decide")),
    "supervision.LeaveFiling": (CORRECT, ("attendance:filing_acknowledge",)),
    "supervision.DisciplineVisit": (CORRECT, ("attendance:visit_finding",)),
    "supervision.VisitObservation": (CORRECT, ("attendance:visit_finding",)),
    "supervision.SupervisionActivity": (VOID, ("oversight:activity_void",)),
    "supervision.SemiannualReport": (CORRECT, ("oversight:report_edit", "oversight:report_review")),
    "supervision.GuidanceVisit": (VOID, ("oversight:visit_cancel",)),
    "supervision.FundInspection": (VOID, ("oversight:inspection_cancel",)),
    "supervision.InspectionMaterial": (CORRECT, ("oversight:material_release",)),
    "supervision.MaterialSeal": (VOID, ("oversight:material_release",)),
    "supervision.Inquiry": (CORRECT, ("oversight:inquiry_statement",)),
    "supervision.CorrectionOrder": (CORRECT, ("oversight:order_new",)),
    "supervision.HandlingDecision": (CORRECT, ("oversight:decision_new",)),
    "supervision.Disclosure": (VOID, ("oversight:inspection_withdraw",)),
    "supervision.AccountabilityRecord": (CORRECT, ("integrity:accountability_new",)),
    "supervision.Attachment": (FACT, ()),  # kept with its record; a better file is attached beside it
    "supervision.SignIn": (FACT, ()),  # the button or the attendance machine said so
    "supervision.AttendanceImport": (VOID, ("attendance:import_cancel",)),
}
# The records the regulation names: each must be withdrawable (a score is corrected, with its history).
MUST_VOID = (
    "supervision.Finding",
    "complaints.Complaint",
    "supervision.Leave",
    "supervision.FundInspection",
    "integrity.ControlInspection",
)


class Superuser(AnonymousUser):
    """The strongest user there is: if even they may not delete, nobody may."""

    is_active = is_staff = is_superuser = True

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return True


def superuser_request():
    request = RequestFactory().get("/")
    request.user = Superuser()
    return request


def test_every_audited_model_is_business_or_configuration() -> None:
    labels = {model._meta.label for model in audited_models()}
    assert set(CONFIGURATION) <= labels, sorted(set(CONFIGURATION) - labels)
    assert {model._meta.label for model in business_models()} == set(REMEDY), (
        "classify each audited model: a business record in REMEDY here, or configuration in audit.CONFIGURATION; "
        f"unclassified: {sorted(labels - set(CONFIGURATION) - set(REMEDY))}; gone: {sorted(set(REMEDY) - labels)}"
    )


BUSINESS_ADMINS = [
    (model, model_admin)
    for model, model_admin in django_admin.site._registry.items()
    if model in set(business_models())
]


@pytest.mark.parametrize(("model", "model_admin"), BUSINESS_ADMINS, ids=[m._meta.label for m, _a in BUSINESS_ADMINS])
def test_the_admin_never_deletes_a_business_record(model, model_admin) -> None:
    request = superuser_request()
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_delete_permission(request, model())
    assert "delete_selected" not in model_admin.get_actions(request)


INLINES = [
    (model_admin, inline)
    for model_admin in django_admin.site._registry.values()
    for inline in model_admin.inlines
    if inline.model in set(business_models())
]


@pytest.mark.parametrize(
    ("model_admin", "inline"), INLINES, ids=[f"{a.model._meta.label}>{i.model._meta.label}" for a, i in INLINES]
)
def test_no_inline_deletes_a_business_record(model_admin, inline) -> None:
    instance = inline(model_admin.model, django_admin.site)
    assert not (instance.can_delete and instance.has_delete_permission(superuser_request(), model_admin.model()))


@pytest.mark.parametrize("label", sorted(REMEDY))
def test_every_business_record_has_its_withdrawal_or_correction(label) -> None:
    kind, names = REMEDY[label]
    posts = {row.name for row in ROWS if row.method == "POST"}
    for name in names:  # the matrix checks that its rows name real URLs, and that they work
        assert name in posts, f"{label}: {name} is not a POST row of the authorization matrix"
    if label in MUST_VOID:
        assert kind == VOID, f"{label} must be withdrawable with a reason"
