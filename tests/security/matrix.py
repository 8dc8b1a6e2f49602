"""The authorization matrix: for every URL name of the portal, what each role gets.

Adding a URL? Add a row here, or `test_every_url_name_has_a_row` fails:

1. Find the records the view needs in `tests/security/world.py` (`world.a.<record>` is county A's,
   `world.b.<record>` county B's; add one there, built through the real actions, if it is missing —
   with `side.mark` in its free text, so that a leak of county B's record to a county-A user shows).
2. Add `get(...)` for a page or a download, `post(...)` for a state change (a form page that also
   changes state gets both). `args` gives the URL's keyword arguments for one county: the matrix calls
   it with county A for every role and with county B for `head_x`, the county-A head acting on
   county B's records (`county=False` when the arguments name no county's record, e.g. a year).
   `data` gives a *valid* POST body, so that a role that may act really succeeds (a 302 or 200 that
   carries an error message counts as a failure unless the row names the actor in `refused="..."`);
   `prepare` puts the record in the state the row needs (it runs inside the cell, rolled back after).
3. Write `expect` as `"<status> <actors> | <status> <actors> | ..."`, naming every actor of `ACTORS`
   exactly once except `anon` (a staff page sends the anonymous visitor to the sign-in page unless the
   row says otherwise). Groups: `CITY` (the six city-level staff roles), `COUNTY` (`head staff`).
   `login` means a redirect to the sign-in page. A form that creates a county's record takes
   `cross_data=True` and `refused_for_b(...)`: `data` is then called with county B for `head_x`, whose
   form must be refused. Work the statuses out from the rules of
   `supervision/permissions.py` and the view — never copy them from a run — and explain surprises in `note`.

The admin site (`admin:*`) is covered by a rule in the test module instead of rows: system
administrators get in, everyone else is sent to sign in.

Denials are 403 (an insider without the right) or 404 (an outsider, another county's record). The
runner also repeats every county-B request of `head_x` as an htmx request (`HX-Request: true`), asks
every page without a county record in its URL for county B through the list filters (`?agency=`,
`?unit=`), and searches every page and export a county-A user or the public receives for county B's marker text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from tests.security.world import SECRET, Side, World, half_years, pdf, score_sheet, sign_in_sheet, today

ACTORS = (
    "anon",
    "admin",
    "assessor",
    "team",
    "leader",
    "office",
    "head",
    "staff",
    "inspector",
    "handler",
    "supervisor",
    "head_x",
)
# Which role each actor holds (the county-A head acting on county B is still a county head).
ROLE_OF = {
    "admin": "system_admin",
    "assessor": "city_assessor",
    "team": "assessment_team",
    "leader": "city_agency_leader",
    "office": "city_agency_office",
    "head": "county_head",
    "staff": "county_staff",
    "inspector": "inspector",
    "handler": "complaint_handler",
    "supervisor": "supervisor",
    "head_x": "county_head",
}
GROUPS = {
    "CITY": ("assessor", "team", "leader", "office", "inspector", "handler"),
    "COUNTY": ("head", "staff"),
}
# Whose pages must never show county B's marker: county A's people, and the public (county B's
# withdrawn disclosure carries it too). City-level staff and the supervisor legitimately see county B.
LEAK_CHECKED = ("anon", "head", "staff", "head_x")
LOGIN = "login"
STATUSES = {200, 302, 400, 403, 404, 405, 409, LOGIN}

Args = Callable[[World, Side], dict[str, Any]]


def parse(expect: str, *, public: bool = False) -> dict[str, int | str]:
    """`"200 admin CITY | 404 supervisor head_x"` → a status for every actor (anonymous: login)."""
    cells: dict[str, int | str] = {}
    for group in expect.split("|"):
        status_text, *names = group.split()
        status: int | str = status_text if status_text == LOGIN else int(status_text)
        assert status in STATUSES, f"unknown status {status_text!r} in {expect!r}"
        for name in names:
            for actor in GROUPS.get(name, (name,)):
                assert actor in ACTORS, f"unknown actor {actor!r} in {expect!r}"
                assert actor not in cells, f"{actor} named twice in {expect!r}"
                cells[actor] = status
    if "anon" not in cells:
        assert not public, f"a public row must say what the anonymous visitor gets: {expect!r}"
        cells["anon"] = LOGIN
    missing = [actor for actor in ACTORS if actor not in cells]
    assert not missing, f"{expect!r} says nothing about {', '.join(missing)}"
    return cells


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: dict[str, int | str]
    args: Args | None = None
    data: Args | None = None
    query: dict[str, str] | None = None
    prepare: Callable[[World, Side, Any], None] | None = None
    htmx: bool = False
    cross: bool = False  # the URL names a county's record: head_x gets county B's
    refused: str = ""  # actors whose POST the workflow refuses with a message (a 302 or 200 must carry one)
    cross_data: bool = False  # head_x posts the form with county B's agency, people and records in it
    headers: dict[str, str] | None = None
    variant: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}" + (f" [{self.variant}]" if self.variant else "")


def get(name: str, expect: str, args: Args | None = None, *, public: bool = False, **options: Any) -> Row:
    options.setdefault("cross", args is not None and options.pop("county", True))
    return Row(name, "GET", parse(expect, public=public), args, **options)


def post(
    name: str, expect: str, args: Args | None = None, data: Args | None = None, *, public: bool = False, **options: Any
) -> Row:
    options.setdefault("cross", args is not None and options.pop("county", True))
    return Row(name, "POST", parse(expect, public=public), args, data, **options)


def refused_for_b(expect: str) -> str:
    """head_x fills the same form with county B's agency or people: refused as invalid (400), nothing written."""
    groups = []
    for group in expect.split("|"):
        names = [name for name in group.split() if name != "head_x"]
        if len(names) > 1:
            groups.append(" ".join(names))
    return " | ".join([*groups, "400 head_x"])


def version(record: Any) -> int:
    """The stored version (the world's instances may be older than the row)."""
    return type(record).objects.values_list("version", flat=True).get(pk=record.pk)


def day(offset: int = 0) -> str:
    return (today() + datetime.timedelta(days=offset)).isoformat()


def moment(hours: int = 0) -> str:
    return (timezone.localtime() + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def pk(record: str) -> Args:
    return lambda w, s: {"pk": getattr(s, record).pk}


def token(record: str) -> Args:
    return lambda w, s: {"token": getattr(s, record).token}


def agency(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.agency.pk}


# ---------------------------------------------------------------------------------------------
# The platform

EVERYONE = "admin CITY COUNTY supervisor head_x"

PLATFORM = [
    get("public:home", f"200 anon {EVERYONE}", public=True),
    get("healthz", f"200 anon {EVERYONE}", public=True, note="liveness probe: plain text, no database"),
    get("login", f"200 anon | 302 {EVERYONE}", public=True, note="signed-in users are sent on to their work"),
    get("two_factor", f"200 {EVERYONE}"),
    post("logout", f"302 anon {EVERYONE}", public=True),
    get("password_change", f"200 {EVERYONE}"),
    get("password_change_done", f"200 {EVERYONE}"),
    post("set_language", f"302 anon {EVERYONE}", data=lambda w, s: {"language": "en", "next": "/"}, public=True),
    get("dashboard", f"200 {EVERYONE}"),
    get("org:agency_list", f"200 {EVERYONE}"),
    get("org:agency_detail", "200 admin CITY COUNTY | 404 supervisor head_x", agency),
    get("notifications:list", f"200 {EVERYONE}"),
    post(
        "notifications:open",
        "302 head | 404 admin CITY staff supervisor head_x",
        lambda w, s: {"pk": (w.notification_a if s.name == "A" else w.notification_b).pk},
        note="one's own notifications only",
    ),
    post("notifications:read_all", f"302 {EVERYONE}"),
]

# ---------------------------------------------------------------------------------------------
# Evidence files: one row per kind of record they belong to

DOWNLOADS = [
    get(
        "attachment_download", "200 admin CITY COUNTY | 404 supervisor head_x", token("finding_file"), variant="finding"
    ),
    get(
        "attachment_download",
        "200 admin inspector office leader | 404 assessor team handler COUNTY supervisor head_x",
        token("discipline_visit_file"),
        variant="discipline visit",
    ),
    get(
        "attachment_download",
        "200 admin CITY COUNTY supervisor | 404 head_x",
        token("activity_file"),
        variant="channel activity",
        note="the supervisor's channel (人大) recorded the activity",
    ),
    get("attachment_download", "200 admin CITY COUNTY | 404 supervisor head_x", token("report_file"), variant="report"),
    get("attachment_download", "200 admin CITY COUNTY | 404 supervisor head_x", token("visit_file"), variant="visit"),
    get("attachment_download", "200 admin CITY COUNTY | 404 supervisor head_x", token("order_file"), variant="order"),
    get(
        "attachment_download",
        "200 admin CITY COUNTY | 404 supervisor head_x",
        token("decision_file"),
        variant="decision",
    ),
    get(
        "attachment_download",
        "200 admin inspector | 404 assessor team leader office handler COUNTY supervisor head_x",
        token("inquiry_file"),
        variant="inquiry",
    ),
    get(
        "attachment_download",
        "200 admin assessor team leader | 404 office handler inspector COUNTY supervisor head_x",
        token("score_file"),
        variant="score evidence",
        note="scores in progress: not yet the county's",
    ),
    get(
        "attachment_download",
        "200 admin assessor team leader | 404 office handler inspector COUNTY supervisor head_x",
        token("site_visit_file"),
        variant="site visit",
    ),
    get(
        "attachment_download",
        "200 admin assessor team leader head | 404 office handler inspector staff supervisor head_x",
        token("objection_file"),
        variant="objection",
    ),
    get(
        "attachment_download",
        "200 admin handler | 404 assessor team leader office inspector COUNTY supervisor head_x",
        token("complaint_file"),
        variant="complaint intake",
        note="not yet routed: the city bureau's desk",
    ),
    get(
        "attachment_download",
        "200 admin handler head | 404 assessor team leader office inspector staff supervisor head_x",
        token("complaint_note_file"),
        variant="complaint handling",
    ),
]

# ---------------------------------------------------------------------------------------------
# Findings and rectification

INSPECTORS_ONLY = "200 admin inspector | 403 assessor team leader office handler COUNTY supervisor head_x"


def _finding_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": w.a.agency.pk,
        "source": "other",
        "article": "第八条（四）",
        "severity": "major",
        "title": "基金支出户存在未经审批的划拨",
        "description": "抽查发现1笔划拨无审批单。",
        "deadline": day(20),
    }


