from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from guardian.shortcuts import assign_perm

from supervision.models import Agency, City, Division
from supervision.permissions import Action, agencies_for, can, get_agency_for_user, roles_of
from tests.factories import AgencyFactory, DivisionFactory, make_user

pytestmark = pytest.mark.django_db


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


@pytest.fixture
def other_city(org):
    city = City.objects.create(name="安阳市", code="410500")
    division = Division.objects.create(city=city, name="林州市", kind=Division.Kind.COUNTY_CITY, code="410581")
    return Agency.objects.create(
        city=city, division=division, kind=Agency.Kind.COUNTY_AGENCY, name="林州市社会保险中心"
    )


def test_system_admin_sees_every_agency(org, admin_user, other_city):
    assert names(agencies_for(admin_user)) == names(Agency.objects.all())


@pytest.mark.parametrize(
    "persona", ["assessor", "team_member", "inspector", "handler", "leader", "office", "personnel"]
)
def test_city_level_roles_see_their_whole_city_and_nothing_beyond(request, org, other_city, persona):
    user = request.getfixturevalue(persona)
    visible = names(agencies_for(user))
    assert visible == names(Agency.objects.filter(city=org.city))
    assert other_city.name not in visible


@pytest.mark.parametrize("persona", ["head_weihui", "staff_weihui"])
def test_county_head_and_staff_see_their_own_agency_only(request, org, persona):
    user = request.getfixturevalue(persona)
    assert names(agencies_for(user)) == {"卫辉市社会保险中心"}


def test_county_bureau_inspector_reaches_their_county_only(org):
    user = make_user("county_inspector", ["inspector"], org.huixian_bureau)
    assert names(agencies_for(user, Action.INSPECT)) == {"辉县市人力资源和社会保障局", "辉县市社会保险中心"}


@pytest.mark.parametrize("persona", ["outsider", "supervisor_user"])
def test_without_a_unit_or_a_grant_nothing_is_visible(request, org, persona):
    assert not agencies_for(request.getfixturevalue(persona)).exists()


def test_anonymous_and_inactive_users_see_nothing(org, head_weihui):
    from django.contrib.auth.models import AnonymousUser

    assert not agencies_for(AnonymousUser()).exists()
    head_weihui.is_active = False
    assert not agencies_for(head_weihui).exists()


def test_guardian_grant_widens_reach_for_one_agency_and_one_action(org, outsider):
    assign_perm("supervision.inspect_agency", outsider, org.huixian)
    assert names(agencies_for(outsider, Action.INSPECT)) == {"辉县市社会保险中心"}
    assert not agencies_for(outsider, Action.VIEW).exists()


def test_group_grant_counts_too(org, outsider):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="专项检查组")
    outsider.groups.add(group)
    assign_perm("supervision.view_agency", group, org.weihui)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    assert names(agencies_for(outsider)) == {"卫辉市社会保险中心"}


def test_actions_follow_roles(org, assessor, head_weihui, leader, inspector):
    assert can(head_weihui, Action.ACT_FOR, org.weihui)
    assert not can(head_weihui, Action.ACT_FOR, org.huixian)
    assert not can(assessor, Action.ACT_FOR, org.weihui)
    assert can(assessor, Action.ASSESS, org.huixian)
    assert not can(inspector, Action.ASSESS, org.huixian)
    assert can(leader, Action.APPROVE_HEAD_LEAVE, org.weihui)
    assert not can(head_weihui, Action.APPROVE_HEAD_LEAVE, org.weihui)


def test_get_agency_for_user_hides_other_counties_and_refuses_missing_rights(org, head_weihui, staff_weihui):
    with pytest.raises(Http404):
        get_agency_for_user(head_weihui, org.huixian.pk)
    assert get_agency_for_user(head_weihui, org.weihui.pk, Action.ACT_FOR) == org.weihui
    with pytest.raises(PermissionDenied):
        get_agency_for_user(staff_weihui, org.weihui.pk, Action.ACT_FOR)


def test_roles_are_read_once_per_user_object(org, head_weihui, django_assert_num_queries):
    roles_of(head_weihui)
    with django_assert_num_queries(0):
        assert roles_of(head_weihui) == {"county_head"}


class TestAgencyPages:
    def test_county_head_gets_404_on_another_countys_agency(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = client.get(reverse("org:agency_detail", args=[org.huixian.pk]))
        assert response.status_code == 404

    def test_county_head_sees_own_agency_with_people(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = client.get(reverse("org:agency_detail", args=[org.weihui.pk]))
        assert response.status_code == 200
        assert "卫辉市社会保险中心" in response.content.decode()
        assert "head_weihui的姓名" in response.content.decode()

    def test_list_shows_only_what_the_user_may_see(self, client, org, head_weihui):
        client.force_login(head_weihui)
        body = client.get(reverse("org:agency_list")).content.decode()
        assert "卫辉市社会保险中心" in body
        assert "辉县市社会保险中心" not in body

    def test_anonymous_is_sent_to_login(self, client, org):
        response = client.get(reverse("org:agency_detail", args=[org.weihui.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_wrong_method_is_refused(self, client, org, head_weihui):
        client.force_login(head_weihui)
        assert client.post(reverse("org:agency_detail", args=[org.weihui.pk])).status_code == 405

    def test_list_query_count_does_not_grow_with_agencies(self, client, org, assessor, django_assert_max_num_queries):
        client.force_login(assessor)
        url = reverse("org:agency_list")
        client.get(url)
        with django_assert_max_num_queries(12) as small:
            client.get(url)
        for _ in range(30):
            AgencyFactory(division=DivisionFactory(city=org.city))
        with django_assert_max_num_queries(12) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)
