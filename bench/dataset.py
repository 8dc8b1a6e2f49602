"""The synthetic dataset: a province, a small city beside it, and a national ranking set, in bulk.

Three cities share the bench database:

- the province (`PROVINCE_CODE`): `counties` county-level divisions (150 at full scale), each with
  its bureau and agency, staff, a year of sign-ins, leaves, findings, complaints, fund inspections
  with their public disclosure, and five assessment years (three published, one confirmed and
  ready for the January reports, one being scored);
- a small city (`SMALL_CODE`, 10 counties and a tenth of the records): the second data size at
  which every page must make the same number of queries;
- the national ranking set (`NATIONAL_CODE`): 2,850 county agencies with one published year, and a
  year being scored that the score import writes to.

Rows are written with `bulk_create` (no history rows: history is written by actions, and the pages
measured here do not read it); only the few records the pages need as they are (users, catalogue)
go through the real actions and factories.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.utils import timezone

from assessment import actions as assessment_actions
from assessment.models import Assessment, AssessmentYear, CatalogueItem, Score, Team, TeamMember
from complaints.models import Complaint, tracking_hash
from supervision.models import (
    Agency,
    City,
    Division,
    Finding,
    Leave,
    LeaveKind,
    Person,
    SignIn,
)
from supervision.models.oversight import Disclosure, FundInspection
from supervision.permissions import Role, ensure_role_groups
from supervision.workdays import calendar_for

PROVINCE_CODE = "419900"
SMALL_CODE = "418800"
NATIONAL_CODE = "100000"
PASSWORD = "bench-password-123"  # noqa: S105 - a synthetic database on loopback
BATCH = 5000


@dataclass
class Scale:
    counties: int = 150
    small_counties: int = 10
    national: int = 2850
    staff: int = 15  # people of each county agency who sign in every working day
    leaves: int = 24  # per county agency
    findings: int = 20
    complaints: int = 20
    inspections: int = 4  # fund inspections of each county, one per past year, all disclosed but the last
    signin_days: int = 365
    import_counties: int = 358  # 358 × 14 items = 5,012 score rows to import

    @classmethod
    def named(cls, name: str) -> Scale:
        if name == "full":
            return cls()
        if name == "small":
            return cls(counties=30, national=600, staff=6, signin_days=90, import_counties=72)
        raise ValueError(f"unknown scale {name!r} (full or small)")


@dataclass
class CityData:
    city: City
    agencies: list[Agency]
    bureaus: list[Agency]
    city_bureau: Agency
    city_agency: Agency
    users: dict[str, User] = field(default_factory=dict)
    years: dict[str, int] = field(default_factory=dict)


@dataclass
class Dataset:
    province: CityData
    small: CityData
    national: CityData
    counts: dict[str, int] = field(default_factory=dict)


def _today() -> datetime.date:
    return timezone.localdate()


def _user(username: str, role: str, agency: Agency | None, position: str = Person.Position.STAFF) -> User:
    user = User(username=username, is_active=True)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=role))
    if agency is not None:
        Person.objects.create(user=user, name=f"{username}的姓名", agency=agency, position=position)
    return user


def _city(name: str, code: str, counties: int, tag: str) -> CityData:
    city = City.objects.create(name=name, code=code)
    city_bureau = Agency.objects.create(city=city, kind=Agency.Kind.CITY_BUREAU, name=f"{name}人力资源和社会保障局")
    city_agency = Agency.objects.create(city=city, kind=Agency.Kind.CITY_AGENCY, name=f"{name}社会保险中心")
    divisions = Division.objects.bulk_create(
        [
            Division(
                city=city, name=f"{tag}{n:04d}县", kind=Division.Kind.COUNTY, code=f"{code[:2]}{n:04d}{tag_code(tag)}"
            )
            for n in range(1, counties + 1)
        ],
        batch_size=BATCH,
    )
    bureaus = Agency.objects.bulk_create(
        [
            Agency(city=city, division=d, kind=Agency.Kind.COUNTY_BUREAU, name=f"{d.name}人力资源和社会保障局")
            for d in divisions
        ],
        batch_size=BATCH,
    )
    agencies = Agency.objects.bulk_create(
        [
            Agency(
                city=city,
                division=d,
                kind=Agency.Kind.COUNTY_AGENCY,
                name=f"{d.name}社会保险中心",
                short_name=f"{d.name}社保中心",
            )
            for d in divisions
        ],
        batch_size=BATCH,
    )
    for agency, division in zip(agencies, divisions, strict=True):
        agency.division = division
    return CityData(city, agencies, bureaus, city_bureau, city_agency)


def tag_code(tag: str) -> str:
    return {"省": "11", "小": "22", "国": "33"}[tag][:2]


def _personas(data: CityData, prefix: str) -> None:
    agency = data.agencies[0]
    roles = {
        "admin": (Role.SYSTEM_ADMIN, data.city_bureau, Person.Position.STAFF),
        "assessor": (Role.CITY_ASSESSOR, data.city_bureau, Person.Position.STAFF),
        "team": (Role.ASSESSMENT_TEAM, data.city_bureau, Person.Position.STAFF),
        "leader": (Role.CITY_AGENCY_LEADER, data.city_agency, Person.Position.MAIN_LEADER),
        "office": (Role.CITY_AGENCY_OFFICE, data.city_agency, Person.Position.OFFICE),
        "inspector": (Role.INSPECTOR, data.city_bureau, Person.Position.STAFF),
        "handler": (Role.COMPLAINT_HANDLER, data.city_bureau, Person.Position.STAFF),
        "head": (Role.COUNTY_HEAD, agency, Person.Position.HEAD),
        "staff": (Role.COUNTY_STAFF, agency, Person.Position.STAFF),
        "supervisor": (Role.SUPERVISOR, None, Person.Position.STAFF),
    }
    for key, (role, unit, position) in roles.items():
        data.users[key] = _user(f"{prefix}_{key}", role, unit, position)
    admin = data.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    data.users["inspector"].user_permissions.add(Permission.objects.get(codename="publish_disclosure"))


# ---------------------------------------------------------------------------------------------
# People and attendance


def _people(data: CityData, scale: Scale, fraction: float) -> dict[int, list[Person]]:
    per_agency = max(2, round(scale.staff * fraction)) if fraction < 1 else scale.staff
    people = Person.objects.bulk_create(
        [
            Person(agency=agency, name=f"{agency.short_name}职工{n:02d}", position=Person.Position.STAFF)
            for agency in data.agencies
            for n in range(per_agency)
        ]
        + [Person(agency=bureau, name=f"{bureau.division_id}局职工{n}") for bureau in data.bureaus for n in range(3)],
        batch_size=BATCH,
    )
    by_agency: dict[int, list[Person]] = {}
    for person in people:
        by_agency.setdefault(person.agency_id, []).append(person)
    return by_agency


def _sign_ins(data: CityData, people: dict[int, list[Person]], days: int) -> int:
    end = _today()
    start = end - datetime.timedelta(days=days)
    calendar = calendar_for(data.city.pk, start, end)
    working = [
        start + datetime.timedelta(days=n)
        for n in range(days)
        if calendar.is_working_day(start + datetime.timedelta(days=n))
    ]
    rng = random.Random(7)
    tz = timezone.get_current_timezone()
    total = 0
    batch: list[SignIn] = []
    for agency in data.agencies:
        for person in people.get(agency.pk, []):
            for day in working:
                if rng.random() < 0.04:
                    continue  # absent, on leave or forgot
                minute = rng.randint(0, 45)
                signed = datetime.datetime.combine(day, datetime.time(8, minute), tzinfo=tz)
                batch.append(SignIn(person=person, agency=agency, date=day, signed_at=signed, ip_address="10.0.0.1"))
                if len(batch) >= BATCH:
                    SignIn.objects.bulk_create(batch)
                    total += len(batch)
                    batch = []
    SignIn.objects.bulk_create(batch)
    return total + len(batch)


def _leaves(data: CityData, people: dict[int, list[Person]], per_agency: int) -> int:
    kinds = list(LeaveKind.objects.all())
    head = data.users["head"]
    rng = random.Random(11)
    today = _today()
    rows = []
    statuses = [Leave.Status.FILED, Leave.Status.RETURNED, Leave.Status.APPROVED, Leave.Status.SUBMITTED]
    for agency in data.agencies:
        staff = people.get(agency.pk, [])
        for n in range(per_agency):
            start = today - datetime.timedelta(days=rng.randint(-20, 360))
            status = statuses[0] if start < today - datetime.timedelta(days=30) else rng.choice(statuses)
            rows.append(
                Leave(
                    person=staff[n % len(staff)],
                    agency=agency,
                    kind=rng.choice(kinds),
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.randint(0, 3)),
                    working_days=Decimal("1.0"),
                    reason="家中有事。",
                    contact="13900000000",
                    status=status,
                    submitted_by=head,
                    decided_by=head if status != Leave.Status.SUBMITTED else None,
                    decided_at=timezone.now() if status != Leave.Status.SUBMITTED else None,
                )
            )
    Leave.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Findings, complaints, fund inspections and their disclosure


def _findings(data: CityData, people: dict[int, list[Person]], per_agency: int) -> int:
    inspector = data.users["inspector"]
    rng = random.Random(13)
    today = _today()
    rows = []
    for agency in data.agencies:
        for n in range(per_agency):
            found = today - datetime.timedelta(days=rng.randint(0, 700))
            status = rng.choice(list(Finding.Status))
            rows.append(
                Finding(
                    agency=agency,
                    article="第八条（四）",
                    severity=rng.choice(list(Finding.Severity)),
                    title=f"基金支出户存在未经审批的划拨（{n}）",
                    description="抽查发现1笔划拨无审批单。",
                    found_by=inspector,
                    found_on=found,
                    deadline=found + datetime.timedelta(days=30),
                    responsible=people[agency.pk][0],
                    status=status,
                    closed_at=timezone.now() if status == Finding.Status.CLOSED else None,
                )
            )
    Finding.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _complaints(data: CityData, per_agency: int, serial: list[int]) -> int:
    rng = random.Random(17)
    now = timezone.now()
    today = _today()
    rows = []
    for agency in data.agencies:
        for _n in range(per_agency):
            serial[0] += 1
            received = today - datetime.timedelta(days=rng.randint(0, 700))
            status = rng.choice(
                [
                    Complaint.Status.CLOSED,
                    Complaint.Status.REPLIED,
                    Complaint.Status.ACCEPTED,
                    Complaint.Status.RECEIVED,
                ]
            )
            accepted = status != Complaint.Status.RECEIVED
            rows.append(
                Complaint(
                    number=f"B{serial[0]:09d}",
                    tracking_hash=tracking_hash(f"BENCH{serial[0]:011d}"),
                    kind=rng.choice(list(Complaint.Kind)),
                    city=data.city,
                    agency=agency,
                    matter_type=rng.choice(list(Complaint.MatterType)),
                    title="养老金被无故停发",
                    description="2026年5月起我的养老金被停发，窗口人员不说明理由。",
                    contact_name="张三",
                    contact_phone="13903731234",
                    consent_at=now,
                    received_at=now - datetime.timedelta(days=(today - received).days),
                    received_on=received,
                    status=status,
                    unit=agency,
                    accept_due=received + datetime.timedelta(days=7),
                    accepted_on=received + datetime.timedelta(days=2) if accepted else None,
                    reply_working_days=10 if accepted else None,
                    reply_due=received + datetime.timedelta(days=20) if accepted else None,
                )
            )
    Complaint.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _inspections(data: CityData, per_agency: int) -> tuple[int, int]:
    inspector = data.users["inspector"]
    today = _today()
    inspections = []
    for agency in data.agencies:
        for n in range(per_agency):
            year = today.year - 1 - n
            concluded = n > 0 or per_agency == 1
            inspections.append(
                FundInspection(
                    organiser=data.city_bureau,
                    title=f"{agency.short_name}{year}年度社会保险基金专项检查",
                    period_start=datetime.date(year, 1, 1),
                    period_end=datetime.date(year, 12, 31),
                    started_on=datetime.date(year + 1, 3, 1),
                    ended_on=datetime.date(year + 1, 4, 30) if concluded else None,
                    leader=inspector,
                    scope="基金收支、管理情况",
                    conclusion="基金收支总体规范。" if concluded else "",
                    status=FundInspection.Status.CONCLUDED if concluded else FundInspection.Status.IN_PROGRESS,
                    created_by=inspector,
                )
            )
    inspections = FundInspection.objects.bulk_create(inspections, batch_size=BATCH)
    through = FundInspection.agencies.through
    agency_of = {}
    links = []
    for index, inspection in enumerate(inspections):
        agency = data.agencies[index // per_agency]
        agency_of[inspection.pk] = agency
        links.append(through(fundinspection_id=inspection.pk, agency_id=agency.pk))
    through.objects.bulk_create(links, batch_size=BATCH)
    now = timezone.now()
    disclosures = [
        Disclosure(
            inspection=inspection,
            title=f"{agency_of[inspection.pk].name}{inspection.period_start.year}年度基金专项检查结果",
            summary="未发现重大问题，发现的问题已全部整改。",
            year=inspection.period_start.year,
            organiser_name=data.city_bureau.name,
            agencies_text=agency_of[inspection.pk].name,
            period_start=inspection.period_start,
            period_end=inspection.period_end,
            inspected_from=inspection.started_on,
            inspected_to=inspection.ended_on,
            finding_count=3,
            rectified_count=3,
            decision_count=1,
            published_at=now - datetime.timedelta(days=30 * (today.year - inspection.period_start.year)),
            published_by=inspector,
            changed_at=now,
        )
        for inspection in inspections
        if inspection.status == FundInspection.Status.CONCLUDED
    ]
    disclosures = Disclosure.objects.bulk_create(disclosures, batch_size=BATCH)
    dthrough = Disclosure.divisions.through
    dthrough.objects.bulk_create(
        [dthrough(disclosure_id=d.pk, division_id=agency_of[d.inspection_id].division_id) for d in disclosures],
        batch_size=BATCH,
    )
    return len(inspections), len(disclosures)


# ---------------------------------------------------------------------------------------------
# The assessment


def _year(data: CityData, year: int) -> AssessmentYear:
    """A year with the default catalogue, made by the real action (few rows, and the catalogue is checked)."""
    return assessment_actions.year_create(acting_user=data.users["admin"], city=data.city, year=year)


def _scored_year(
    data: CityData, year: int, status: str, agencies: list[Agency] | None = None, *, rng: random.Random
) -> AssessmentYear:
    record = _year(data, year)
    now = timezone.now()
    record.status = (
        AssessmentYear.Status.PUBLISHED if status == Assessment.Status.PUBLISHED else AssessmentYear.Status.SCORING
    )
    record.opened_at = now - datetime.timedelta(days=60)
    if status == Assessment.Status.PUBLISHED:
        record.published_at = now - datetime.timedelta(days=30)
        record.published_by = data.users["admin"]
    record.save()
    items = list(record.items.all())
    team = Team.objects.create(year=record, name=f"{year}第一考核组", leader=data.users["team"])
    TeamMember.objects.create(team=team, user=data.users["team"])
    if agencies is not None:
        # The import year: the assessor is on the team too, so one sheet carries both tracks.
        TeamMember.objects.create(team=team, user=data.users["assessor"])
    scored = status != Assessment.Status.SCORING
    assessor, member = data.users["assessor"], data.users["team"]
    assessments = []
    points_of: list[dict[int, Decimal]] = []
    for agency in agencies if agencies is not None else data.agencies:
        points = {item.pk: item.max_points - Decimal(rng.randint(0, 8)) / 2 for item in items}
        basic = sum(points[i.pk] for i in items if i.track == "basic")
        target = sum(points[i.pk] for i in items if i.track == "target")
        final = (basic * record.basic_weight + target * record.target_weight).quantize(Decimal("0.01"))
        assessments.append(
            Assessment(
                year=record,
                agency=agency,
                team=team,
                status=status,
                basic_total=basic if scored else Decimal("0"),
                target_total=target if scored else Decimal("0"),
                final_score=final if scored else None,
                basic_submitted_at=now if scored else None,
                basic_submitted_by=assessor if scored else None,
                target_submitted_at=now if scored else None,
                target_submitted_by=member if scored else None,
                confirmed_at=now - datetime.timedelta(days=40) if scored else None,
                confirmed_by=assessor if scored else None,
                objection_deadline=_today() - datetime.timedelta(days=20) if scored else None,
            )
        )
        points_of.append(points)
    assessments = Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    scores = []
    for assessment, points in zip(assessments, points_of, strict=True):
        for item in items:
            scored_by = (assessor if item.track == "basic" else member) if scored else None
            scores.append(
                Score(
                    assessment=assessment,
                    item=item,
                    max_points=item.max_points,
                    points=points[item.pk] if scored else None,
                    comment=f"{item.name}评分说明" if scored else "",
                    scored_by=scored_by,
                    scored_at=now if scored else None,
                )
            )
    Score.objects.bulk_create(scores, batch_size=BATCH)
    return record


def _assessment(data: CityData, current: int) -> dict[str, int]:
    """Five years: three published, the last year confirmed (the January reports), this year being scored."""
    rng = random.Random(19)
    years = {}
    for year in range(current - 4, current - 1):
        years[f"published_{year}"] = _scored_year(data, year, Assessment.Status.PUBLISHED, rng=rng).year
    data.years["published"] = current - 2
    data.years["confirmed"] = _scored_year(data, current - 1, Assessment.Status.CONFIRMED, rng=rng).year
    data.years["scoring"] = _scored_year(data, current, Assessment.Status.SCORING, rng=rng).year
    return years


# ---------------------------------------------------------------------------------------------


def _populate(
    data: CityData, scale: Scale, fraction: float, serial: list[int], counts: dict[str, int], tag: str
) -> None:
    people = _people(data, scale, fraction)
    counts[f"{tag} people"] = sum(len(v) for v in people.values())
    counts[f"{tag} sign-ins"] = _sign_ins(data, people, scale.signin_days)
    counts[f"{tag} leaves"] = _leaves(data, people, max(2, round(scale.leaves * fraction)))
    counts[f"{tag} findings"] = _findings(data, people, max(2, round(scale.findings * fraction)))
    counts[f"{tag} complaints"] = _complaints(data, max(2, round(scale.complaints * fraction)), serial)
    inspections, disclosures = _inspections(data, scale.inspections)
    counts[f"{tag} fund inspections"] = inspections
    counts[f"{tag} disclosures"] = disclosures
    _assessment(data, _today().year)
    counts[f"{tag} assessments"] = Assessment.objects.filter(year__city=data.city).count()
    counts[f"{tag} scores"] = Score.objects.filter(assessment__year__city=data.city).count()


def build(scale: Scale, log: Any = print) -> Dataset:
    ensure_role_groups()
    LeaveKind.objects.ensure_defaults()
    counts: dict[str, int] = {}
    serial = [0]
    with transaction.atomic():
        province = _city("省域市", PROVINCE_CODE, scale.counties, "省")
        _personas(province, "p")
        log(f"  province: {scale.counties} counties")
        _populate(province, scale, 1.0, serial, counts, "province")
        log("  province populated")
        small = _city("小型市", SMALL_CODE, scale.small_counties, "小")
        _personas(small, "s")
        _populate(small, scale, 0.1, serial, counts, "small")
        log("  small city populated")
        national = _city("全国排名集", NATIONAL_CODE, scale.national, "国")
        _personas(national, "n")
        rng = random.Random(23)
        current = _today().year
        national.years["published"] = _scored_year(national, current - 2, Assessment.Status.PUBLISHED, rng=rng).year
        national.years["scoring"] = _scored_year(
            national, current, Assessment.Status.SCORING, national.agencies[: scale.import_counties], rng=rng
        ).year
        counts["national assessments"] = Assessment.objects.filter(year__city=national.city).count()
        log(f"  national ranking set: {scale.national} counties")
    return Dataset(province, small, national, counts)


def load() -> Dataset:
    """The dataset already in the database (for runs that skip the build)."""

    def city(code: str, prefix: str) -> CityData:
        record = City.objects.get(code=code)
        agencies = list(
            Agency.objects.filter(city=record, kind=Agency.Kind.COUNTY_AGENCY)
            .select_related("division")
            .order_by("division__code")
        )
        bureaus = list(Agency.objects.filter(city=record, kind=Agency.Kind.COUNTY_BUREAU).order_by("division__code"))
        data = CityData(
            record,
            agencies,
            bureaus,
            Agency.objects.get(city=record, kind=Agency.Kind.CITY_BUREAU),
            Agency.objects.get(city=record, kind=Agency.Kind.CITY_AGENCY),
        )
        data.users = {u.username.split("_", 1)[1]: u for u in User.objects.filter(username__startswith=f"{prefix}_")}
        years = dict(AssessmentYear.objects.filter(city=record).values_list("status", "year"))
        current = _today().year
        data.years = {"published": current - 2, "confirmed": current - 1, "scoring": current}
        if years.get(AssessmentYear.Status.SCORING) is None:
            data.years.pop("scoring")
        return data

    return Dataset(city(PROVINCE_CODE, "p"), city(SMALL_CODE, "s"), city(NATIONAL_CODE, "n"))


def catalogue_items(year: AssessmentYear) -> list[CatalogueItem]:
    return list(year.items.order_by("track", "position"))