VERIFIERS = "302 admin inspector | 403 assessor team leader office handler COUNTY | 404 supervisor head_x"

FINDINGS = [
    get("findings:list", f"200 {EVERYONE}"),
    get("findings:export", f"200 {EVERYONE}"),
    get("findings:new", INSPECTORS_ONLY),
    post("findings:new", INSPECTORS_ONLY.replace("200", "302"), data=_finding_data),
    get("findings:detail", "200 admin CITY COUNTY | 404 supervisor head_x", pk("finding")),
    post(
        "findings:answer",
        "302 admin head | 403 CITY staff | 404 supervisor head_x",
        pk("finding"),
        lambda w, s: {"text": "已整改。", "version": version(s.finding)},
    ),
    post(
        "findings:verify",
        VERIFIERS,
        pk("finding_answered"),
        lambda w, s: {"decision": "accept", "text": "", "version": version(s.finding_answered)},
    ),
    post(
        "findings:reopen",
        VERIFIERS,
        pk("finding_closed"),
        lambda w, s: {"reason": "复查发现反弹。", "deadline": day(20), "version": version(s.finding_closed)},
    ),
    post(
        "findings:deadline",
        VERIFIERS,
        pk("finding"),
        lambda w, s: {"reason": "单位申请延期。", "deadline": day(40), "version": version(s.finding)},
    ),
    post(
        "findings:withdraw",
        VERIFIERS,
        pk("finding"),
        lambda w, s: {"reason": "经复核系误报。", "version": version(s.finding)},
        note="a finding raised in error is withdrawn with a reason, never deleted",
    ),
]

# ---------------------------------------------------------------------------------------------
# Attendance and leave (第五条)

WITH_A_UNIT = "admin CITY COUNTY head_x"
OVERSEERS = "200 admin leader office head | 403 assessor team inspector handler staff | 404 supervisor head_x"
# An import is its uploader's (the head): others who oversee the agency get 404, as for a score import.
IMPORT_OWNER = "200 head | 403 assessor team inspector handler staff | 404 admin leader office supervisor head_x"
VISITORS = "200 admin inspector office leader | 403 assessor team handler COUNTY supervisor head_x"


def _leave_data(w: World, s: Side, user_key: str = "") -> dict[str, Any]:
    return {
        "kind": w.leave_kind.pk,
        "start_date": w.leave_day.isoformat(),
        "start_half": "am",
        "end_date": w.leave_day.isoformat(),
        "end_half": "pm",
        "reason": "外出办事。",
        "contact": "13900000001",
        "acting_person": s.deputy.person.pk,
    }


def _visit_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": w.a.agency.pk,
        "visited_at": moment(-1),
        "method": "unannounced",
        "notes": "上午抽查。",
        f"person_{w.a.clerk.pk}": "absent",
    }


ATTENDANCE = [
    get("attendance:home", f"200 {WITH_A_UNIT} | 403 supervisor", note="a supervisor belongs to no unit"),
    post("attendance:sign_in", f"302 {WITH_A_UNIT} | 403 supervisor"),
    post("attendance:sign_in", f"200 {WITH_A_UNIT} | 403 supervisor", htmx=True, variant="htmx"),
    get(
        "attendance:overview",
        "200 admin leader office head head_x | 403 assessor team inspector handler staff supervisor",
        note="a county head's overview is their own agency",
    ),
    get("attendance:agency_day", OVERSEERS, agency),
    get("attendance:agency_month", OVERSEERS, agency),
    get("attendance:agency_month_export", OVERSEERS, agency),
    get("attendance:import_upload", OVERSEERS, agency),
    post(
        "attendance:import_upload",
        "302 admin leader office head | 403 assessor team inspector handler staff | 404 supervisor head_x",
        agency,
        lambda w, s: {"file": sign_in_sheet(s, today() - datetime.timedelta(days=40))},
        note="the same people who see the agency's month import its attendance machine's records",
    ),
    get("attendance:import_template", OVERSEERS, agency),
    get("attendance:import_preview", IMPORT_OWNER, pk("attendance_import")),
    get("attendance:import_preview", IMPORT_OWNER, pk("attendance_import"), htmx=True, variant="htmx"),
    post("attendance:import_apply", IMPORT_OWNER.replace("200", "302"), pk("attendance_import")),
    post("attendance:import_cancel", IMPORT_OWNER.replace("200", "302"), pk("attendance_import")),
    get("attendance:leave_list", f"200 {EVERYONE}"),
    get("attendance:leave_new", f"200 {WITH_A_UNIT} | 403 supervisor"),
    post(
        "attendance:leave_new",
        refused_for_b(f"302 {WITH_A_UNIT} | 403 supervisor"),
        data=_leave_data,
        cross_data=True,
    ),
    get(
        "attendance:filing_list",
        "200 admin leader office | 403 assessor team inspector handler COUNTY supervisor head_x",
    ),
    get(
        "attendance:leave_detail",
        "200 admin leader office COUNTY | 404 assessor team inspector handler supervisor head_x",
        pk("leave_pending"),
    ),
    post(
        "attendance:leave_decide",
        "302 head | 403 admin leader office staff | 404 assessor team inspector handler supervisor head_x",
        pk("leave_pending"),
        lambda w, s: {"decision": "approve", "note": "", "version": version(s.leave_pending)},
        variant="staff leave",
        note="a staff member's leave is decided by whoever presides over the agency, not by the city",
    ),
    post(
        "attendance:leave_decide",
        "302 admin leader | 403 office head | 404 assessor team inspector handler staff supervisor head_x",
        pk("head_leave_pending"),
        lambda w, s: {"decision": "approve", "note": "同意。", "version": version(s.head_leave_pending)},
        variant="head's leave",
    ),
    post(
        "attendance:leave_withdraw",
        "302 staff | 403 admin leader office head | 404 assessor team inspector handler supervisor head_x",
        pk("leave_pending"),
        lambda w, s: {"reason": "事情已办完。", "version": version(s.leave_pending)},
    ),
    post(
        "attendance:leave_return",
        "302 head staff | 403 admin leader office | 404 assessor team inspector handler supervisor head_x",
        pk("leave_approved"),
        lambda w, s: {"returned_at": moment(), "note": "", "version": version(s.leave_approved)},
    ),
    post(
        "attendance:filing_acknowledge",
        "302 office | 403 admin leader head | 404 assessor team inspector handler staff supervisor head_x",
        pk("head_leave_granted"),
        note="备案 is the office's (办公室) and personnel section's",
    ),
    get(
        "attendance:leave_pdf",
        "200 admin leader office COUNTY | 404 assessor team inspector handler supervisor head_x",
        pk("leave_pending"),
    ),
    get("attendance:visit_list", VISITORS),
    get("attendance:visit_new", VISITORS),
    post("attendance:visit_new", VISITORS.replace("200", "302"), data=_visit_data),
    get(
        "attendance:visit_detail",
        "200 admin inspector office leader | 403 assessor team handler COUNTY | 404 supervisor head_x",
        pk("discipline_visit"),
    ),
    post(
        "attendance:visit_finding",
        "302 admin inspector office leader | 403 assessor team handler COUNTY | 404 supervisor head_x",
        lambda w, s: {"pk": s.discipline_visit.pk, "observation_pk": s.observation.pk},
        lambda w, s: {"deadline": day(10)},
    ),
]

# ---------------------------------------------------------------------------------------------
# Supervision (第十二条至第十五条) and the public disclosure

