"""Demo organisation: 新乡市 with its twelve county-level divisions, units, people and accounts.

Every step is get-or-create on a natural key, so running `seed_demo` twice changes nothing.
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User

from supervision.models import Agency, City, Division, Person, VerticalManagement
from supervision.permissions import Role, ensure_role_groups

CITY = ("新乡市", "410700")

# (name, kind, code, account slug or None): SPEC's twelve county-level divisions of Xinxiang.
DIVISIONS = [
    ("红旗区", Division.Kind.DISTRICT, "410702", "hongqi"),
    ("卫滨区", Division.Kind.DISTRICT, "410703", None),
    ("凤泉区", Division.Kind.DISTRICT, "410704", None),
    ("牧野区", Division.Kind.DISTRICT, "410711", None),
    ("新乡县", Division.Kind.COUNTY, "410721", None),
    ("获嘉县", Division.Kind.COUNTY, "410724", None),
    ("原阳县", Division.Kind.COUNTY, "410725", None),
    ("延津县", Division.Kind.COUNTY, "410726", None),
    ("封丘县", Division.Kind.COUNTY, "410727", None),
    ("卫辉市", Division.Kind.COUNTY_CITY, "410781", "weihui"),
    ("辉县市", Division.Kind.COUNTY_CITY, "410782", "huixian"),
    ("长垣市", Division.Kind.COUNTY_CITY, "410783", None),
]

# Urban districts whose agencies the city agency manages vertically (垂直管理), every demo year.
VERTICAL = {"红旗区", "卫滨区", "牧野区"}
DEMO_YEARS = range(2023, 2027)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "建国",
    "秀英",
    "志强",
    "丽娟",
    "海燕",
    "伟",
    "静",
    "军",
    "敏",
    "磊",
    "洋",
    "艳",
    "勇",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
]


def demo_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    roles: tuple[str, ...]
    agency_key: str  # "city_bureau", "city_agency" or a division slug
    position: str
    title: str


CITY_ACCOUNTS = [
    DemoAccount("admin", (Role.SYSTEM_ADMIN,), "city_bureau", Person.Position.STAFF, "信息中心主任"),
    DemoAccount("assessor", (Role.CITY_ASSESSOR,), "city_bureau", Person.Position.STAFF, "社会保险事业管理科科长"),
    DemoAccount("team_a", (Role.ASSESSMENT_TEAM,), "city_bureau", Person.Position.STAFF, "考核第一组组长"),
    DemoAccount("team_b", (Role.ASSESSMENT_TEAM,), "city_bureau", Person.Position.STAFF, "考核第二组组长"),
    DemoAccount("inspector", (Role.INSPECTOR,), "city_bureau", Person.Position.STAFF, "基金监督科科长"),
    DemoAccount("handler", (Role.COMPLAINT_HANDLER,), "city_bureau", Person.Position.STAFF, "信访科科员"),
    DemoAccount("leader", (Role.CITY_AGENCY_LEADER,), "city_agency", Person.Position.MAIN_LEADER, "主任"),
    DemoAccount("office", (Role.CITY_AGENCY_OFFICE,), "city_agency", Person.Position.OFFICE, "办公室主任"),
    DemoAccount("personnel", (Role.CITY_AGENCY_OFFICE,), "city_agency", Person.Position.PERSONNEL, "人事科科长"),
]


def county_accounts(slug: str) -> list[DemoAccount]:
    return [
        DemoAccount(f"head_{slug}", (Role.COUNTY_HEAD,), slug, Person.Position.HEAD, "主任"),
        DemoAccount(f"deputy_{slug}", (Role.COUNTY_STAFF,), slug, Person.Position.DEPUTY, "副主任"),
        DemoAccount(f"staff_{slug}", (Role.COUNTY_STAFF,), slug, Person.Position.STAFF, "经办员"),
        DemoAccount(f"staff2_{slug}", (Role.COUNTY_STAFF,), slug, Person.Position.STAFF, "经办员"),
    ]


# The supervisor (人大代表、政协委员、社保委员会委员) works outside the bureau: an account, no unit.
SUPERVISOR_ACCOUNT = "supervisor"


def seed_organisation(**_options: object) -> None:
    ensure_role_groups()
    city, _ = City.objects.get_or_create(code=CITY[1], defaults={"name": CITY[0]})
    agencies = {
        "city_bureau": _agency(city, None, Agency.Kind.CITY_BUREAU, "新乡市人力资源和社会保障局", "市人社局"),
        "city_agency": _agency(city, None, Agency.Kind.CITY_AGENCY, "新乡市社会保险中心", "市社保中心"),
    }
    accounts = list(CITY_ACCOUNTS)
    for index, (name, kind, code, slug) in enumerate(DIVISIONS):
        division, _ = Division.objects.get_or_create(code=code, defaults={"city": city, "name": name, "kind": kind})
        _agency(city, division, Agency.Kind.COUNTY_BUREAU, f"{name}人力资源和社会保障局", f"{name}人社局")
        agency = _agency(city, division, Agency.Kind.COUNTY_AGENCY, f"{name}社会保险中心", f"{name}社保中心")
        if name in VERTICAL:
            for year in DEMO_YEARS:
                VerticalManagement.objects.get_or_create(agency=agency, year=year, defaults={"is_vertical": True})
        if slug:
            agencies[slug] = agency
            accounts += county_accounts(slug)
        else:
            _person(agency, demo_name(100 + index), Person.Position.HEAD, "主任")
            _person(agency, demo_name(200 + index), Person.Position.DEPUTY, "副主任")
    for index, account in enumerate(accounts):
        _account(account, agencies[account.agency_key], demo_name(index))
    _user(SUPERVISOR_ACCOUNT, (Role.SUPERVISOR,), "人大代表", "")
    _demo_authenticator(User.objects.get(username="admin"))


# System administrators must sign in in two steps; the demo admin's authenticator has a published
# key so that anyone trying the demo can add it to an app, or read the code with `manage.py demo_otp`.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"


def _demo_authenticator(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )


def _agency(city: City, division: Division | None, kind: str, name: str, short_name: str) -> Agency:
    agency, _ = Agency.objects.get_or_create(
        name=name,
        defaults={
            "city": city,
            "division": division,
            "kind": kind,
            "short_name": short_name,
            "work_starts_at": datetime.time(8, 30),
            "phone": f"0373-{3000000 + zlib.crc32(name.encode()) % 999999}",
        },
    )
    return agency


def _person(agency: Agency, name: str, position: str, title: str, user: User | None = None) -> Person:
    person, _ = Person.objects.get_or_create(
        agency=agency, name=name, defaults={"position": position, "title": title, "user": user}
    )
    return person


def _user(username: str, roles: tuple[str, ...], first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.is_staff = Role.SYSTEM_ADMIN in roles
        user.is_superuser = Role.SYSTEM_ADMIN in roles
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
    return user


def _account(account: DemoAccount, agency: Agency, name: str) -> Person:
    user = _user(account.username, account.roles, name, "")
    return _person(agency, name, account.position, account.title, user=user)


# (division, article, severity, title, description, days found ago, days to deadline, outcome)
DEMO_FINDINGS = [
    ("卫辉市", "第八条（四）", "major", "基金支出户存在未经审批的划拨",
     "抽查2026年第三季度支出户流水，发现1笔12,000元划拨无审批单。", 12, 18, "open"),
    ("卫辉市", "第七条（二）", "minor", "征缴部门与财务部门未按月对账",
     "2026年5月、6月对账单缺失，未见双方签字。", 20, 10, "answered"),
    ("辉县市", "第九条（三）", "minor", "系统操作员权限未定期复核",
     "3名已调岗人员的核心业务系统账号仍处于启用状态。", 45, 15, "closed"),
    ("辉县市", "第七条（五）", "major", "业务档案未按规定立卷归档",
     "2025年待遇核定档案约200卷未立卷，存放于办公室。", 30, 20, "rejected"),
    ("红旗区", "第八条（三）", "severe", "待遇发放前审核缺少复核环节",
     "养老待遇发放仅一人审核，未见复核记录，存在冒领风险。", 40, -10, "overdue"),
]  # fmt: skip


def seed_findings(**_options: object) -> None:
    from supervision.actions import findings as actions
    from supervision.models import Finding
    from supervision.models.findings import local_today

    inspector = User.objects.get(username="inspector")
    today = local_today()
    for division, article, severity, title, description, ago, due, outcome in DEMO_FINDINGS:
        agency = Agency.objects.get(division__name=division, kind=Agency.Kind.COUNTY_AGENCY)
        if Finding.objects.filter(agency=agency, title=title).exists():
            continue
        finding = actions.finding_raise(
            acting_user=inspector,
            agency=agency,
            article=article,
            severity=severity,
            title=title,
            description=description,
            suggestion="请对照制度要求逐项整改，并附整改前后的证明材料。",
            found_on=today - datetime.timedelta(days=ago),
            deadline=today + datetime.timedelta(days=due),
            source=Finding.Source.CONTROL_INSPECTION,
            source_label="2026年度内控检查",
        )
        head = User.objects.filter(person__agency=agency, person__position=Person.Position.HEAD).first()
        if outcome in {"answered", "closed", "rejected"} and head is not None:
            actions.finding_answer(finding, acting_user=head, text="已完成整改，相关材料已补齐。")
        if outcome == "closed":
            actions.finding_verify(finding, acting_user=inspector, accepted=True, text="经现场核验，整改到位。")
        if outcome == "rejected":
            actions.finding_verify(
                finding, acting_user=inspector, accepted=False, text="仍有约50卷未归档，请继续整改。"
            )
    actions.mark_overdue_findings(today)
