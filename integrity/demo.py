"""Demo data for internal control and integrity, built through the actions as users would.

Every step checks for its record on a natural key first, so running `seed_demo` twice changes nothing.
"""

from __future__ import annotations

import datetime
import importlib
from typing import Any

from django.contrib.auth.models import Permission, User
from django.db.models import Q

from integrity import actions
from integrity.models import (
    Checklist,
    ControlInspection,
    DisposalPlan,
    InspectionItemResult,
    IntegrityCommitment,
    IntegrityTalk,
    ReportPeriod,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    RiskCategory,
    ServiceCommitment,
    ServiceRule,
    SpotCheck,
)
from supervision.models import AccountabilityRecord, Agency, Finding, Person
from supervision.models.findings import local_today

Result = InspectionItemResult.Result

ART8_CHECK_POINTS = {
    1: ("查阅基金管理制度文件及执行记录，核对是否与国家和省的规定一致。", "制度缺失或未及时修订的，记为部分符合。"),
    2: ("核对征缴台账与财政专户到账凭证，抽查近3个月的划转记录。", "未按规定及时足额划入财政专户的，记为不符合。"),
    3: ("抽查待遇支付审核单、复核记录和发放清单，核对审核、复核签字。", "缺少复核环节的，记为部分符合或不符合。"),
    4: ("核对银行账户开设批准文件、对账单、余额调节表和每笔划拨的审批单。", "存在未经审批划拨的，记为不符合。"),
    5: ("查阅预算编制、调整、决算报表及审批文件，核对财务收支计划执行情况。", ""),
    6: ("其他依法需要管理的事项，按检查时的具体情况确定。", ""),
}

# (position, result, problem, notes, severity) for the Art. 8 inspection of 卫辉市.
ART8_RESULTS = [
    (1, Result.COMPLIANT, "", "基金管理制度齐全，已按2024年省厅文件修订。", "minor"),
    (2, Result.COMPLIANT, "", "抽查3个月征缴收入均在规定时间内划入财政专户。", "minor"),
    (3, Result.PARTLY, "待遇发放复核记录不完整", "抽查30笔待遇支付，4笔缺少复核人签字。", "minor"),
    (4, Result.NOT_COMPLIANT, "支出户资金划拨缺少审批手续", "支出户有2笔共36,000元划拨未见审批单。", "major"),
    (5, Result.PARTLY, "预算调整未履行审批程序", "年中预算调整未报同级人社、财政部门审核。", "minor"),
    (6, Result.NOT_APPLICABLE, "", "", "minor"),
]

RISKS = {
    "卫辉市": [
        ("待遇冒领风险", RiskCategory.FUND_SAFETY, "第八条（三）", 3, 5, "死亡人员家属未及时报告，继续领取养老待遇。",
         "每年两次生存认证；与公安、民政死亡数据比对。", "增加季度数据比对；对异常账户暂停发放。", "monitoring", -3),
        ("支出户违规划拨风险", RiskCategory.FUND_SAFETY, "第八条（四）", 2, 5, "支出户资金未经审批划拨。",
         "划拨须经科长、分管主任双签。", "上线网银复核，月度对账。", "mitigating", 30),
        ("征缴与财务对账不及时", RiskCategory.BUSINESS_OPERATION, "第七条（二）", 3, 3, "征缴部门与财务部门未按月对账，差错难以及时发现。",
         "月末对账制度。", "", "monitoring", 60),
        ("操作员权限未及时回收", RiskCategory.INFORMATION_SYSTEM, "第九条（三）", 3, 4, "调岗人员核心业务系统账号未及时停用。",
         "人事变动通知信息科。", "每季度复核账号权限。", "identified", 45),
        ("业务档案丢失风险", RiskCategory.BUSINESS_OPERATION, "第七条（五）", 2, 2, "纸质档案未及时立卷，存放分散。",
         "档案室专人管理。", "", "monitoring", 90),
    ],
    "辉县市": [
        ("核心业务系统中断", RiskCategory.INFORMATION_SYSTEM, "第九条（二）", 2, 4, "机房断电或网络中断导致经办业务停摆。",
         "UPS 不间断电源；双线路接入。", "完善应急处理预案，每年演练一次。", "monitoring", 20),
        ("缴费基数核定不实", RiskCategory.BUSINESS_OPERATION, "第七条（一）", 4, 3, "参保单位少报缴费基数。",
         "年度基数申报审核。", "与税务数据比对。", "mitigating", 15),
        ("重复领取待遇风险", RiskCategory.FUND_SAFETY, "第八条（三）", 2, 4, "跨统筹地区重复领取养老待遇。",
         "全国社保待遇资格认证系统比对。", "", "monitoring", -1),
        ("数据越权访问风险", RiskCategory.INFORMATION_SYSTEM, "第九条（三）", 2, 3, "操作人员超权限查询个人信息。",
         "按岗位授权；操作日志留存。", "", "identified", 75),
    ],
}  # fmt: skip