EDITORS = "200 admin inspector | 403 assessor team leader office handler COUNTY supervisor | 404 head_x"
STAFF_PAGE = f"200 {WITH_A_UNIT} | 403 supervisor"
SEEN_BY_STAFF = "200 admin CITY COUNTY | 404 supervisor head_x"
TEAM_ONLY = "200 admin inspector | 403 assessor team leader office handler COUNTY | 404 supervisor head_x"


def _activity_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "channel": "legislative",
        "kind": "field_inspection",
        "body": "市人大常委会",
        "title": "市人大代表视察经办服务大厅",
        "held_on": day(-1),
        "subjects": [w.a.agency.pk],
        "summary": "实地查看窗口设置。",
        "version": version(w.a.activity),
    }


def _record_finding_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": s.agency.pk,
        "article": "第八条（三）",
        "severity": "major",
        "title": "待遇发放缺少复核",
        "description": "一人审核。",
        "suggestion": "落实双人复核。",
        "deadline": day(20),
    }


def _report_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "insured_count": 150000,
        "new_insured_count": 3000,
        "beneficiary_count": 41000,
        "contribution_income": "38650.20",
        "benefit_expenditure": "45210.75",
        "cases_handled": 18000,
        "complaints_received": 20,
        "narrative": "各项待遇按时足额发放。",
        "version": version(s.report_draft),
    }


def _inspection_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "title": "专项检查",
        "agencies": [w.a.agency.pk],
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "started_on": day(),
        "scope": "基金收支",
    }


def _inquiry_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": s.agency.pk,
        "interviewee": "赵会计",
        "interviewee_unit": str(s.agency),
        "place": "会议室",
        "started_at": moment(-3),
        "ended_at": moment(-2),
        "inquirers": "钱检查、孙检查",
        "recorder": "李记录",
        "transcript": "问：……答：……",
    }


def _release_seal(w: World, s: Side, client: Any) -> None:
    from supervision.actions import oversight

    oversight.material_release(
        s.material_sealed, acting_user=w.users["inspector"], released_on=today(), reason="检查完毕，返还。"
    )


OVERSIGHT = [
    get("oversight:index", f"200 {EVERYONE}"),
    get("oversight:activity_list", f"200 {EVERYONE}"),
    get("oversight:activity_new", INSPECTORS_ONLY),
    post("oversight:activity_new", INSPECTORS_ONLY.replace("200", "302"), data=_activity_data),
    get(
        "oversight:activity_detail",
        "200 admin CITY COUNTY supervisor | 404 head_x",
        pk("activity"),
        note="the supervisor sees the activities of their channel",
    ),
    get("oversight:activity_edit", EDITORS, pk("activity")),
    post("oversight:activity_edit", EDITORS.replace("200", "302"), pk("activity"), _activity_data),
    post(
        "oversight:activity_void",
        EDITORS.replace("200", "302"),
        pk("activity"),
        lambda w, s: {"reason": "重复登记。", "version": version(s.activity)},
    ),
    get("oversight:activity_finding", EDITORS, pk("activity")),
    post("oversight:activity_finding", EDITORS.replace("200", "302"), pk("activity"), _record_finding_data),
    get("oversight:report_list", STAFF_PAGE),
    get("oversight:report_export", STAFF_PAGE),
    post(
        "oversight:report_start",
        "302 admin head head_x | 403 CITY staff supervisor",
        data=lambda w, s: dict(zip(("year", "half"), half_years()[2], strict=True), agency=w.a.agency.pk),
    ),
    post(
        "oversight:report_start",
        "302 admin head head_x | 403 CITY staff supervisor",
        data=lambda w, s: dict(zip(("year", "half"), half_years()[2], strict=True), agency=w.b.agency.pk),
        refused="head head_x",
        variant="another county's agency",
        note="the form offers one's own agency only: refused with a message, nothing written",
    ),
    get("oversight:report_detail", SEEN_BY_STAFF, pk("report_submitted")),
    get("oversight:report_edit", "200 admin head | 403 CITY staff | 404 supervisor head_x", pk("report_draft")),
    post(
        "oversight:report_edit",
        "302 admin head | 403 CITY staff | 404 supervisor head_x",
        pk("report_draft"),
        _report_data,
    ),
    post(
        "oversight:report_review",
        "302 admin | 403 CITY COUNTY | 404 supervisor head_x",
        pk("report_submitted"),
        lambda w, s: {"decision": "accept", "comment": "", "version": version(s.report_submitted)},
        note="第十三条: reviewed by the county's own bureau, not by the city's inspectors",
    ),
    get("oversight:visit_list", STAFF_PAGE),
    get("oversight:visit_new", INSPECTORS_ONLY),
    post(
        "oversight:visit_new",
        INSPECTORS_ONLY.replace("200", "302"),
        data=lambda w, s: {"agency": w.a.agency.pk, "planned_on": day(5), "topics": "待遇审核", "team": ""},
    ),
    get("oversight:visit_detail", SEEN_BY_STAFF, pk("visit_planned")),
    post(
        "oversight:visit_record",
        TEAM_ONLY.replace("200", "302"),
        pk("visit_planned"),
        lambda w, s: {"visited_on": day(), "notes": "已指导。", "version": version(s.visit_planned)},
    ),
    post(
        "oversight:visit_cancel",
        TEAM_ONLY.replace("200", "302"),
        pk("visit_planned"),
        lambda w, s: {"reason": "另行安排。", "version": version(s.visit_planned)},
    ),
    get("oversight:visit_finding", TEAM_ONLY, pk("visit_done")),
    post("oversight:visit_finding", TEAM_ONLY.replace("200", "302"), pk("visit_done"), _record_finding_data),
    get("oversight:inspection_list", STAFF_PAGE),
    get("oversight:inspection_new", INSPECTORS_ONLY),
    post("oversight:inspection_new", INSPECTORS_ONLY.replace("200", "302"), data=_inspection_data),
    get("oversight:inspection_detail", SEEN_BY_STAFF, pk("inspection")),
    get("oversight:material_new", TEAM_ONLY, pk("inspection")),
    post(
        "oversight:material_new",
        TEAM_ONLY.replace("200", "302"),
        pk("inspection"),
        lambda w, s: {
            "agency": s.agency.pk,
            "name": "会计凭证",
            "quantity": "3册",
            "handling": "read",
            "registered_on": day(),
        },
    ),
    get("oversight:seal_register", SEEN_BY_STAFF, pk("inspection")),
    get("oversight:inquiry_new", TEAM_ONLY, pk("inspection")),
    post("oversight:inquiry_new", TEAM_ONLY.replace("200", "302"), pk("inspection"), _inquiry_data),
    get("oversight:order_new", TEAM_ONLY, pk("inspection")),
    post(
        "oversight:order_new",
        TEAM_ONLY.replace("200", "302"),
        pk("inspection"),
        lambda w, s: {
            "agency": s.agency.pk,
            "conduct": "misappropriating",
            "facts": "挪用基金。",
            "requirements": "立即改正。",
            "issued_on": day(),
            "deadline": day(10),
        },
    ),
    get("oversight:decision_new", TEAM_ONLY, pk("inspection")),
    post(
        "oversight:decision_new",
        TEAM_ONLY.replace("200", "302"),
        pk("inspection"),
        lambda w, s: {
            "agency": s.agency.pk,
            "facts": "事实。",
            "basis": "第十五条",
            "decision": "责令追回。",
            "decided_on": day(),
        },
    ),
    post("oversight:order_revoke", TEAM_ONLY.replace("200", "302"), pk("order"), lambda w, s: {"reason": "文书有误。"}),
    post(
        "oversight:decision_revoke",
        TEAM_ONLY.replace("200", "302"),
        pk("decision"),
        lambda w, s: {"reason": "文书有误。"},
    ),
    get("oversight:inspection_finding", TEAM_ONLY, pk("inspection")),
    post("oversight:inspection_finding", TEAM_ONLY.replace("200", "302"), pk("inspection"), _record_finding_data),
    post(
        "oversight:inspection_conclude",
        TEAM_ONLY.replace("200", "302"),
        pk("inspection"),
        lambda w, s: {"ended_on": day(), "conclusion": "总体规范。", "version": version(s.inspection)},
    ),
    post(
        "oversight:inspection_cancel",
        TEAM_ONLY.replace("200", "302"),
        pk("inspection"),
        lambda w, s: {"reason": "误登记。", "version": version(s.inspection)},
        prepare=_release_seal,
    ),
    post(
        "oversight:inspection_publish",
        "302 admin | 403 CITY COUNTY | 404 supervisor head_x",
        pk("inspection_concluded"),
        lambda w, s: {"title": "基金专项检查结果", "summary": "未发现问题。", "version": ""},
        note="publishing needs the publish_disclosure right, which no role carries",
    ),
    post(
        "oversight:inspection_withdraw",
        "302 admin | 403 CITY COUNTY | 404 supervisor head_x",
        pk("inspection_published"),
        lambda w, s: {"reason": "内容有误。", "version": version(s.disclosure)},
    ),
    post(
        "oversight:material_seal",
        TEAM_ONLY.replace("200", "302"),
        pk("material"),
        lambda w, s: {"seal_number": "FC-9", "place": "档案室", "sealed_on": day()},
    ),
    post(
        "oversight:material_seal",
        TEAM_ONLY,
        pk("material"),
        lambda w, s: {"seal_number": "FC-9", "place": "档案室", "sealed_on": day()},
        htmx=True,
        variant="htmx",
    ),
    post(
        "oversight:material_release",
        TEAM_ONLY.replace("200", "302"),
        pk("material_sealed"),
        lambda w, s: {"released_on": day(), "reason": "返还。"},
    ),
    post(
        "oversight:material_release",
        TEAM_ONLY,
        pk("material_sealed"),
        lambda w, s: {"released_on": day(), "reason": "返还。"},
        htmx=True,
        variant="htmx",
    ),
    get(
        "oversight:inquiry_detail",
        "200 admin inspector | 404 assessor team leader office handler COUNTY supervisor head_x",
        pk("inquiry"),
        note="inquiry records are investigative: inspectors only",
    ),
    post(
        "oversight:inquiry_statement",
        "302 admin inspector | 404 assessor team leader office handler COUNTY supervisor head_x",
        pk("inquiry"),
        lambda w, s: {"files": [pdf("签字笔录.pdf")]},
    ),
]

