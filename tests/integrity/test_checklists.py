from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from integrity import actions
from integrity.models import Checklist, ChecklistItem, InspectionItemResult
from supervision.permissions import Role
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.factories import make_user
from tests.integrity.factories import plan_inspection

pytestmark = pytest.mark.django_db

# 新人社〔2017〕150号, 第七条至第十条, copied from the regulation as issued.
REGULATION = """
第七条 规范业务运行控制制度，重点管理以下工作事项：
依据有关法规政策要求，制定各项社会保险业务操作管理办法和工作制度，
（一）贯彻落实社会保险业务运行的相关法律、法规以及国家和省的规定的情况，明确各项业务环节操作流程，核定业务数据；
（二）征缴部门与财务部门按规定定期对账情况；
（三）与参保单位或个人核对个人账户信息，按规定计算利息情况；
（四）健全完善审核审批程序情况；
（五）建立业务档案资料管理制度，严格执行经办过程中涉及的相关资料存档、归档、立卷、保管的规定情况。
第八条 严格基金安全管理制度，重点管理以下工作事项：
（一）贯彻落实社会保险基金相关法律、法规以及国家和省的规定情况；
（二）社会保险费核定和划入社会保障基金财政专户情况；
（三）社会保险基金支出的审核、结算和社会保险待遇发放情况；
（四）社会保险基金收入户、支出户和基金财政专户等各类银行账户开设、管理及其基金的存储、划拨、结存情况；
（五）社会保险基金预算编制、执行、调整和决算情况以及财务收支计划编制和执行情况；
（六）依法需要管理的其他事项。
第九条 完善信息系统控制制度，重点管理以下工作事项：
（一）贯彻落实社会保险信息系统建设的相关法律、法规以及国家和省的规定，规范业务系统和数据库，制定与业务流程相匹配的信息系统操作流程等制度的情况；
（二）核心业务经办信息系统操作办理情况；
（三）明确业务操作人员、系统维护人员的职责和权限，按信息系统操作流程的规定录入、修改、访问、使用、维护数据，并建立应急处理预案情况；
第十条 严肃内控管理制度，重点管理以下工作事项：
（一）贯彻落实社会保险内控管理监督的相关法律、法规以及国家和省的规定，根据人社部发〔2017〕2号文件要求，制定具体实施细则和内控管理规范，并在单位内部公开，有效执行。
（二）对各项业务定期抽查，并将相关情况及时反馈业务部门，报告主要领导，提出意见、建议并对发现的问题督促整改；
（三）建立风险识别评估监控体系，实行风险分析报告制度，制订风险处置预案。
"""


def regulation_items(article: str) -> list[str]:
    """The numbered items of one article, exactly as the regulation writes them."""
    lines = REGULATION.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(article))
    items = []
    for line in lines[start + 1 :]:
        if line.startswith("第"):
            break
        if line.startswith("（"):
            items.append(line.split("）", 1)[1])
    return items


@pytest.mark.parametrize(
    ("article", "label", "count"), [(7, "第七条", 5), (8, "第八条", 6), (9, "第九条", 3), (10, "第十条", 3)]
)
def test_seeded_checklists_hold_the_regulations_items_verbatim(article, label, count):
    checklist = Checklist.objects.get(article=article)
    version = checklist.current_version()
    assert version.number == 1
    items = list(version.items.order_by("position"))
    assert len(items) == count
    assert [item.text for item in items] == regulation_items(label)
    numerals = "一二三四五六"
    assert [item.code for item in items] == [f"{label}（{numerals[i]}）" for i in range(count)]


def test_item_codes_are_the_regulations_numbering():
    assert ChecklistItem.objects.filter(code="第八条（四）").get().text.startswith("社会保险基金收入户、支出户")