COMMITMENTS = [
    ("城镇职工基本养老保险参保登记", None, "on_the_spot", "", "资料齐全的，窗口即时办结。"),
    ("养老保险关系转移接续", 15, "working_days", "45日", "收到转移接续申请、资料齐全后15个工作日内办结。"),
    ("退休人员基本养老金核定", 10, "working_days", "", "资料齐全后10个工作日内完成核定并告知。"),
    ("个人权益记录查询打印", None, "on_the_spot", "", "凭有效身份证件即时查询打印。"),
    ("工伤保险待遇核定支付", 20, "working_days", "", "资料齐全后20个工作日内完成核定。"),
]

RULES = [
    (ServiceRule.Kind.FIRST_INQUIRY, "首问负责制实施办法",
     "首位接待群众来访、来电的工作人员为首问责任人，对属于本人职责范围的事项当场办理；不属于本人职责的，负责引导至承办岗位并告知办理要求，不得推诿。"),
    (ServiceRule.Kind.TIME_LIMITED, "限时办结制实施办法",
     "各项经办业务按服务承诺的时限办结；因特殊情况不能按时办结的，须报分管领导同意并告知办事群众。超时办结的，按责任追究制处理。"),
    (ServiceRule.Kind.ACCOUNTABILITY, "服务责任追究办法",
     "违反首问负责制、限时办结制、服务承诺制，造成不良影响的，视情节给予批评教育、通报批评、调整岗位等处理。"),
]  # fmt: skip


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _agency(division: str) -> Agency:
    return Agency.objects.get(division__name=division, kind=Agency.Kind.COUNTY_AGENCY)


def _grant(username: str, *perms: str) -> None:
    user = User.objects.filter(username=username).first()
    if user is None:
        return
    for perm in perms:
        app_label, codename = perm.split(".")
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        if not user.user_permissions.filter(pk=permission.pk).exists():
            user.user_permissions.add(permission)


def seed_integrity(**_options: Any) -> None:
    today = local_today()
    year = today.year
    inspector = _user("inspector")
    weihui, huixian = _agency("卫辉市"), _agency("辉县市")
    _checklists(inspector)
    _inspections(today, inspector, weihui, huixian)
    _spot_check(today, inspector, weihui)
    _risks(today, weihui, huixian)
    _service(weihui, huixian)
    _integrity(today, year, weihui, huixian)


def ensure_regulation_checklists() -> None:
    """The checklists of Arts. 7–10 as the data migration seeds them (idempotent).

    A database emptied after migrating (a flushed test database, a restored partial dump) would
    otherwise have no checklists to inspect with; the migration's own function puts them back.
    """
    from django.apps import apps

    migration = importlib.import_module("integrity.migrations.0002_seed_regulation_checklists")
    migration.seed(apps, None)


def _checklists(inspector: User) -> None:
    ensure_regulation_checklists()
    art8 = Checklist.objects.get(article=8)
    if art8.versions.count() == 1:
        changes = {
            pos: {"check_points": points, "guidance": guide} for pos, (points, guide) in ART8_CHECK_POINTS.items()
        }
        actions.checklist_revise(art8, acting_user=inspector, changes=changes, note="补充基金安全检查要点和检查指引")