PUBLIC_ALL = f"200 anon {EVERYONE}"

DISCLOSURE = [
    get("disclosure:list", PUBLIC_ALL, public=True),
    get("disclosure:csv", PUBLIC_ALL, public=True),
    get("disclosure:json", PUBLIC_ALL, public=True),
    get(
        "disclosure:detail",
        PUBLIC_ALL,
        lambda w, s: {"public_id": s.disclosure.public_id},
        public=True,
        note="published results are public, county B's included",
    ),
    get(
        "disclosure:detail",
        f"404 anon {EVERYONE}",
        lambda w, s: {"public_id": s.disclosure_withdrawn.public_id},
        public=True,
        variant="withdrawn",
    ),
]

# ---------------------------------------------------------------------------------------------
# The dual-100-point assessment (第四条)

YEAR_VIEWERS = "admin assessor team leader"
NOT_YEAR_VIEWERS = "office COUNTY inspector handler supervisor head_x"
YEAR_PAGE = f"200 {YEAR_VIEWERS} | 403 {NOT_YEAR_VIEWERS}"
RUNNERS = f"200 admin assessor | 403 team leader {NOT_YEAR_VIEWERS}"
MANAGERS = f"200 admin | 403 assessor team leader {NOT_YEAR_VIEWERS}"
SCORING = "200 admin assessor team leader | 403 office inspector handler COUNTY | 404 supervisor head_x"


def year(record: str = "year") -> Args:
    return lambda w, s: {"year": getattr(w, record).year}


def county(record: str = "assessment", **extra: Callable[[World, Side], Any]) -> Args:
    def args(w: World, s: Side) -> dict[str, Any]:
        assessment = getattr(s, record)
        values = {"year": assessment.year.year, "agency_id": assessment.agency_id}
        values.update({key: value(w, s) for key, value in extra.items()})
        return values

    return args


def delegated(record: str, **extra: Callable[[World, Side], Any]) -> Args:
    """The district delegated to the city agency; head_x and the county personas cannot see it at all."""

    def args(w: World, s: Side) -> dict[str, Any]:
        assessment = getattr(w, record)
        values = {"year": assessment.year.year, "agency_id": assessment.agency_id}
        values.update({key: value(w, s) for key, value in extra.items()})
        return values

    return args


def _catalogue_data(w: World, s: Side) -> dict[str, Any]:
    items = list(w.year_next.items.filter(track="basic").order_by("position"))
    data: dict[str, Any] = {"items-TOTAL_FORMS": len(items), "items-INITIAL_FORMS": len(items)}
    for index, item in enumerate(items):
        data[f"items-{index}-item_id"] = item.pk
        data[f"items-{index}-max_points"] = str(item.max_points)
        data[f"items-{index}-description"] = item.description
        data[f"items-{index}-deduction_rule"] = item.deduction_rule
    return data


def _withdraw_objection(w: World, s: Side, client: Any) -> None:
    from assessment import actions

    actions.objection_withdraw(w.a.objection, acting_user=w.a.head)


def _submit_tracks(w: World, s: Side, client: Any) -> None:
    from assessment import actions

    actions.track_submit(w.a.assessment, "basic", acting_user=w.users["assessor"])
    actions.track_submit(w.a.assessment, "target", acting_user=w.users["team"])


def _publish_ready_year(w: World, s: Side, client: Any) -> None:
    from assessment import actions

    actions.year_publish(w.year_ready, acting_user=w.users["assessor"])


def _score_sheet(w: World, s: Side) -> dict[str, Any]:
    return {"file": score_sheet()}


BUREAU_ON_DELEGATED = "302 admin assessor | 403 team leader office inspector handler | 404 COUNTY supervisor head_x"

