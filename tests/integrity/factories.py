"""Helpers that set integrity data up through the actions, as users would."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Permission

from integrity import actions
from integrity.models import Checklist, ControlInspection, InspectionItemResult, IntegrityTalk, Risk, RiskCategory
from supervision.models import Agency, Person
from supervision.models.findings import local_today

Result = InspectionItemResult.Result


def ensure_checklists() -> None:
    """Seed the regulation's checklists again when a transactional test has flushed the tables."""
    from integrity.demo import ensure_regulation_checklists

    ensure_regulation_checklists()


def grant(user: Any, *perms: str) -> Any:
    """Grant model permissions ("app.codename") and return the user with a fresh permission cache."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return type(user).objects.get(pk=user.pk)


def plan_inspection(user: Any, agency: Agency, articles: tuple[int, ...] = (8,), **fields: Any) -> ControlInspection:
    today = local_today()
    values = {
        "title": f"{agency}内控检查",
        "period_start": datetime.date(today.year - 1, 1, 1),
        "period_end": datetime.date(today.year - 1, 12, 31),
        "planned_on": today,
    }
    values.update(fields)
    return actions.inspection_plan(
        acting_user=user, agency=agency, checklists=list(Checklist.objects.filter(article__in=articles)), **values
    )


def record_all(inspection: ControlInspection, user: Any, outcomes: dict[int, str] | None = None) -> None:
    """Record every item: compliant unless `outcomes` maps its position to another result."""
    outcomes = outcomes or {}
    for result in inspection.results.select_related("item").order_by(
        "item__version__checklist__article", "item__position"
    ):
        outcome = outcomes.get(result.item.position, Result.COMPLIANT)
        actions.inspection_record_result(
            result,
            acting_user=user,
            outcome=outcome,
            problem=f"{result.item.code}存在问题" if outcome in InspectionItemResult.SHORTCOMINGS else "",
            notes="检查情况说明。",
        )


def complete(inspection: ControlInspection, user: Any, **fields: Any) -> list:
    values = {"conclusion": "检查结论。", "deadline": local_today() + datetime.timedelta(days=20)}
    values.update(fields)
    return actions.inspection_complete(inspection, acting_user=user, **values)


def make_risk(user: Any, agency: Agency, likelihood: int = 3, impact: int = 4, **fields: Any) -> Risk:
    values = {
        "title": "待遇冒领风险",
        "description": "死亡人员家属继续领取待遇。",
        "category": RiskCategory.FUND_SAFETY,
        "controls": "生存认证。",
        "next_review_on": local_today() + datetime.timedelta(days=30),
    }
    values.update(fields)
    return actions.risk_create(acting_user=user, agency=agency, likelihood=likelihood, impact=impact, **values)


def record_talk(user: Any, person: Person, **fields: Any) -> IntegrityTalk:
    values = {
        "kind": IntegrityTalk.Kind.REMINDER,
        "held_on": local_today() - datetime.timedelta(days=3),
        "talked_by": "市社保中心主任",
        "reason": "群众反映其办事推诿拖延",
        "content": "重申廉洁纪律要求。",
    }
    values.update(fields)
    return actions.talk_record(acting_user=user, person=person, **values)