def _inspections(today: datetime.date, inspector: User, weihui: Agency, huixian: Agency) -> None:
    last_year = today.year - 1
    title = f"卫辉市社保中心{today.year}年基金安全内控检查（第八条）"
    if not ControlInspection.objects.filter(agency=weihui, title=title).exists():
        inspection = actions.inspection_plan(
            acting_user=inspector,
            agency=weihui,
            checklists=[Checklist.objects.get(article=8)],
            title=title,
            period_start=datetime.date(last_year, 1, 1),
            period_end=datetime.date(last_year, 12, 31),
            planned_on=today - datetime.timedelta(days=20),
        )
        results = {r.item.position: r for r in inspection.results.select_related("item")}
        for position, outcome, problem, notes, severity in ART8_RESULTS:
            actions.inspection_record_result(
                results[position],
                acting_user=inspector,
                outcome=outcome,
                problem=problem,
                notes=notes,
                severity=severity,
            )
        findings = actions.inspection_complete(
            inspection,
            acting_user=inspector,
            conclusion="卫辉市社保中心基金安全管理制度总体健全，征缴收入划转及时；待遇发放复核、支出户划拨审批和预算调整程序存在问题，须限期整改。",
            deadline=today + datetime.timedelta(days=20),
        )
        _answer_demo_findings(findings, inspector)
    title = f"辉县市社保中心{today.year}年业务运行和信息系统内控检查"
    if not ControlInspection.objects.filter(agency=huixian, title=title).exists():
        inspection = actions.inspection_plan(
            acting_user=inspector,
            agency=huixian,
            checklists=list(Checklist.objects.filter(article__in=[7, 9])),
            title=title,
            period_start=datetime.date(last_year, 7, 1),
            period_end=datetime.date(last_year, 12, 31),
            planned_on=today,
        )
        first, second = inspection.results.order_by("item__version__checklist__article", "item__position")[:2]
        actions.inspection_record_result(
            first, acting_user=inspector, outcome=Result.COMPLIANT, notes="业务操作规程齐全，已在内网公开。"
        )
        actions.inspection_record_result(
            second,
            acting_user=inspector,
            outcome=Result.PARTLY,
            problem="部分月份对账单缺少双方签字",
            notes="抽查6个月，2个月对账单缺少财务科签字。",
        )


def _answer_demo_findings(findings: list[Finding], inspector: User) -> None:
    """Findings at several stages: one closed, one awaiting verification, one still being rectified."""
    from supervision.actions import findings as finding_actions

    head = _user("head_weihui")
    by_article = {finding.article: finding for finding in findings}
    closed, answered = by_article.get("第八条（四）"), by_article.get("第八条（三）")
    if closed is not None:
        finding_actions.finding_answer(
            closed, acting_user=head, text="已补齐2笔划拨的审批手续，并启用网银双人复核，附审批单和制度文件。"
        )
        finding_actions.finding_verify(
            closed, acting_user=inspector, accepted=True, text="经核验，审批手续完备，整改到位。"
        )
    if answered is not None:
        finding_actions.finding_answer(
            answered, acting_user=head, text="已补签4笔待遇支付的复核记录，并对经办人员进行了培训。"
        )


def _spot_check(today: datetime.date, inspector: User, weihui: Agency) -> None:
    subject = "新增退休人员待遇核定档案"
    if SpotCheck.objects.filter(agency=weihui, subject=subject).exists():
        return
    last_year = today.year - 1
    spot_check = actions.spot_check_create(
        acting_user=inspector,
        agency=weihui,
        business_area=SpotCheck.BusinessArea.BENEFIT_REVIEW,
        subject=subject,
        period_start=datetime.date(last_year, 10, 1),
        period_end=datetime.date(last_year, 12, 31),
        checked_on=today - datetime.timedelta(days=10),
        population=120,
        sample_size=20,
        method="按档案编号等距抽样",
        summary="抽查20件，18件资料齐全、核定准确；2件存在问题。",
    )
    actions.spot_check_add_issue(
        spot_check,
        acting_user=inspector,
        file_reference="WH-TX-2025-0087",
        article="第七条（四）",
        severity=Finding.Severity.MINOR,
        title="视同缴费年限认定缺少审批表",
        description="视同缴费年限认定仅有经办人意见，缺少科长审批。",
    )
    actions.spot_check_add_issue(
        spot_check,
        acting_user=inspector,
        file_reference="WH-TX-2025-0112",
        article="第七条（五）",
        severity=Finding.Severity.MINOR,
        title="档案材料未按规定立卷",
        description="核定档案中身份证复印件、审批表未装订立卷。",
    )
    actions.spot_check_feed_back(spot_check, acting_user=inspector, deadline=today + datetime.timedelta(days=30))
    leader = Person.objects.filter(user__username="leader").first()
    if leader is not None:
        actions.spot_check_report(
            spot_check,
            acting_user=inspector,
            to=leader,
            text="本次抽查卫辉市社保中心待遇核定档案20件，发现2个问题，已反馈并下达整改要求，建议加强审核审批环节。",
        )