ASSESSMENT = [
    get(
        "assessment:index",
        "200 admin assessor team leader | 302 head head_x | 403 office staff inspector handler supervisor",
        note="a county head is sent to their own results",
    ),
    get("assessment:year_new", MANAGERS),
    post(
        "assessment:year_new",
        MANAGERS.replace("200", "302"),
        data=lambda w, s: {"year": 2030, "basic_weight": "0.4", "target_weight": "0.6", "objection_days": 10},
    ),
    get(
        "assessment:mine",
        "200 admin head head_x | 403 assessor team leader office staff inspector handler supervisor",
    ),
    get(
        "assessment:report_download",
        "200 admin assessor team leader head | 403 office staff inspector handler | 404 supervisor head_x",
        pk("report"),
    ),
    get(
        "assessment:report_download",
        YEAR_PAGE,
        lambda w, s: {"pk": w.summary_report.pk},
        variant="city summary",
    ),
    get("assessment:overview", YEAR_PAGE, year()),
    get("assessment:ranking", YEAR_PAGE, year()),
    get("assessment:year_settings", MANAGERS, year("year_next")),
    post(
        "assessment:year_settings",
        MANAGERS.replace("200", "302"),
        year("year_next"),
        lambda w, s: {
            "basic_weight": "0.4",
            "target_weight": "0.6",
            "scoring_opens_on": day(1),
            "deadline": day(60),
            "objection_days": 10,
            "version": version(w.year_next),
        },
    ),
    get("assessment:catalogue", YEAR_PAGE, year("year_next")),
    get(
        "assessment:catalogue_edit",
        MANAGERS,
        lambda w, s: {"year": w.year_next.year, "track": "basic"},
        county=False,
    ),
    post(
        "assessment:catalogue_edit",
        MANAGERS.replace("200", "302"),
        lambda w, s: {"year": w.year_next.year, "track": "basic"},
        _catalogue_data,
        county=False,
    ),
    get(
        "assessment:item_edit",
        MANAGERS,
        lambda w, s: {"year": w.year_next.year, "pk": w.item_next.pk},
        county=False,
    ),
    post(
        "assessment:item_edit",
        MANAGERS.replace("200", "302"),
        lambda w, s: {"year": w.year_next.year, "pk": w.item_next.pk},
        lambda w, s: {
            "subs-TOTAL_FORMS": 1,
            "subs-INITIAL_FORMS": 0,
            "subs-0-name": "细项一",
            "subs-0-points": str(w.item_next.max_points),
            "subs-0-deduction_rule": "",
        },
        county=False,
    ),
    post("assessment:year_open", MANAGERS.replace("200", "302"), year("year_next"), county=False),
    post("assessment:year_copy", MANAGERS.replace("200", "302"), year("year_next"), county=False),
    post("assessment:year_publish", RUNNERS.replace("200", "302"), year("year_ready"), county=False),
    post("assessment:year_add_agencies", RUNNERS.replace("200", "302"), year(), county=False),
    get("assessment:export", YEAR_PAGE, year(), county=False),
    get(
        "assessment:import_upload",
        YEAR_PAGE,
        year(),
        county=False,
        note="the leader is a delegate of 红旗区 this year, and delegates may import",
    ),
    post(
        "assessment:import_upload",
        YEAR_PAGE.replace("200", "302"),
        year(),
        _score_sheet,
        county=False,
    ),
    get("assessment:import_template", YEAR_PAGE, year(), county=False),
    get(
        "assessment:import_preview",
        f"200 assessor | 404 admin team leader | 403 {NOT_YEAR_VIEWERS}",
        lambda w, s: {"year": w.year.year, "pk": w.score_import.pk},
        county=False,
        note="an import is its uploader's alone",
    ),
    post(
        "assessment:import_apply",
        f"302 assessor | 404 admin team leader | 403 {NOT_YEAR_VIEWERS}",
        lambda w, s: {"year": w.year.year, "pk": w.score_import.pk},
        county=False,
    ),
    post(
        "assessment:import_cancel",
        f"302 assessor | 404 admin team leader | 403 {NOT_YEAR_VIEWERS}",
        lambda w, s: {"year": w.year.year, "pk": w.score_import.pk},
        county=False,
    ),
    get("assessment:teams", YEAR_PAGE, year(), county=False),
    get("assessment:team_new", RUNNERS, year(), county=False),
    post(
        "assessment:team_new",
        RUNNERS.replace("200", "302"),
        year(),
        lambda w, s: {"name": "第三考核组", "leader": w.team_b.pk, "members": [w.team_b.pk], "note": ""},
        county=False,
    ),
    get("assessment:team", YEAR_PAGE, lambda w, s: {"year": w.year.year, "pk": s.team.pk}),
    get("assessment:team_edit", RUNNERS, lambda w, s: {"year": w.year.year, "pk": s.team.pk}),
    post(
        "assessment:team_edit",
        RUNNERS.replace("200", "302"),
        lambda w, s: {"year": w.year.year, "pk": s.team.pk},
        lambda w, s: {"name": "第一考核组", "leader": w.users["team"].pk, "members": [w.users["team"].pk], "note": ""},
    ),
    get("assessment:team_counties", RUNNERS, lambda w, s: {"year": w.year.year, "pk": s.team.pk}),
    post(
        "assessment:team_counties",
        RUNNERS.replace("200", "302"),
        lambda w, s: {"year": w.year.year, "pk": s.team.pk},
        lambda w, s: {"assessments": [s.assessment.pk]},
    ),
    get("assessment:objections", YEAR_PAGE, year("year_last"), county=False),
    get(
        "assessment:objection",
        "200 admin assessor team leader head | 403 office staff inspector handler | 404 supervisor head_x",
        lambda w, s: {"year": 2025, "pk": s.objection.pk},
    ),
    post(
        "assessment:objection_answer",
        "302 admin assessor | 403 team leader office COUNTY inspector handler | 404 supervisor head_x",
        lambda w, s: {"year": 2025, "pk": s.objection.pk},
        lambda w, s: {"outcome": "rejected", "text": "经复核维持原评分。", "version": version(s.objection)},
    ),
    post(
        "assessment:objection_withdraw",
        "302 head | 403 admin assessor team leader office staff inspector handler | 404 supervisor head_x",
        lambda w, s: {"year": 2025, "pk": s.objection.pk},
        note="only the one who raised it",
    ),
    get("assessment:reports", YEAR_PAGE, year("year_last"), county=False),
    post("assessment:report_generate", RUNNERS.replace("200", "302"), year("year_last"), county=False),
    get(
        "assessment:report_progress",
        YEAR_PAGE,
        lambda w, s: {"year": 2025, "pk": w.report_run.pk},
        county=False,
    ),
    get(
        "assessment:agency",
        "200 admin assessor team leader | 302 head | 403 office staff inspector handler | 404 supervisor head_x",
        county(),
        note="the county head is sent to the result page",
    ),
    get(
        "assessment:result",
        "200 admin assessor team leader head | 403 office staff inspector handler | 404 supervisor head_x",
        county(),
        variant="in progress",
        note="the county head sees 'not yet confirmed'",
    ),
    get(
        "assessment:result",
        "200 admin assessor team leader head | 403 office staff inspector handler | 404 supervisor head_x",
        county("assessment_last"),
        variant="confirmed",
    ),
    post(
        "assessment:result",
        "302 head | 403 admin assessor team leader office staff inspector handler | 404 supervisor head_x",
        county("assessment_last"),
        lambda w, s: {"items": [w.year_last.items.order_by("pk")[1].pk], "text": "信息宣传得分偏低，请复核。"},
        prepare=_withdraw_objection,
        variant="objection",
        note="only the county head objects to their own result",
    ),
    post(
        "assessment:score_update",
        "302 admin assessor | 403 team leader office inspector handler COUNTY | 404 supervisor head_x",
        county(item_id=lambda w, s: s.basic_score.item_id),
        lambda w, s: {"points": "10", "comment": "复核后调整。", "version": version(s.basic_score)},
        variant="basic track",
    ),
    post(
        "assessment:score_update",
        "200 admin assessor | 403 team leader office inspector handler COUNTY | 404 supervisor head_x",
        county(item_id=lambda w, s: s.basic_score.item_id),
        lambda w, s: {"points": "10", "comment": "复核后调整。", "version": version(s.basic_score)},
        htmx=True,
        variant="basic track, htmx",
    ),
    post(
        "assessment:score_update",
        "302 team | 403 admin assessor leader office inspector handler COUNTY | 404 supervisor head_x",
        county(item_id=lambda w, s: s.target_score.item_id),
        lambda w, s: {"points": "10", "comment": "实地考察后评分。", "version": version(s.target_score)},
        variant="target track",
        note="目标管理 is scored by the county's assessment team alone",
    ),
    get("assessment:score_detail", SCORING, county(item_id=lambda w, s: s.basic_score.item_id)),
    post(
        "assessment:score_detail",
        "302 admin assessor | 403 team leader office inspector handler COUNTY | 404 supervisor head_x",
        county(item_id=lambda w, s: s.basic_score.item_id),
        lambda w, s: {"files": [pdf("补充依据.pdf")]},
    ),
    post(
        "assessment:track_submit",
        "302 admin assessor | 403 team leader office inspector handler COUNTY | 404 supervisor head_x",
        county(track=lambda w, s: "basic"),
    ),
    post(
        "assessment:confirm",
        "302 admin assessor | 403 team leader office inspector handler COUNTY | 404 supervisor head_x",
        county(),
        lambda w, s: {"version": ""},
        prepare=_submit_tracks,
    ),
    post(
        "assessment:reopen",
        "302 admin assessor | 403 team leader office inspector handler COUNTY | 404 supervisor head_x",
        county("assessment_last"),
        lambda w, s: {"reason": "异议成立。", "tracks": ["basic"], "version": version(s.assessment_last)},
    ),
    post(
        "assessment:delegate",
        BUREAU_ON_DELEGATED,
        delegated("vertical_current"),
        lambda w, s: {"delegates": [w.users["leader"].pk], "note": ""},
    ),
    post(
        "assessment:delegation_revoke",
        BUREAU_ON_DELEGATED,
        delegated("delegated_current"),
        lambda w, s: {"reason": "改由市局考核。"},
        note="revoked by the bureau, never by the delegates (the leader is one)",
    ),
    post(
        "assessment:file",
        "302 leader | 403 admin assessor team office inspector handler | 404 COUNTY supervisor head_x",
        delegated("delegated_d"),
        note="the delegates file their result with the bureau",
    ),
    post(
        "assessment:filing_acknowledge",
        BUREAU_ON_DELEGATED,
        delegated("delegated_c", pk=lambda w, s: w.filing.pk),
    ),
    get(
        "assessment:visit_new",
        "200 team | 403 admin assessor leader office inspector handler COUNTY | 404 supervisor head_x",
        county(),
    ),
    post(
        "assessment:visit_new",
        "302 team | 403 admin assessor leader office inspector handler COUNTY | 404 supervisor head_x",
        county(),
        lambda w, s: {
            "visited_on": day(),
            "place": str(s.agency),
            "members": [w.users["team"].pk],
            "notes": "查看了经办大厅。",
        },
    ),
    post(
        "assessment:visit_void",
        "302 team | 403 admin assessor leader office inspector handler COUNTY | 404 supervisor head_x",
        county(pk=lambda w, s: s.site_visit.pk),
        lambda w, s: {"reason": "重复登记。"},
    ),
    get("assessment_public:years", PUBLIC_ALL, public=True),
    get(
        "assessment_public:ranking",
        PUBLIC_ALL,
        year("year_ready"),
        public=True,
        prepare=_publish_ready_year,
        county=False,
    ),
    get(
        "assessment_public:ranking",
        f"404 anon {EVERYONE}",
        year("year_last"),
        public=True,
        county=False,
        variant="not published",
    ),
    get("assessment_public:verify_form", PUBLIC_ALL, public=True),
    get(
        "assessment_public:verify",
        PUBLIC_ALL,
        lambda w, s: {"code": w.a.report.verification_code},
        public=True,
        county=False,
    ),
]

# ---------------------------------------------------------------------------------------------
# Complaints and reports (第十六条), reconsideration and litigation (第十七条)

HANDLERS_PAGE = "200 admin handler head head_x | 403 assessor team leader office inspector staff supervisor"
HANDLING = "302 admin handler head | 403 assessor team leader office inspector staff | 404 supervisor head_x"
TRIAGE = "302 admin handler | 403 assessor team leader office inspector head staff | 404 supervisor head_x"
AT_THE_DESK = "302 admin handler | 403 assessor team leader office inspector | 404 COUNTY supervisor head_x"


def _case_data(w: World, s: Side, agency_of: Callable[[World], Any] | None = None) -> dict[str, Any]:
    target = agency_of(w) if agency_of else s.agency
    return {
        "kind": "reconsideration",
        "agency": target.pk,
        "applicant_type": "individual",
        "applicant_name": "王五",
        "subject": "benefit",
        "summary": "不服停发养老金决定。",
        "body": "新乡市人民政府",
        "case_number": "新政复〔2026〕9号",
        "filed_on": day(-10),
        "outcome": "pending",
    }


