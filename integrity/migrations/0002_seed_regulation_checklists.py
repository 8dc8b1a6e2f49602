"""Seed the internal-control checklists of 第七条至第十条, verbatim from 新人社〔2017〕150号.

Each article becomes a checklist with version 1 holding its items in the regulation's order and
wording, numbered as the regulation numbers them ("第八条（四）").
"""

from django.db import migrations

NUMERALS = "一二三四五六七八九十"

# (article, label, area, title, lead, items): the regulation's own text, punctuation included.
CHECKLISTS = [
    (
        7,
        "第七条",
        "business_operation",
        "业务运行控制制度",
        "规范业务运行控制制度，重点管理以下工作事项：依据有关法规政策要求，制定各项社会保险业务操作管理办法和工作制度，",
        [
            "贯彻落实社会保险业务运行的相关法律、法规以及国家和省的规定的情况，明确各项业务环节操作流程，核定业务数据；",
            "征缴部门与财务部门按规定定期对账情况；",
            "与参保单位或个人核对个人账户信息，按规定计算利息情况；",
            "健全完善审核审批程序情况；",
            "建立业务档案资料管理制度，严格执行经办过程中涉及的相关资料存档、归档、立卷、保管的规定情况。",
        ],
    ),
    (
        8,
        "第八条",
        "fund_safety",
        "基金安全管理制度",
        "严格基金安全管理制度，重点管理以下工作事项：",
        [
            "贯彻落实社会保险基金相关法律、法规以及国家和省的规定情况；",
            "社会保险费核定和划入社会保障基金财政专户情况；",
            "社会保险基金支出的审核、结算和社会保险待遇发放情况；",
            "社会保险基金收入户、支出户和基金财政专户等各类银行账户开设、管理及其基金的存储、划拨、结存情况；",
            "社会保险基金预算编制、执行、调整和决算情况以及财务收支计划编制和执行情况；",
            "依法需要管理的其他事项。",
        ],
    ),
    (
        9,
        "第九条",
        "information_system",
        "信息系统控制制度",
        "完善信息系统控制制度，重点管理以下工作事项：",
        [
            "贯彻落实社会保险信息系统建设的相关法律、法规以及国家和省的规定，规范业务系统和数据库，制定与业务流程相匹配的信息系统操作流程等制度的情况；",
            "核心业务经办信息系统操作办理情况；",
            "明确业务操作人员、系统维护人员的职责和权限，按信息系统操作流程的规定录入、修改、访问、使用、维护数据，并建立应急处理预案情况；",
        ],
    ),
    (
        10,
        "第十条",
        "internal_control",
        "内控管理制度",
        "严肃内控管理制度，重点管理以下工作事项：",
        [
            "贯彻落实社会保险内控管理监督的相关法律、法规以及国家和省的规定，根据人社部发〔2017〕2号文件要求，制定具体实施细则和内控管理规范，并在单位内部公开，有效执行。",
            "对各项业务定期抽查，并将相关情况及时反馈业务部门，报告主要领导，提出意见、建议并对发现的问题督促整改；",
            "建立风险识别评估监控体系，实行风险分析报告制度，制订风险处置预案。",
        ],
    ),
]


def seed(apps, schema_editor):
    Checklist = apps.get_model("integrity", "Checklist")
    ChecklistVersion = apps.get_model("integrity", "ChecklistVersion")
    ChecklistItem = apps.get_model("integrity", "ChecklistItem")
    for article, label, area, title, lead, items in CHECKLISTS:
        checklist, _ = Checklist.objects.get_or_create(
            article=article, defaults={"article_label": label, "area": area, "title": title, "lead": lead}
        )
        version, created = ChecklistVersion.objects.get_or_create(
            checklist=checklist, number=1, defaults={"note": "依据新人社〔2017〕150号初始建立"}
        )
        if not created:
            continue
        for position, text in enumerate(items, start=1):
            ChecklistItem.objects.create(
                version=version, position=position, code=f"{label}（{NUMERALS[position - 1]}）", text=text
            )


def unseed(apps, schema_editor):
    Checklist = apps.get_model("integrity", "Checklist")
    ChecklistVersion = apps.get_model("integrity", "ChecklistVersion")
    ChecklistItem = apps.get_model("integrity", "ChecklistItem")
    articles = [entry[0] for entry in CHECKLISTS]
    ChecklistItem.objects.filter(version__checklist__article__in=articles).delete()
    ChecklistVersion.objects.filter(checklist__article__in=articles).delete()
    Checklist.objects.filter(article__in=articles).delete()


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