class TestRevision:
    def test_revision_makes_a_new_version_and_past_inspections_keep_theirs(self, org, inspector):
        checklist = Checklist.objects.get(article=8)
        past = plan_inspection(inspector, org.weihui)
        version = actions.checklist_revise(
            checklist,
            acting_user=inspector,
            changes={4: {"check_points": "核对每笔划拨的审批单。", "guidance": "未经审批的记为不符合。"}},
            note="补充第八条（四）检查要点",
        )
        assert version.number == 2
        assert version.items.count() == 6
        assert version.items.get(position=4).check_points == "核对每笔划拨的审批单。"
        assert version.items.get(position=1).text == regulation_items("第八条")[0]

        past_item = past.results.get(item__position=4).item
        assert past_item.version.number == 1
        assert past_item.check_points == ""
        assert list(past.checklists.values_list("number", flat=True)) == [1]

        fresh = plan_inspection(inspector, org.huixian)
        assert fresh.results.get(item__position=4).item.check_points == "核对每笔划拨的审批单。"
        assert InspectionItemResult.objects.filter(inspection=past, item__version__number=1).count() == 6

    def test_revision_without_change_is_refused(self, org, inspector):
        with pytest.raises(TransitionNotAllowed):
            actions.checklist_revise(Checklist.objects.get(article=7), acting_user=inspector, changes={}, note="无修改")
        assert Checklist.objects.get(article=7).versions.count() == 1

    def test_stale_revision_is_refused(self, inspector):
        checklist = Checklist.objects.get(article=9)
        change = {1: {"check_points": "A", "guidance": ""}}
        actions.checklist_revise(checklist, acting_user=inspector, changes=change, note="一", expected_version=1)
        with pytest.raises(EditConflict):
            actions.checklist_revise(
                checklist, acting_user=inspector, changes={1: {"check_points": "B"}}, note="二", expected_version=1
            )
        assert checklist.versions.count() == 2

    def test_only_city_inspectors_and_admins_revise(self, org, head_weihui, assessor):
        county_inspector = make_user("county_inspector", [Role.INSPECTOR], org.weihui_bureau)
        for user in (head_weihui, assessor, county_inspector):
            with pytest.raises(PermissionDenied):
                actions.checklist_revise(
                    Checklist.objects.get(article=8), acting_user=user, changes={1: {"check_points": "x"}}, note="x"
                )


class TestPages:
    def test_list_and_detail(self, client, staff_weihui):
        client.force_login(staff_weihui)
        body = client.get(reverse("integrity:checklist_list")).content.decode()
        assert "基金安全管理制度" in body
        checklist = Checklist.objects.get(article=8)
        body = client.get(reverse("integrity:checklist_detail", args=[checklist.pk])).content.decode()
        assert "第八条（六）" in body and "依法需要管理的其他事项。" in body
        assert "修订检查要点和指引" not in body

    def test_unknown_version_is_404(self, client, staff_weihui):
        client.force_login(staff_weihui)
        checklist = Checklist.objects.get(article=8)
        assert client.get(reverse("integrity:checklist_detail", args=[checklist.pk]), {"version": 9}).status_code == 404

    def test_revise_through_the_form(self, client, inspector):
        checklist = Checklist.objects.get(article=10)
        client.force_login(inspector)
        url = reverse("integrity:checklist_revise", args=[checklist.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"version": 1, "points_2": "查阅抽查记录和报告主要领导的记录。", "guidance_2": "", "note": "补充要点"}
        )
        assert response.status_code == 302
        assert checklist.versions.count() == 2
        body = client.get(reverse("integrity:checklist_detail", args=[checklist.pk]), {"version": 1}).content.decode()
        assert "历史版本" in body and "查阅抽查记录" not in body

    def test_revise_needs_a_note_and_writes_nothing_without_one(self, client, inspector):
        checklist = Checklist.objects.get(article=10)
        client.force_login(inspector)
        response = client.post(
            reverse("integrity:checklist_revise", args=[checklist.pk]), {"version": 1, "points_1": "要点", "note": ""}
        )
        assert response.status_code == 400
        assert "这个字段是必填项" in response.content.decode()
        assert checklist.versions.count() == 1

    def test_revise_is_forbidden_to_county_heads(self, client, head_weihui):
        client.force_login(head_weihui)
        checklist = Checklist.objects.get(article=8)
        assert client.get(reverse("integrity:checklist_revise", args=[checklist.pk])).status_code == 403
        response = client.post(reverse("integrity:checklist_revise", args=[checklist.pk]), {"note": "x", "version": 1})
        assert response.status_code == 403