def _intake_data(w: World, s: Side) -> dict[str, Any]:
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {
        "kind": "complaint",
        "city": w.city.pk,
        "agency": w.a.agency.pk,
        "matter_type": "benefit",
        "title": "养老金被无故停发",
        "description": "2026年5月起我的养老金被停发，窗口人员不说明理由，多次询问无果。",
        "consent": "on",
        "captcha_0": key,
        "captcha_1": CaptchaStore.objects.get(hashkey=key).response,
    }


def _fresh_limits(w: World, s: Side, client: Any) -> None:
    cache.clear()


def _tracking(code_of: str) -> Callable[[World, Side, Any], None]:
    def prepare(w: World, s: Side, client: Any) -> None:
        cache.clear()
        response = client.post("/complaints/track/", {"code": getattr(w.a, code_of), "contact": "13903731234"})
        assert response.status_code == 302, "tracking with the right code must succeed"

    return prepare


COMPLAINTS = [
    get("complaints:new", PUBLIC_ALL, public=True),
    post(
        "complaints:new",
        f"302 anon {EVERYONE}",
        data=_intake_data,
        public=True,
        prepare=_fresh_limits,
        note="anyone may file, signed in or not",
    ),
    get("complaints:receipt", f"302 anon {EVERYONE}", public=True, note="without the receipt cookie: to tracking"),
    get("complaints:track", PUBLIC_ALL, public=True),
    post(
        "complaints:track",
        f"302 anon {EVERYONE}",
        data=lambda w, s: {"code": w.a.complaint_code, "contact": "13903731234"},
        public=True,
        prepare=_fresh_limits,
    ),
    get("complaints:track_result", f"302 anon {EVERYONE}", public=True, variant="not tracked"),
    get(
        "complaints:track_result",
        PUBLIC_ALL,
        public=True,
        prepare=_tracking("complaint_code"),
        variant="tracked",
    ),
    post("complaints:track_rate", f"302 anon {EVERYONE}", public=True, variant="not tracked"),
    post(
        "complaints:track_rate",
        f"302 anon {EVERYONE}",
        data=lambda w, s: {"satisfaction": "satisfied", "comment": ""},
        public=True,
        prepare=_tracking("complaint_replied_code"),
        variant="tracked",
    ),
    get(
        "complaints:track_letter",
        f"404 anon {EVERYONE}",
        lambda w, s: {"pk": w.a.complaint_letter.pk},
        public=True,
        county=False,
        variant="not tracked",
    ),
    get(
        "complaints:track_letter",
        PUBLIC_ALL,
        lambda w, s: {"pk": w.a.complaint_letter.pk},
        public=True,
        county=False,
        prepare=_tracking("complaint_code"),
        variant="tracked",
    ),
    get(
        "complaints:track_letter",
        f"404 anon {EVERYONE}",
        lambda w, s: {"pk": w.a.complaint_assignment_letter.pk},
        public=True,
        county=False,
        prepare=_tracking("complaint_code"),
        variant="tracked, an internal letter",
        note="the 交办单 is addressed to the unit, not to the complainant",
    ),
    get(
        "complaints:track_letter",
        f"404 anon {EVERYONE}",
        lambda w, s: {"pk": w.b.complaint_letter.pk},
        public=True,
        county=False,
        prepare=_tracking("complaint_code"),
        variant="tracked, another complaint's letter",
    ),
    get("complaints:list", HANDLERS_PAGE),
    get("complaints:export", HANDLERS_PAGE),
    get("complaints:dashboard", HANDLERS_PAGE),
    get(
        "complaints:detail",
        "200 admin handler head | 403 assessor team leader office inspector staff | 404 supervisor head_x",
        pk("complaint"),
    ),
    get(
        "complaints:detail",
        AT_THE_DESK.replace("302", "200"),
        pk("complaint_received"),
        variant="not yet routed",
    ),
    get(
        "complaints:letter",
        "200 admin handler head | 403 assessor team leader office inspector staff | 404 supervisor head_x",
        lambda w, s: {"pk": s.complaint.pk, "letter_pk": s.complaint_letter.pk},
    ),
    post(
        "complaints:accept",
        AT_THE_DESK,
        pk("complaint_received"),
        lambda w, s: {
            "unit": s.agency.pk,
            "working_days": 10,
            "note": "",
            "version": version(s.complaint_received),
        },
    ),
    post(
        "complaints:reassign",
        TRIAGE,
        pk("complaint"),
        lambda w, s: {"unit": w.agency_d.pk, "reason": "属牧野区管辖。", "version": version(s.complaint)},
    ),
    post(
        "complaints:transfer",
        TRIAGE,
        pk("complaint"),
        lambda w, s: {
            "body": w.external_body_a.pk,
            "reason": "属医保部门职责。",
            "version": version(s.complaint),
        },
    ),
    post(
        "complaints:decline",
        AT_THE_DESK,
        pk("complaint_received"),
        lambda w, s: {"reason": "不属于社会保险经办事项。", "version": version(s.complaint_received)},
    ),
    post(
        "complaints:merge",
        TRIAGE,
        pk("complaint"),
        lambda w, s: {"master": s.complaint_master.number, "reason": "同一事项。", "version": version(s.complaint)},
    ),
    post("complaints:note", HANDLING, pk("complaint"), lambda w, s: {"text": "已电话联系反映人。"}),
    post(
        "complaints:pause",
        HANDLING,
        pk("complaint"),
        lambda w, s: {"reason": "等待补充材料。", "version": version(s.complaint)},
    ),
    post("complaints:resume", HANDLING, pk("complaint_paused"), lambda w, s: {"version": version(s.complaint_paused)}),
    post(
        "complaints:reply",
        HANDLING,
        pk("complaint"),
        lambda w, s: {"text": "经查属实，已补发。", "substantiation": "substantiated", "version": version(s.complaint)},
    ),
    post(
        "complaints:close",
        HANDLING,
        pk("complaint_replied"),
        lambda w, s: {"note": "", "version": version(s.complaint_replied)},
    ),
    post(
        "complaints:reopen",
        TRIAGE,
        pk("complaint_replied"),
        lambda w, s: {"reason": "反映人不满意。", "working_days": 10, "version": version(s.complaint_replied)},
    ),
    post(
        "complaints:rate",
        HANDLING,
        pk("complaint_replied"),
        lambda w, s: {"satisfaction": "satisfied", "comment": "电话回访。"},
    ),
    post("complaints:finding", TRIAGE, pk("complaint_replied"), lambda w, s: {"article": "第十六条"}),
    post(
        "complaints:accountability",
        "302 admin | 403 assessor team leader office inspector handler COUNTY | 404 supervisor head_x",
        pk("complaint"),
        lambda w, s: {
            "agency": s.agency.pk,
            "breach": "违反首问负责制。",
            "decision": "通报批评。",
            "consequence": "criticism",
            "decided_by": "市人社局",
            "decided_on": day(),
        },
        note="责任追究 needs the accountability right, which no role carries",
    ),
    get("complaints:case_list", HANDLERS_PAGE),
    get("complaints:case_new", HANDLERS_PAGE),
    post("complaints:case_new", HANDLERS_PAGE.replace("200", "302"), data=lambda w, s: _case_data(w, w.a)),
    post(
        "complaints:case_new",
        "302 admin handler | 400 head head_x | 403 assessor team leader office inspector staff supervisor",
        data=lambda w, s: _case_data(w, s, lambda w: w.b.agency),
        variant="another county's agency",
        note="a county head records cases against their own agency only",
    ),
    get("complaints:case_export", HANDLERS_PAGE),
    get("complaints:case_stats", HANDLERS_PAGE),
    get(
        "complaints:case_detail",
        "200 admin handler head | 403 assessor team leader office inspector staff | 404 supervisor head_x",
        pk("case"),
    ),
    post(
        "complaints:case_update",
        HANDLING,
        pk("case"),
        lambda w, s: {**_case_data(w, s), "version": version(s.case)},
    ),
    get("captcha-image", PUBLIC_ALL, lambda w, s: {"key": w.captcha_key}, public=True, county=False),
    get("captcha-image-2x", PUBLIC_ALL, lambda w, s: {"key": w.captcha_key}, public=True, county=False),
    get(
        "captcha-audio",
        f"404 anon {EVERYONE}",
        lambda w, s: {"key": w.captcha_key},
        public=True,
        county=False,
        note="no speech synthesiser (CAPTCHA_FLITE_PATH) is configured: the audio captcha is off",
    ),
    get(
        "captcha-refresh",
        PUBLIC_ALL,
        public=True,
        headers={"X-Requested-With": "XMLHttpRequest"},
    ),
]

# ---------------------------------------------------------------------------------------------
# Internal control and integrity (第六条至第十一条)

