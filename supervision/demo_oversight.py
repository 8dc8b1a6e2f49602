"""Demo data of supervision (第十二条至第十五条), built through the actions as users would.

Each block is keyed on a natural key (a title, a period) and skipped when it exists, so running
`seed_demo` twice changes nothing. Dates are relative to the day the demo is seeded.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from supervision.actions import oversight as actions
from supervision.actions.findings import finding_answer
from supervision.demo import DemoAccount, _account, demo_name
from supervision.models import (
    ActivityKind,
    Agency,
    Channel,
    ChannelMembership,
    City,
    CorrectionOrder,
    FundInspection,
    GuidanceVisit,
    OversightSettings,
    SemiannualReport,
    SupervisionActivity,
)
from supervision.models.findings import local_today
from supervision.models.oversight import last_ended_period
from supervision.permissions import Role

# County HRSS bureaus receive the semiannual reports (第十三条): one reviewer each in the demo counties.
BUREAU_ACCOUNTS = {"weihui": "卫辉市", "huixian": "辉县市", "hongqi": "红旗区"}
# A second supervisor, of another channel, to show that channels do not see each other.
COMMITTEE_ACCOUNT = "committee"

# A scanned, signed statement stands in as the smallest valid PDF.
SIGNED_STATEMENT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _agency(division: str, kind: str = Agency.Kind.COUNTY_AGENCY) -> Agency:
    return Agency.objects.get(division__name=division, kind=kind)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def seed_oversight(**_options: Any) -> None:
    today = local_today()
    city = City.objects.get(code="410700")
    OversightSettings.objects.get_or_create(city=city)
    _seed_accounts()
    _seed_activities(today)
    _seed_reports(today)
    _seed_visits(today)
    _seed_inspections(today)


def _seed_accounts() -> None:
    for index, (slug, division) in enumerate(BUREAU_ACCOUNTS.items()):
        account = DemoAccount(f"bureau_{slug}", (Role.INSPECTOR,), slug, "staff", "社会保险基金监督股股长")
        _account(account, _agency(division, Agency.Kind.COUNTY_BUREAU), demo_name(300 + index))
    supervisor = _user("supervisor")
    ChannelMembership.objects.get_or_create(
        user=supervisor,
        channel=Channel.LEGISLATIVE,
        defaults={"body": "新乡市人大常委会", "capacity": "市人大代表"},
    )
    committee, created = User.objects.get_or_create(
        username=COMMITTEE_ACCOUNT, defaults={"first_name": "社保委员会委员"}
    )
    if created:
        from django.conf import settings

        committee.set_password(settings.DEMO_PASSWORD)
        committee.save()
        committee.groups.set(Group.objects.filter(name=Role.SUPERVISOR))
    ChannelMembership.objects.get_or_create(
        user=committee,
        channel=Channel.DEMOCRATIC,
        defaults={"body": "新乡市社会保险委员会", "capacity": "政协委员"},
    )
    # 第十五条: publishing fund-inspection results is a right of its own; in the demo the bureau's
    # fund-supervision staff (the inspector role) hold it.
    permission = Permission.objects.get(codename="publish_disclosure", content_type__app_label="supervision")
    Group.objects.get(name=Role.INSPECTOR).permissions.add(permission)


# (channel, kind, body, title, days ago, subjects, summary, outcome, finding)
ACTIVITIES = [
    (
        Channel.LEGISLATIVE,
        ActivityKind.SPECIAL_REPORT,
        "新乡市人大常委会",
        "听取和审议全市社会保险基金运行情况专项工作报告",
        60,
        ["卫辉市", "辉县市", "红旗区"],
        "市人大常委会第二十三次会议听取市人社局关于2025年度社会保险基金预算执行情况的专项工作报告，"
        "常委会组成人员分组审议。",
        "审议意见已转市人社局研究办理，要求于三个月内书面报告办理情况。",
        None,
    ),
    (
        Channel.LEGISLATIVE,
        ActivityKind.FIELD_INSPECTION,
        "新乡市人大常委会",
        "市人大代表视察卫辉市社会保险经办服务大厅",
        35,
        ["卫辉市"],
        "代表一行实地查看服务大厅窗口设置和待遇资格认证办理流程，听取经办机构情况汇报。",
        "代表建议增设老年人服务专窗。",
        (
            "第六条",
            "服务大厅未设老年人专窗",
            "高峰时段老年人排队时间超过40分钟。",
            "增设老年人服务专窗，推行预约办理。",
        ),
    ),
    (
        Channel.DEMOCRATIC,
        ActivityKind.STYLE_CHECK,
        "新乡市社会保险委员会",
        "社会保险委员会对辉县市经办机构作风建设情况开展监督",
        28,
        ["辉县市"],
        "委员会委员采取明察暗访方式，抽查窗口服务、首问负责、限时办结制度落实情况。",
        "",
        (
            "第六条",
            "首问负责制落实不到位",
            "暗访中2名窗口人员未履行一次性告知义务。",
            "开展作风专项整顿，完善首问负责登记。",
        ),
    ),
    (
        Channel.DEMOCRATIC,
        ActivityKind.PETITION_CHECK,
        "新乡市社会保险委员会",
        "社会保险委员会督办信访举报件办理情况",
        14,
        ["红旗区"],
        "对2026年第三季度转办的12件信访举报件逐件核查办理结果。",
        "11件已按期办结，1件正在办理。",
        None,
    ),
    (
        Channel.ADMINISTRATIVE,
        ActivityKind.FUND_CHECK,
        "新乡市审计局",
        "市审计局社会保险基金专项审计",
        50,
        ["卫辉市", "辉县市"],
        "对2025年度企业职工基本养老保险基金收支情况进行专项审计。",
        "审计报告指出个别待遇重复发放问题，已督促追回。",
        None,
    ),
    (
        Channel.ADMINISTRATIVE,
        ActivityKind.SPECIAL_INSPECTION,
        "新乡市财政局",
        "市财政局社会保障基金财政专户专项检查",
        20,
        ["红旗区"],
        "检查社会保险费划入社会保障基金财政专户的及时性。",
        "",
        None,
    ),
    (
        Channel.SOCIAL,
        ActivityKind.INFORMATION_DISCLOSURE,
        "社会公众",
        "2026年上半年社会保险基金收支情况向社会公开",
        90,
        ["卫辉市", "辉县市", "红旗区"],
        "通过门户网站和服务大厅公示栏公开各县（市、区）社会保险基金收支情况。",
        "",
        None,
    ),
    (
        Channel.SOCIAL,
        ActivityKind.MEDIA,
        "新乡日报",
        "媒体报道养老金资格认证“跑腿”问题",
        10,
        ["卫辉市"],
        "新乡日报刊发读者来信，反映部分老人需多次往返办理资格认证。",
        "经办机构已回应，推行手机认证和上门认证。",
        None,
    ),
]


def _seed_activities(today: datetime.date) -> None:
    inspector = _user("inspector")
    for channel, kind, body, title, ago, divisions, summary, outcome, finding in ACTIVITIES:
        if SupervisionActivity.objects.filter(title=title).exists():
            continue
        activity = actions.activity_record(
            acting_user=inspector,
            channel=channel,
            kind=kind,
            body=body,
            title=title,
            held_on=today - datetime.timedelta(days=ago),
            subjects=[_agency(division) for division in divisions],
            summary=summary,
            outcome=outcome,
            participants="市人社局基金监督科",
        )
        if finding:
            article, finding_title, description, suggestion = finding
            actions.record_finding(
                activity,
                acting_user=inspector,
                agency=_agency(divisions[0]),
                article=article,
                title=finding_title,
                description=description,
                suggestion=suggestion,
                deadline=today + datetime.timedelta(days=20),
                found_on=today - datetime.timedelta(days=ago),
            )


FIGURES = {
    "卫辉市": (152_300, 3_120, 41_200, Decimal("38650.20"), Decimal("45210.75"), 18_432, 23),
    "辉县市": (176_800, 2_870, 47_950, Decimal("42180.00"), Decimal("51866.30"), 21_015, 31),
    "红旗区": (98_400, 1_960, 25_300, Decimal("26540.55"), Decimal("29877.10"), 12_208, 17),
}


def _report_data(division: str, year: int, half: int) -> dict[str, Any]:
    insured, new, beneficiaries, income, expenditure, cases, complaints = FIGURES[division]
    half_label = "上半年" if half == 1 else "下半年"
    return {
        "insured_count": insured + (year - 2025) * 1500 + half * 300,
        "new_insured_count": new,
        "beneficiary_count": beneficiaries,
        "contribution_income": income,
        "benefit_expenditure": expenditure,
        "cases_handled": cases,
        "complaints_received": complaints,
        "narrative": f"{year}年{half_label}，{division}社会保险中心围绕扩面征缴、待遇发放和经办服务开展工作，"
        "各项待遇按时足额发放，基金运行平稳。",
        "problems": "部分乡镇参保扩面进展不平衡；档案数字化进度滞后。",
        "plans": "推进全民参保计划，完成历史档案数字化，落实内控检查发现问题的整改。",
    }


def _previous_period(year: int, half: int) -> tuple[int, int]:
    return (year, 1) if half == 2 else (year - 1, 2)


def _seed_reports(today: datetime.date) -> None:
    last = last_ended_period(today)
    previous = _previous_period(*last)
    # (division, period, outcome): every state of 第十三条's workflow, including an overdue draft.
    plan = [
        ("卫辉市", previous, "accepted_after_return"),
        ("辉县市", previous, "accepted"),
        ("红旗区", previous, "draft"),
        ("卫辉市", last, "submitted"),
        ("辉县市", last, "returned"),
        ("红旗区", last, "draft"),
    ]
    for division, (year, half), outcome in plan:
        agency = _agency(division)
        if SemiannualReport.objects.filter(agency=agency, year=year, half=half).exists():
            continue
        slug = {"卫辉市": "weihui", "辉县市": "huixian", "红旗区": "hongqi"}[division]
        head, reviewer = _user(f"head_{slug}"), _user(f"bureau_{slug}")
        report, _created = actions.report_open(agency=agency, year=year, half=half, acting_user=head)
        data = _report_data(division, year, half)
        if outcome == "draft":
            actions.report_save(report, acting_user=head, data={"insured_count": data["insured_count"]})
            continue
        actions.report_save(report, acting_user=head, data=data, submit=True)
        if outcome == "submitted":
            continue
        if outcome in {"returned", "accepted_after_return"}:
            actions.report_review(
                report,
                acting_user=reviewer,
                accepted=False,
                comment="待遇支出数据与财务决算不一致，请核对后重新报送，并补充档案数字化进度说明。",
            )
        if outcome == "accepted_after_return":
            data["narrative"] += "已核对待遇支出数据，与财务决算一致；档案数字化完成65%。"
            actions.report_save(report, acting_user=head, data=data, submit=True)
        if outcome in {"accepted", "accepted_after_return"}:
            actions.report_review(report, acting_user=reviewer, accepted=True, comment="内容完整，数据准确。")
    # Open the period for the other counties and mark what is overdue, as the daily beat sweep does.
    actions.semiannual_sweep(today)


def _seed_visits(today: datetime.date) -> None:
    inspector = _user("inspector")
    visits = [
        ("卫辉市", inspector, 25, "待遇资格认证、业务档案管理", "done"),
        ("辉县市", _user("bureau_huixian"), -7, "第四季度扩面征缴工作进展", "planned"),
        ("红旗区", inspector, 45, "内控制度建设与风险防控", "done"),
    ]
    for division, user, ago, topics, outcome in visits:
        agency = _agency(division)
        if GuidanceVisit.objects.filter(agency=agency, topics=topics).exists():
            continue
        planned_on = today - datetime.timedelta(days=ago)
        visit = actions.visit_plan(
            acting_user=user, agency=agency, planned_on=planned_on, topics=topics, team="基金监督科2人"
        )
        if outcome != "done":
            continue
        visit = actions.visit_record(
            visit,
            acting_user=user,
            visited_on=planned_on,
            notes="听取工作汇报，抽查业务档案30卷，现场查看待遇资格认证系统运行情况。",
        )
        actions.record_finding(
            visit,
            acting_user=user,
            agency=agency,
            article="第七条（五）",
            title="业务档案归档不及时",
            description="抽查的30卷档案中有6卷未按月归档。",
            suggestion="建立档案归档月度台账，明确专人负责，每月底前完成当月档案归档。",
            deadline=today + datetime.timedelta(days=30),
            found_on=planned_on,
        )


PUBLISHED_TITLE = "2026年度社会保险基金专项检查（卫辉市、辉县市）"
OPEN_TITLE = "2026年第四季度基金支出专项检查（红旗区）"


def _seed_inspections(today: datetime.date) -> None:
    if not FundInspection.objects.filter(title=PUBLISHED_TITLE).exists():
        _seed_published_inspection(today)
    if not FundInspection.objects.filter(title=OPEN_TITLE).exists():
        _seed_open_inspection(today)


def _seed_published_inspection(today: datetime.date) -> None:
    inspector, weihui, huixian = _user("inspector"), _agency("卫辉市"), _agency("辉县市")
    started = today - datetime.timedelta(days=40)
    inspection = actions.inspection_open(
        acting_user=inspector,
        title=PUBLISHED_TITLE,
        agencies=[weihui, huixian],
        period_start=datetime.date(today.year - 1, 1, 1),
        period_end=datetime.date(today.year - 1, 12, 31),
        started_on=started,
        scope="社会保险基金收支、管理情况；基金支出户资金划拨审批；待遇发放审核（第八条）。",
        members=[_user("bureau_weihui"), _user("bureau_huixian")],
    )
    actions.material_register(
        inspection,
        acting_user=inspector,
        agency=weihui,
        name="2025年度基金支出户银行对账单",
        description="2025年1月至12月",
        quantity="12份",
        handling="copied",
        registered_on=started,
    )
    actions.material_register(
        inspection,
        acting_user=inspector,
        agency=weihui,
        name="待遇发放审批台账",
        description="2025年度",
        quantity="2册",
        handling="read",
        registered_on=started,
        seal={"seal_number": "XXFC-2026-001", "place": "卫辉市社会保险中心档案室", "sealed_on": started},
    )
    vouchers = actions.material_register(
        inspection,
        acting_user=inspector,
        agency=huixian,
        name="2025年第四季度财务记账凭证",
        quantity="6册",
        handling="recorded",
        registered_on=started + datetime.timedelta(days=1),
        seal={
            "seal_number": "XXFC-2026-002",
            "place": "辉县市社会保险中心财务室",
            "sealed_on": started + datetime.timedelta(days=1),
        },
    )
    actions.material_release(
        vouchers,
        acting_user=inspector,
        released_on=started + datetime.timedelta(days=12),
        reason="已完成复制和核对，返还被检查单位。",
    )
    asked = timezone.make_aware(datetime.datetime.combine(started + datetime.timedelta(days=2), datetime.time(9, 30)))
    actions.inquiry_record(
        inspection,
        acting_user=inspector,
        agency=weihui,
        interviewee="赵会计",
        interviewee_unit="卫辉市社会保险中心",
        interviewee_position="财务科科长",
        place="卫辉市社会保险中心会议室",
        started_at=asked,
        ended_at=asked + datetime.timedelta(hours=1, minutes=20),
        inquirers="市人社局基金监督科 两名检查人员",
        recorder="检查组记录员",
        transcript="问：2025年9月支出户向过渡户划拨12,000元，是否经过审批？\n"
        "答：当时按主任口头同意办理，未填写审批单。\n"
        "问：该笔资金目前在何处？\n答：已于10月转回支出户，有银行回单。",
        files=[SimpleUploadedFile("询问笔录（签字）.pdf", SIGNED_STATEMENT, content_type="application/pdf")],
    )
    actions.order_issue(
        inspection,
        acting_user=inspector,
        agency=weihui,
        conduct=CorrectionOrder.Conduct.MISAPPROPRIATING,
        facts="2025年9月，你单位未经审批将基金支出户资金12,000元划入过渡户，用于垫付办公经费。",
        requirements="立即停止挪用行为，将资金足额划回基金支出户，完善支出审批制度。",
        deadline=today + datetime.timedelta(days=15),
        issued_on=started + datetime.timedelta(days=3),
    )
    finding = actions.record_finding(
        inspection,
        acting_user=inspector,
        agency=huixian,
        article="第八条（三）",
        title="待遇发放前审核缺少复核环节",
        description="抽查2025年第四季度待遇发放记录，发现由一人审核，未见复核记录。",
        suggestion="落实待遇发放双人复核制度，系统中设置复核岗位权限。",
        deadline=today + datetime.timedelta(days=10),
        found_on=started + datetime.timedelta(days=5),
    )
    finding_answer(finding, acting_user=_user("head_huixian"), text="已在系统中设置复核岗位，实行双人复核。")
    actions.decision_issue(
        inspection,
        acting_user=inspector,
        agency=weihui,
        facts="你单位2025年9月未经审批将基金支出户资金12,000元划入过渡户，已于10月转回。",
        basis="《中华人民共和国社会保险法》第八十七条和《新乡市人力资源和社会保障局县（市、区）社会保险经办管理监督工作制度》第十五条",
        decision="一、责令你单位对相关责任人进行批评教育；二、完善基金支出审批制度并于30日内报送整改报告。",
        decided_on=started + datetime.timedelta(days=20),
    )
    actions.inspection_conclude(
        inspection,
        acting_user=inspector,
        ended_on=started + datetime.timedelta(days=21),
        conclusion="两单位基金收支总体规范，发现挪用支出户资金1笔、待遇发放复核缺失1项，已责令改正并作出处理决定。",
    )
    actions.disclosure_publish(
        inspection,
        acting_user=inspector,
        title="2026年度卫辉市、辉县市社会保险基金专项检查结果",
        summary="市人力资源和社会保障局对卫辉市、辉县市社会保险中心2025年度社会保险基金收支、管理情况进行了专项检查。"
        "检查发现：卫辉市社会保险中心1笔12,000元支出户资金未经审批划转，已责令改正并作出处理决定，资金已全额划回；"
        "辉县市社会保险中心待遇发放前审核缺少复核环节，已提出整改建议并督促整改。",
    )


def _seed_open_inspection(today: datetime.date) -> None:
    inspector, hongqi = _user("inspector"), _agency("红旗区")
    started = today - datetime.timedelta(days=3)
    inspection = actions.inspection_open(
        acting_user=inspector,
        title=OPEN_TITLE,
        agencies=[hongqi],
        period_start=datetime.date(today.year, 7, 1) if today.month > 9 else datetime.date(today.year - 1, 10, 1),
        period_end=today - datetime.timedelta(days=4),
        started_on=started,
        scope="基金支出审核、结算和待遇发放情况（第八条（三））。",
        members=[_user("bureau_hongqi")],
    )
    actions.material_register(
        inspection,
        acting_user=inspector,
        agency=hongqi,
        name="养老待遇发放明细",
        description="检查所属期内",
        quantity="1个U盘",
        handling="copied",
        registered_on=started,
        seal={"seal_number": "XXFC-2026-003", "place": "红旗区社会保险中心机房", "sealed_on": started},
    )
