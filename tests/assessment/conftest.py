from __future__ import annotations

import pytest

from assessment import actions
from assessment.models import Assessment, AssessmentYear, Team
from supervision.models import VerticalManagement
from supervision.permissions import Role
from tests.assessment.factories import assessment_of, open_year
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Evidence, imports and reports are written under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def year(org, admin_user) -> AssessmentYear:
    """2026, open for scoring, with 卫辉市, 辉县市 and 红旗区 (红旗区 vertically managed)."""
    VerticalManagement.objects.create(agency=org.hongqi, year=2026, is_vertical=True)
    return open_year(admin_user, org.city, 2026)


@pytest.fixture
def team_b(org):
    return make_user("team_b", [Role.ASSESSMENT_TEAM], org.city_bureau)


@pytest.fixture
def teams(year, assessor, team_member, team_b) -> tuple[Team, Team]:
    """第一考核组 (team_a) has 卫辉市; 第二考核组 (team_b) has 辉县市."""
    first = actions.team_create(
        year, acting_user=assessor, name="第一考核组", leader=team_member, members=[team_member]
    )
    second = actions.team_create(year, acting_user=assessor, name="第二考核组", leader=team_b, members=[team_b])
    actions.team_set_counties(
        first, [assessment_of(year, year.city.agencies.get(name="卫辉市社会保险中心"))], acting_user=assessor
    )
    actions.team_set_counties(
        second, [assessment_of(year, year.city.agencies.get(name="辉县市社会保险中心"))], acting_user=assessor
    )
    return first, second


@pytest.fixture
def weihui_assessment(org, year, teams) -> Assessment:
    return assessment_of(year, org.weihui)


@pytest.fixture
def huixian_assessment(org, year, teams) -> Assessment:
    return assessment_of(year, org.huixian)


@pytest.fixture
def hongqi_assessment(org, year) -> Assessment:
    return assessment_of(year, org.hongqi)