TEAM_SEES = "200 admin inspector | 404 assessor team leader office handler COUNTY supervisor head_x"
KEEPERS_PAGE = "200 admin inspector head head_x | 403 assessor team leader office handler staff supervisor"
KEEPERS = "200 admin inspector head | 403 assessor team leader office handler staff | 404 supervisor head_x"
SERVICE_PAGE = "200 admin head head_x | 403 CITY staff supervisor"
SERVICE = "200 admin head | 403 CITY staff | 404 supervisor head_x"
MANAGERS_PAGE = "200 admin leader office head head_x | 403 assessor team inspector handler staff supervisor"
ADMIN_ONLY_PAGE = "200 admin | 403 CITY COUNTY supervisor head_x"
TALKS = "200 admin | 404 CITY COUNTY supervisor head_x"


def ok(expect: str) -> str:
    """The same cells for the POST that changes state: success is a redirect."""
    return expect.replace("200", "302")


def _results_recorded(w: World, s: Side, client: Any) -> None:
    from integrity import actions

    for result in s.control_inspection.results.filter(result="pending"):
        actions.inspection_record_result(result, acting_user=w.users["inspector"], outcome="compliant")


def _checklist_data(w: World, s: Side) -> dict[str, Any]:
    version = w.checklist.current_version()
    data: dict[str, Any] = {"version": version.number, "note": "细化检查要点。"}
    for item in version.items.order_by("position"):
        data[f"points_{item.position}"] = item.check_points + ("（细化）" if item.position == 1 else "")
        data[f"guidance_{item.position}"] = item.guidance
    return data


def _result_data(w: World, s: Side) -> dict[str, Any]:
    prefix = f"r{s.control_result.pk}"
    return {
        f"{prefix}-version": version(s.control_result),
        f"{prefix}-result": "compliant",
        f"{prefix}-problem": "",
        f"{prefix}-notes": "符合。",
        f"{prefix}-severity": "minor",
    }


def _spot_check_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": w.a.agency.pk,
        "business_area": "benefit_review",
        "subject": "待遇核定抽查",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "checked_on": day(),
        "population": 100,
        "sample_size": 10,
        "method": "随机抽取",
        "summary": "",
    }


def _risk_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": s.agency.pk,
        "title": "支出户违规划拨风险",
        "category": "fund_safety",
        "description": "未经审批划拨。",
        "likelihood": 2,
        "impact": 5,
        "controls": "双签。",
        "status": "identified",
        "identified_on": day(),
        "next_review_on": day(90),
    }


def _plan_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": s.agency.pk,
        "title": "支出户违规划拨处置预案",
        "category": "fund_safety",
        "risks": [s.risk.pk],
        "triggers": "发现违规划拨。",
        "steps": "冻结账户，追回资金。",
    }


def _service_commitment_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": s.agency.pk,
        "item": "社会保险登记",
        "time_limit": 1,
        "time_unit": "working_days",
        "commitment": "资料齐全的1个工作日内办结。",
        "effective_on": day(),
    }


def _service_rule_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "agency": s.agency.pk,
        "kind": "time_limited",
        "title": "限时办结制",
        "content": "限时办结。",
        "effective_on": day(),
    }


def _assignment_data(w: World, s: Side) -> dict[str, Any]:
    return {
        "person": s.deputy.person.pk,
        "year": 2026,
        "post": "分管副主任",
        "business_duties": "分管待遇审核。",
        "integrity_duties": "分管范围内的党风廉政建设。",
        "assigned_by": s.head.person.pk,
        "signed_on": day(),
    }