def _risks(today: datetime.date, weihui: Agency, huixian: Agency) -> None:
    for agency, head_name in ((weihui, "head_weihui"), (huixian, "head_huixian")):
        head = _user(head_name)
        staff = list(Person.objects.filter(agency=agency, is_active=True).order_by("position", "name"))
        for index, (
            title,
            category,
            article,
            likelihood,
            impact,
            description,
            controls,
            treatment,
            status,
            review_in,
        ) in enumerate(RISKS[agency.division.name]):
            if Risk.objects.filter(agency=agency, title=title).exists():
                continue
            actions.risk_create(
                acting_user=head,
                agency=agency,
                title=title,
                category=category,
                article=article,
                likelihood=likelihood,
                impact=impact,
                description=description,
                controls=controls,
                treatment=treatment,
                status=status,
                owner=staff[index % len(staff)] if staff else None,
                identified_on=today - datetime.timedelta(days=200),
                next_review_on=today + datetime.timedelta(days=review_in),
            )
        report_title = f"{agency}{today.year - 1}年度风险分析报告"
        if not RiskAnalysisReport.objects.filter(
            agency=agency, year=today.year - 1, period=ReportPeriod.ANNUAL
        ).exists():
            report = actions.risk_report_save(
                None,
                acting_user=head,
                agency=agency,
                year=today.year - 1,
                period=ReportPeriod.ANNUAL,
                title=report_title,
                analysis="全年共识别风险若干项，其中基金安全风险为重点；已对高等级风险落实应对措施，下一年度重点加强待遇发放和信息系统权限管理。",
                risks=Risk.objects.filter(agency=agency),
            )
            if agency == weihui:
                actions.risk_report_submit(report, acting_user=head)
        plan_title = "基金支付异常处置预案" if agency == weihui else "核心业务系统故障应急处置预案"
        if not DisposalPlan.objects.filter(agency=agency, title=plan_title).exists():
            category = RiskCategory.FUND_SAFETY if agency == weihui else RiskCategory.INFORMATION_SYSTEM
            plan = actions.plan_save(
                None,
                acting_user=head,
                agency=agency,
                title=plan_title,
                category=category,
                triggers="发现疑似冒领、重复支付或未经审批的资金划拨；核心业务系统中断超过30分钟。",
                steps="1. 立即暂停相关支付或启用应急受理；\n2. 30分钟内报告主要负责同志和市社保中心；\n3. 保全数据和凭证，查明原因；\n4. 追回资金或恢复系统，形成处置报告。",
                contacts="中心办公室 0373-5000000",
                risks=Risk.objects.filter(agency=agency, category=category),
                responsible=Person.objects.filter(agency=agency, position=Person.Position.HEAD).first(),
                last_drill_on=today - datetime.timedelta(days=60),
            )
            actions.plan_put_in_force(plan, acting_user=head, effective_on=today - datetime.timedelta(days=90))
    due = Risk.objects.filter(agency=weihui, title="待遇冒领风险").first()
    if due is not None and not due.reviews.exists():
        actions.risk_review(
            due,
            acting_user=_user("head_weihui"),
            likelihood=3,
            impact=5,
            status=Risk.Status.MONITORING,
            note="上季度比对发现2例死亡未报告，已暂停发放并追回。",
            reviewed_on=today - datetime.timedelta(days=95),
            next_review_on=today - datetime.timedelta(days=3),
        )


def _service(weihui: Agency, huixian: Agency) -> None:
    for agency, head_name in ((weihui, "head_weihui"), (huixian, "head_huixian")):
        head = _user(head_name)
        for item, limit, unit, legal, text in COMMITMENTS:
            if ServiceCommitment.objects.filter(agency=agency, item=item).exists():
                continue
            actions.service_commitment_save(
                None,
                acting_user=head,
                agency=agency,
                item=item,
                time_limit=limit,
                time_unit=unit,
                legal_limit=legal,
                commitment=text,
                basis="《社会保险法》及省、市经办规程",
            )
        for kind, title, content in RULES:
            if ServiceRule.objects.filter(agency=agency, kind=kind).exists():
                continue
            actions.service_rule_save(
                None, acting_user=head, agency=agency, kind=kind, title=f"{agency}{title}", content=content
            )


