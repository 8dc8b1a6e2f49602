"""第十一条: 一岗双责, integrity commitments and the restricted integrity talks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from integrity import actions
from integrity.models import IntegrityCommitment, IntegrityTalk, ResponsibilityAssignment
from supervision.models import Attachment, Notification, Person
from supervision.models.findings import local_today
from supervision.permissions import Role
from supervision.workflow import TransitionNotAllowed
from tests.factories import make_user, verify_two_factor
from tests.integrity.factories import grant, make_risk, record_talk
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db

COMMITMENT_TEXT = "本人郑重承诺：不利用职权从事营利活动。"


class TestAssignments:
    def test_head_assigns_own_staff_leader_assigns_heads(self, org, head_weihui, staff_weihui, leader, head_huixian):
        assignment = actions.assignment_save(
            None,
            acting_user=head_weihui,
            person=staff_weihui.person,
            year=2026,
            post="待遇核定岗",
            business_duties="审核待遇核定。",
            integrity_duties="严守廉洁纪律。",
            assigned_by=head_weihui.person,
        )
        assert assignment.agency == org.weihui
        actions.assignment_save(
            None,
            acting_user=leader,
            person=head_huixian.person,
            year=2026,
            post="主任",
            business_duties="主持全面工作。",
            integrity_duties="第一责任人。",
        )
        with pytest.raises(PermissionDenied):
            actions.assignment_save(
                None,
                acting_user=head_weihui,
                person=head_huixian.person,
                year=2026,
                post="x",
                business_duties="x",
                integrity_duties="x",
            )

    def test_visibility_own_and_managed(self, client, org, head_weihui, staff_weihui, head_huixian):
        org_staff2 = make_user("staff2_weihui", [Role.COUNTY_STAFF], org.weihui)
        for person, post in ((staff_weihui.person, "待遇核定岗"), (org_staff2.person, "稽核岗")):
            actions.assignment_save(
                None,
                acting_user=head_weihui,
                person=person,
                year=2026,
                post=post,
                business_duties="x",
                integrity_duties="x",
            )
        client.force_login(staff_weihui)
        body = client.get(reverse("integrity:assignment_list")).content.decode()
        assert "待遇核定岗" in body and "稽核岗" not in body
        other = ResponsibilityAssignment.objects.get(post="稽核岗")
        assert client.get(reverse("integrity:assignment_detail", args=[other.pk])).status_code == 404
        client.force_login(head_weihui)
        body = client.get(reverse("integrity:assignment_list")).content.decode()
        assert "待遇核定岗" in body and "稽核岗" in body
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:assignment_detail", args=[other.pk])).status_code == 404
        assert client.get(reverse("integrity:assignment_edit", args=[other.pk])).status_code == 404

    def test_form_refuses_a_second_assignment_for_the_year(self, client, org, head_weihui, staff_weihui):
        client.force_login(head_weihui)
        data = {
            "person": staff_weihui.person.pk,
            "year": 2026,
            "post": "岗",
            "business_duties": "x",
            "integrity_duties": "x",
        }
        assert client.post(reverse("integrity:assignment_new"), data).status_code == 302
        response = client.post(reverse("integrity:assignment_new"), data)
        assert response.status_code == 400 and "已经登记" in response.content.decode()
        assert ResponsibilityAssignment.objects.count() == 1

    def test_staff_may_not_record(self, client, staff_weihui):
        client.force_login(staff_weihui)
        assert client.get(reverse("integrity:assignment_new")).status_code == 403

    def test_assigned_by_offers_own_and_city_leaders_never_another_countys(
        self, client, org, head_weihui, head_huixian, staff_weihui, leader
    ):
        client.force_login(head_weihui)
        page = client.get(reverse("integrity:assignment_new")).content.decode()
        assert head_weihui.person.name in page and leader.person.name in page
        assert head_huixian.person.name not in page
        data = {
            "person": staff_weihui.person.pk,
            "year": 2026,
            "post": "岗",
            "business_duties": "x",
            "integrity_duties": "x",
            "assigned_by": head_huixian.person.pk,
        }
        response = client.post(reverse("integrity:assignment_new"), data)
        assert response.status_code == 400
        assert not ResponsibilityAssignment.objects.exists()


class TestCommitments:
    def test_issue_sign_online_and_record_paper(self, client, org, head_weihui, staff_weihui):
        deputy = make_user("deputy_weihui", [Role.COUNTY_STAFF], org.weihui, Person.Position.DEPUTY)
        issued = actions.commitments_issue(
            acting_user=head_weihui, people=Person.objects.filter(agency=org.weihui), year=2026, text=COMMITMENT_TEXT
        )
        assert len(issued) == 3
        assert (
            actions.commitments_issue(
                acting_user=head_weihui,
                people=Person.objects.filter(agency=org.weihui),
                year=2026,
                text=COMMITMENT_TEXT,
            )
            == []
        )
        assert Notification.objects.filter(recipient=staff_weihui, title__contains="廉政承诺书").exists()

        mine = IntegrityCommitment.objects.get(person=staff_weihui.person)
        client.force_login(staff_weihui)
        assert "待我签署的廉政承诺书" in client.get(reverse("dashboard")).content.decode()
        client.post(reverse("integrity:commitment_sign", args=[mine.pk]))
        mine.refresh_from_db()
        assert (mine.status, mine.method) == (IntegrityCommitment.Status.SIGNED, IntegrityCommitment.Method.ONLINE)

        paper = IntegrityCommitment.objects.get(person=deputy.person)
        with pytest.raises(TransitionNotAllowed):
            actions.commitment_sign(paper, acting_user=head_weihui)
        actions.commitment_sign(paper, acting_user=head_weihui, files=[pdf_upload("承诺书.pdf")])
        paper.refresh_from_db()
        assert paper.method == IntegrityCommitment.Method.PAPER
        with pytest.raises(TransitionNotAllowed):
            actions.commitment_sign(paper, acting_user=head_weihui, files=[pdf_upload()])

    def test_colleague_cannot_sign_for_another(self, org, head_weihui, staff_weihui):
        colleague = make_user("staff2_weihui", [Role.COUNTY_STAFF], org.weihui)
        actions.commitments_issue(
            acting_user=head_weihui, people=[staff_weihui.person], year=2026, text=COMMITMENT_TEXT
        )
        commitment = IntegrityCommitment.objects.get()
        with pytest.raises(PermissionDenied):
            actions.commitment_sign(commitment, acting_user=colleague)

    def test_void_and_reissue(self, org, head_weihui, staff_weihui):
        (commitment,) = actions.commitments_issue(
            acting_user=head_weihui, people=[staff_weihui.person], year=2026, text=COMMITMENT_TEXT
        )
        actions.commitment_void(commitment, acting_user=head_weihui, reason="内容有误")
        (again,) = actions.commitments_issue(
            acting_user=head_weihui, people=[staff_weihui.person], year=2026, text="新内容"
        )
        assert again.pk != commitment.pk

    def test_issue_through_the_page_and_other_county_404(self, client, org, head_weihui, staff_weihui, head_huixian):
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:commitment_issue"), {"agency": org.weihui.pk, "year": 2026, "text": COMMITMENT_TEXT}
        )
        assert response.status_code == 302
        commitment = IntegrityCommitment.objects.get(person=staff_weihui.person)
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:commitment_detail", args=[commitment.pk])).status_code == 404
        assert client.post(reverse("integrity:commitment_sign", args=[commitment.pk])).status_code == 404
        response = client.post(
            reverse("integrity:commitment_issue"), {"agency": org.weihui.pk, "year": 2026, "text": COMMITMENT_TEXT}
        )
        assert response.status_code == 400
        client.force_login(staff_weihui)
        assert client.get(reverse("integrity:commitment_issue")).status_code == 403
        assert client.get(reverse("integrity:commitment_sign", args=[commitment.pk])).status_code == 405


@pytest.fixture
def talk(org, admin_user, staff_weihui):
    talk = record_talk(
        admin_user, staff_weihui.person, reason="群众反映其吃拿卡要的绝密事由", files=[pdf_upload("谈话记录.pdf")]
    )
    actions.talk_follow_up(
        talk, acting_user=admin_user, happened_on=local_today(), text="回访无异常。", files=[pdf_upload("回访.pdf")]
    )
    return talk


class TestTalks:
    """廉政约谈: never seen by anyone but system administrators and users explicitly granted the right."""

    @pytest.fixture
    def outsiders(self, org, head_weihui, inspector, leader):
        colleague = make_user("staff2_weihui", [Role.COUNTY_STAFF], org.weihui)
        return {
            "county head of the person's agency": head_weihui,
            "inspector without the permission": inspector,
            "colleague of the person": colleague,
            "city agency leader without the permission": leader,
        }

    def test_invisible_without_the_permission(self, client, talk, outsiders, staff_weihui):
        for name, user in {**outsiders, "the person themself": staff_weihui}.items():
            client.force_login(user)
            assert client.get(reverse("integrity:talk_list")).status_code == 404, name
            assert client.get(reverse("integrity:talk_detail", args=[talk.pk])).status_code == 404, name
            assert client.get(reverse("integrity:talk_new")).status_code == 404, name
            assert client.post(reverse("integrity:talk_follow_up", args=[talk.pk]), {"text": "x"}).status_code == 404, (
                name
            )
            for attachment in Attachment.objects.current():
                assert client.get(reverse("attachment_download", args=[attachment.token])).status_code == 404, name
            search = client.get(reverse("integrity:search"), {"q": "绝密"}).content.decode()
            assert "绝密" not in search.replace('value="绝密"', ""), name
            assert (
                talk.person.name
                not in client.get(reverse("integrity:search"), {"q": talk.person.name})
                .content.decode()
                .split("search-results")[-1]
            ), name
            index = client.get(reverse("integrity:index")).content.decode()
            assert "廉政约谈" not in index, name
            assert "廉政约谈" not in client.get(reverse("dashboard")).content.decode(), name

    def test_absent_from_exports(self, client, org, talk, head_weihui):
        make_risk(head_weihui, org.weihui)
        client.force_login(head_weihui)
        for name in ("integrity:inspection_export", "integrity:risk_export", "integrity:service_export"):
            response = client.get(reverse(name))
            assert response.status_code == 200
            assert "绝密".encode() not in response.content

    def test_granted_user_sees_and_records_within_reach(self, client, org, talk, leader, staff_weihui):
        leader = grant(leader, "integrity.view_integritytalk", "integrity.add_integritytalk")
        client.force_login(leader)
        assert "绝密" in client.get(reverse("integrity:talk_detail", args=[talk.pk])).content.decode()
        assert staff_weihui.person.name in client.get(reverse("integrity:talk_list")).content.decode()
        assert "绝密" in client.get(reverse("integrity:search"), {"q": "绝密"}).content.decode()
        for attachment in Attachment.objects.current():
            assert client.get(reverse("attachment_download", args=[attachment.token])).status_code == 200
        response = client.post(
            reverse("integrity:talk_new"),
            {"person": staff_weihui.person.pk, "kind": IntegrityTalk.Kind.ADMONITION, "held_on": local_today().isoformat(),
             "talked_by": "主任", "reason": "再次反映", "content": "诫勉"},
        )  # fmt: skip
        assert response.status_code == 302
        assert IntegrityTalk.objects.count() == 2
        assert not Notification.objects.filter(title__contains="约谈").exists()

    def test_granted_view_only_may_not_record(self, client, talk, leader, staff_weihui):
        leader = grant(leader, "integrity.view_integritytalk")
        client.force_login(leader)
        assert client.get(reverse("integrity:talk_list")).status_code == 200
        assert client.get(reverse("integrity:talk_new")).status_code == 403
        with pytest.raises(PermissionDenied):
            record_talk(leader, staff_weihui.person)

    def test_granted_county_user_sees_own_county_only(self, client, org, talk, head_huixian):
        head_huixian = grant(head_huixian, "integrity.view_integritytalk")
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:talk_detail", args=[talk.pk])).status_code == 404
        assert "绝密" not in client.get(reverse("integrity:talk_list")).content.decode()

    def test_recording_needs_the_permission(self, org, inspector, staff_weihui):
        with pytest.raises(PermissionDenied):
            record_talk(inspector, staff_weihui.person)

    def test_future_date_is_refused(self, client, talk, admin_user, staff_weihui):
        verify_two_factor(client, admin_user)
        response = client.post(
            reverse("integrity:talk_new"),
            {"person": staff_weihui.person.pk, "kind": "reminder", "held_on": "2999-01-01", "talked_by": "x",
             "reason": "x", "content": "x"},
        )  # fmt: skip
        assert response.status_code == 400
        assert IntegrityTalk.objects.count() == 1