INTEGRITY = [
    get("integrity:index", f"200 {EVERYONE}"),
    get("integrity:search", f"200 {EVERYONE}", query={"q": "机密"}, note="county B's records all carry 机密"),
    get("integrity:checklist_list", f"200 {EVERYONE}", note="the regulation's own check points"),
    get("integrity:checklist_detail", f"200 {EVERYONE}", lambda w, s: {"pk": w.checklist.pk}, county=False),
    get("integrity:checklist_revise", INSPECTORS_ONLY, lambda w, s: {"pk": w.checklist.pk}, county=False),
    post(
        "integrity:checklist_revise",
        ok(INSPECTORS_ONLY),
        lambda w, s: {"pk": w.checklist.pk},
        _checklist_data,
        county=False,
    ),
    get("integrity:inspection_list", f"200 {EVERYONE}"),
    get("integrity:inspection_export", f"200 {EVERYONE}"),
    get("integrity:inspection_new", INSPECTORS_ONLY),
    post(
        "integrity:inspection_new",
        ok(INSPECTORS_ONLY),
        data=lambda w, s: {
            "agency": w.a.agency.pk,
            "checklists": [w.checklist.pk],
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "planned_on": day(),
        },
    ),
    get(
        "integrity:inspection_detail",
        TEAM_SEES,
        pk("control_inspection"),
        variant="in progress",
        note="the agency sees an inspection once it is completed",
    ),
    get("integrity:inspection_detail", SEEN_BY_STAFF, pk("control_completed"), variant="completed"),
    get("integrity:inspection_edit", TEAM_SEES, pk("control_inspection")),
    post(
        "integrity:inspection_edit",
        ok(TEAM_SEES),
        pk("control_inspection"),
        lambda w, s: {
            "title": "内控检查（调整）",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "planned_on": day(1),
            "version": version(s.control_inspection),
        },
    ),
    post(
        "integrity:result_update",
        ok(TEAM_SEES),
        lambda w, s: {"pk": s.control_inspection.pk, "result_pk": s.control_result.pk},
        _result_data,
    ),
    post(
        "integrity:result_update",
        TEAM_SEES,
        lambda w, s: {"pk": s.control_inspection.pk, "result_pk": s.control_result.pk},
        _result_data,
        htmx=True,
        variant="htmx",
    ),
    post(
        "integrity:inspection_complete",
        ok(TEAM_SEES),
        pk("control_inspection"),
        lambda w, s: {"conclusion": "总体良好。", "deadline": day(20), "version": version(s.control_inspection)},
        prepare=_results_recorded,
    ),
    post("integrity:inspection_cancel", ok(TEAM_SEES), pk("control_inspection"), lambda w, s: {"reason": "调整计划。"}),
    get("integrity:inspection_report", SEEN_BY_STAFF, pk("control_completed"), variant="completed"),
    get(
        "integrity:inspection_report",
        "404 admin CITY COUNTY supervisor head_x",
        pk("control_inspection"),
        variant="in progress",
        note="no report before the inspection is completed",
    ),
    get("integrity:spot_check_list", f"200 {EVERYONE}"),
    get("integrity:spot_check_new", INSPECTORS_ONLY),
    post("integrity:spot_check_new", ok(INSPECTORS_ONLY), data=_spot_check_data),
    get("integrity:spot_check_detail", TEAM_SEES, pk("spot_check"), variant="being recorded"),
    get("integrity:spot_check_detail", SEEN_BY_STAFF, pk("spot_check_fed"), variant="fed back"),
    get("integrity:spot_check_edit", TEAM_SEES, pk("spot_check")),
    post(
        "integrity:spot_check_edit",
        ok(TEAM_SEES),
        pk("spot_check"),
        lambda w, s: {**_spot_check_data(w, s), "version": version(s.spot_check)},
    ),
    post(
        "integrity:spot_check_issue_add",
        ok(TEAM_SEES),
        pk("spot_check"),
        lambda w, s: {
            "file_reference": "DY-2026-002",
            "article": "第七条（四）",
            "severity": "minor",
            "title": "待遇核定资料不全",
            "description": "缺少身份证明复印件。",
        },
    ),
    post(
        "integrity:spot_check_issue_withdraw",
        ok(TEAM_SEES),
        lambda w, s: {"pk": s.spot_check.pk, "issue_pk": s.spot_issue.pk},
        lambda w, s: {"reason": "经核实不是问题。"},
    ),
    post(
        "integrity:spot_check_feedback",
        ok(TEAM_SEES),
        pk("spot_check"),
        lambda w, s: {"deadline": day(20), "version": version(s.spot_check)},
    ),
    post(
        "integrity:spot_check_report",
        "302 admin inspector | 403 assessor team leader office handler COUNTY | 404 supervisor head_x",
        pk("spot_check_fed"),
        lambda w, s: {
            "to": s.head.person.pk,
            "text": "抽查发现问题1件，已反馈。",
            "version": version(s.spot_check_fed),
        },
    ),
    get("integrity:risk_list", f"200 {EVERYONE}"),
    get("integrity:risk_export", f"200 {EVERYONE}"),
    get("integrity:risk_new", KEEPERS_PAGE),
    post("integrity:risk_new", refused_for_b(ok(KEEPERS_PAGE)), data=_risk_data, cross_data=True),
    get("integrity:risk_detail", SEEN_BY_STAFF, pk("risk")),
    get("integrity:risk_edit", KEEPERS, pk("risk")),
    post(
        "integrity:risk_edit",
        ok(KEEPERS),
        pk("risk"),
        lambda w, s: {
            **{key: value for key, value in _risk_data(w, s).items() if key != "agency"},
            "version": version(s.risk),
        },
    ),
    post(
        "integrity:risk_review",
        ok(KEEPERS),
        pk("risk"),
        lambda w, s: {
            "likelihood": 2,
            "impact": 4,
            "status": "monitoring",
            "note": "已上线生存认证比对。",
            "next_review_on": day(90),
            "version": version(s.risk),
        },
    ),
    get("integrity:risk_report_list", f"200 {EVERYONE}"),
    get("integrity:risk_report_new", KEEPERS_PAGE),
    post(
        "integrity:risk_report_new",
        refused_for_b(ok(KEEPERS_PAGE)),
        cross_data=True,
        data=lambda w, s: {
            "agency": s.agency.pk,
            "year": 2026,
            "period": "h2",
            "title": "2026年下半年风险分析报告",
            "analysis": "总体可控。",
            "risks": [s.risk.pk],
        },
    ),
    get("integrity:risk_report_detail", SEEN_BY_STAFF, pk("risk_report")),
    get("integrity:risk_report_edit", KEEPERS, pk("risk_report")),
    post(
        "integrity:risk_report_edit",
        ok(KEEPERS),
        pk("risk_report"),
        lambda w, s: {
            "title": "2026年上半年风险分析报告（修改）",
            "analysis": "总体可控。",
            "risks": [s.risk.pk],
            "version": version(s.risk_report),
        },
    ),
    post(
        "integrity:risk_report_submit",
        ok(KEEPERS),
        pk("risk_report"),
        lambda w, s: {"version": version(s.risk_report)},
    ),
    get("integrity:plan_list", f"200 {EVERYONE}"),
    get("integrity:plan_new", KEEPERS_PAGE),
    post("integrity:plan_new", refused_for_b(ok(KEEPERS_PAGE)), data=_plan_data, cross_data=True),
    get("integrity:plan_detail", SEEN_BY_STAFF, pk("plan")),
    get("integrity:plan_edit", KEEPERS, pk("plan")),
    post(
        "integrity:plan_edit",
        ok(KEEPERS),
        pk("plan"),
        lambda w, s: {
            **{key: value for key, value in _plan_data(w, s).items() if key != "agency"},
            "risks": [s.risk.pk],
            "version": version(s.plan),
        },
    ),
    post("integrity:plan_in_force", ok(KEEPERS), pk("plan"), lambda w, s: {"effective_on": day()}),
    post("integrity:plan_repeal", ok(KEEPERS), pk("plan"), lambda w, s: {"reason": "已被新预案取代。"}),
    get("integrity:service", f"200 {EVERYONE}"),
    get("integrity:service_export", f"200 {EVERYONE}"),
    get("integrity:service_commitment_new", SERVICE_PAGE),
    post(
        "integrity:service_commitment_new",
        refused_for_b(ok(SERVICE_PAGE)),
        data=_service_commitment_data,
        cross_data=True,
    ),
    get("integrity:service_commitment_detail", SEEN_BY_STAFF, pk("service_commitment")),
    get("integrity:service_commitment_edit", SERVICE, pk("service_commitment")),
    post(
        "integrity:service_commitment_edit",
        ok(SERVICE),
        pk("service_commitment"),
        lambda w, s: {
            **{key: value for key, value in _service_commitment_data(w, s).items() if key != "agency"},
            "version": version(s.service_commitment),
        },
    ),
    post(
        "integrity:service_commitment_withdraw",
        ok(SERVICE),
        pk("service_commitment"),
        lambda w, s: {"reason": "事项已取消。"},
    ),
    get("integrity:service_rule_new", SERVICE_PAGE),
    post("integrity:service_rule_new", refused_for_b(ok(SERVICE_PAGE)), data=_service_rule_data, cross_data=True),
    get("integrity:service_rule_detail", SEEN_BY_STAFF, pk("service_rule")),
    get("integrity:service_rule_edit", SERVICE, pk("service_rule")),
    post(
        "integrity:service_rule_edit",
        ok(SERVICE),
        pk("service_rule"),
        lambda w, s: {
            "kind": "first_inquiry",
            "title": "首问负责制（修订）",
            "content": "首位接待人员负责到底。",
            "effective_on": day(),
            "version": version(s.service_rule),
        },
    ),
    post("integrity:service_rule_repeal", ok(SERVICE), pk("service_rule"), lambda w, s: {"reason": "已合并。"}),
    get("integrity:accountability_list", ADMIN_ONLY_PAGE, note="责任追究 is restricted: no role carries the right"),
    get("integrity:accountability_new", ADMIN_ONLY_PAGE),
    post(
        "integrity:accountability_new",
        ok(ADMIN_ONLY_PAGE),
        data=lambda w, s: {
            "agency": w.a.agency.pk,
            "breach": "违反首问负责制。",
            "decision": "通报批评。",
            "consequence": "circulated",
            "decided_by": "市人社局",
            "decided_on": day(),
        },
    ),
    get("integrity:accountability_detail", "200 admin | 404 CITY COUNTY supervisor head_x", pk("accountability")),
    get("integrity:assignment_list", f"200 {EVERYONE}"),
    get("integrity:assignment_new", MANAGERS_PAGE),
    post("integrity:assignment_new", refused_for_b(ok(MANAGERS_PAGE)), data=_assignment_data, cross_data=True),
    get(
        "integrity:assignment_detail",
        "200 admin leader office head staff | 404 assessor team inspector handler supervisor head_x",
        pk("assignment"),
        note="the managers of integrity, and the person it is about",
    ),
    get(
        "integrity:assignment_edit",
        "200 admin leader office head | 403 staff | 404 assessor team inspector handler supervisor head_x",
        pk("assignment"),
    ),
    post(
        "integrity:assignment_edit",
        "302 admin leader office head | 403 staff | 404 assessor team inspector handler supervisor head_x",
        pk("assignment"),
        lambda w, s: {
            "post": "待遇审核岗（调整）",
            "business_duties": "待遇审核。",
            "integrity_duties": "廉洁履职。",
            "assigned_by": s.head.person.pk,
            "version": version(s.assignment),
        },
    ),
    get("integrity:commitment_list", f"200 {EVERYONE}"),
    get("integrity:commitment_issue", MANAGERS_PAGE),
    post(
        "integrity:commitment_issue",
        refused_for_b(ok(MANAGERS_PAGE)),
        cross_data=True,
        data=lambda w, s: {"agency": s.agency.pk, "year": 2027, "text": "本人郑重承诺：廉洁履职。"},
    ),
    get(
        "integrity:commitment_detail",
        "200 admin leader office head staff | 404 assessor team inspector handler supervisor head_x",
        pk("commitment"),
    ),
    post(
        "integrity:commitment_sign",
        "302 admin leader office head staff | 404 assessor team inspector handler supervisor head_x",
        pk("commitment"),
        lambda w, s: {"files": [pdf("承诺书.pdf")]},
        note="signed online by the person, recorded on paper by a manager",
    ),
    post(
        "integrity:commitment_void",
        "302 admin leader office head | 403 staff | 404 assessor team inspector handler supervisor head_x",
        pk("commitment"),
        lambda w, s: {"reason": "人员已调离。"},
    ),
    get("integrity:talk_list", TALKS, note="廉政约谈: nobody but the entitled learns that they exist"),
    get("integrity:talk_new", TALKS),
    post(
        "integrity:talk_new",
        ok(TALKS),
        data=lambda w, s: {
            "person": w.a.staff.person.pk,
            "kind": "reminder",
            "held_on": day(-1),
            "talked_by": "市社保中心主任",
            "reason": "群众反映其办事推诿。",
            "content": "重申纪律。",
        },
    ),
    get("integrity:talk_detail", TALKS, pk("talk")),
    post(
        "integrity:talk_follow_up",
        ok(TALKS),
        pk("talk"),
        lambda w, s: {"happened_on": day(), "text": "已回访，整改到位。"},
    ),
]

INTEGRITY_DOWNLOADS = [
    get("attachment_download", TEAM_SEES, token("control_result_file"), variant="control inspection item"),
    get("attachment_download", TEAM_SEES, token("spot_check_file"), variant="spot check being recorded"),
    get("attachment_download", SEEN_BY_STAFF, token("risk_report_file"), variant="risk analysis report"),
    get("attachment_download", SEEN_BY_STAFF, token("plan_file"), variant="disposal plan"),
    get("attachment_download", SEEN_BY_STAFF, token("service_rule_file"), variant="service rule"),
    get(
        "attachment_download",
        "200 admin leader office head staff | 404 assessor team inspector handler supervisor head_x",
        token("assignment_file"),
        variant="一岗双责",
    ),
    get(
        "attachment_download",
        "200 admin leader office head | 404 assessor team inspector handler staff supervisor head_x",
        token("commitment_file"),
        variant="a colleague's commitment",
    ),
    get("attachment_download", TALKS, token("talk_file"), variant="integrity talk"),
]

ROWS: list[Row] = [
    *PLATFORM,
    *DOWNLOADS,
    *FINDINGS,
    *ATTENDANCE,
    *OVERSIGHT,
    *DISCLOSURE,
    *ASSESSMENT,
    *COMPLAINTS,
    *INTEGRITY,
    *INTEGRITY_DOWNLOADS,
]

__all__ = ["ACTORS", "LEAK_CHECKED", "LOGIN", "ROLE_OF", "ROWS", "SECRET", "Row"]