def _integrity(today: datetime.date, year: int, weihui: Agency, huixian: Agency) -> None:
    leader = _user("leader")
    leader_person = Person.objects.filter(user=leader).first()
    head_weihui = _user("head_weihui")
    duties = {
        Person.Position.HEAD: ("主持中心全面工作，对社会保险经办管理负总责。", "履行党风廉政建设第一责任人职责，对班子成员和中层干部廉政建设负领导责任。"),
        Person.Position.DEPUTY: ("分管待遇核定和基金财务工作。", "对分管科室的党风廉政建设负直接领导责任，定期开展廉政提醒。"),
        Person.Position.STAFF: ("负责本岗位经办业务，按规程审核、录入和归档。", "严守廉洁纪律，不利用经办权限为本人或他人谋取私利，主动接受监督。"),
    }  # fmt: skip
    for person in Person.objects.filter(agency=weihui, is_active=True).order_by("position", "name"):
        if ResponsibilityAssignment.objects.filter(person=person, year=year).exists():
            continue
        business, integrity = duties.get(person.position, duties[Person.Position.STAFF])
        by_city = person.position == Person.Position.HEAD
        actions.assignment_save(
            None,
            acting_user=leader if by_city else head_weihui,
            person=person,
            year=year,
            post=person.title or person.get_position_display(),
            business_duties=business,
            integrity_duties=integrity,
            assigned_by=leader_person if by_city else head_weihui.person,
            signed_on=datetime.date(year, 1, 1)
            + datetime.timedelta(days=min(40, (today - datetime.date(year, 1, 1)).days)),
        )
    for agency, head in ((weihui, head_weihui), (huixian, _user("head_huixian"))):
        if not IntegrityCommitment.objects.filter(agency=agency, year=year).exists():
            from integrity.forms import DEFAULT_COMMITMENT_TEXT

            actions.commitments_issue(
                acting_user=head,
                people=Person.objects.filter(agency=agency, is_active=True),
                year=year,
                text=str(DEFAULT_COMMITMENT_TEXT),
            )
            signers = ["head_weihui", "staff_weihui"] if agency == weihui else ["head_huixian"]
            for commitment in IntegrityCommitment.objects.filter(
                agency=agency, year=year, person__user__username__in=signers
            ):
                actions.commitment_sign(commitment, acting_user=commitment.person.user)
    # 廉政约谈 and 责任追究 are restricted: the city agency's leader is granted them in the demo.
    _grant("leader", "integrity.view_integritytalk", "integrity.add_integritytalk")
    _grant("leader", "supervision.view_accountabilityrecord", "supervision.add_accountabilityrecord")
    leader = User.objects.get(pk=leader.pk)  # fresh permission cache
    talked_to = Person.objects.filter(user__username="staff2_weihui").first()
    if talked_to is not None and not IntegrityTalk.objects.filter(person=talked_to).exists():
        talk = actions.talk_record(
            acting_user=leader,
            person=talked_to,
            kind=IntegrityTalk.Kind.REMINDER,
            held_on=today - datetime.timedelta(days=14),
            place="市社保中心三楼会议室",
            talked_by=f"市社保中心主任 {leader_person.name if leader_person else ''}".strip(),
            reason="群众反映其在办理待遇核定时多次要求重复提交材料，存在吃拿卡要苗头。",
            content="指出问题，重申廉洁纪律和服务承诺要求；本人说明情况并表示立即改正。",
            follow_up_due=today + datetime.timedelta(days=30),
        )
        actions.talk_follow_up(
            talk,
            acting_user=leader,
            happened_on=today - datetime.timedelta(days=7),
            text="回访窗口服务对象3人，未再反映类似问题。",
        )
    finding = (
        Finding.objects.filter(agency=weihui, article="第八条（四）", source=Finding.Source.CONTROL_INSPECTION)
        .filter(Q(title="支出户资金划拨缺少审批手续"))
        .first()
    )
    if finding is not None and not AccountabilityRecord.objects.filter(agency=weihui, source_id=finding.pk).exists():
        from supervision.actions.accountability import accountability_record

        accountability_record(
            acting_user=leader,
            agency=weihui,
            person=Person.objects.filter(user__username="staff2_weihui").first(),
            breach="违反基金支出审批程序，支出户资金划拨未经审批。",
            decision="对直接责任人批评教育，责令作出书面检查。",
            consequence=AccountabilityRecord.Consequence.CRITICISM,
            decided_by="卫辉市社会保险中心",
            decided_on=today - datetime.timedelta(days=2),
            source_record=finding,
            source_label=str(finding)[:200],
        )
