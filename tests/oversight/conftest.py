"""Personas of supervision: county-bureau reviewers, an approver, and supervisors of two channels."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from supervision.models import Channel, ChannelMembership
from supervision.permissions import Role
from tests.factories import make_user


@pytest.fixture
def reviewer_weihui(org):
    """卫辉市人社局: receives and reviews 卫辉市's semiannual reports (第十三条)."""
    return make_user("bureau_weihui", [Role.INSPECTOR], org.weihui_bureau)


@pytest.fixture
def reviewer_huixian(org):
    return make_user("bureau_huixian", [Role.INSPECTOR], org.huixian_bureau)


@pytest.fixture
def approver(org):
    """A bureau official granted the right to publish fund-inspection results."""
    user = make_user("approver", [Role.INSPECTOR], org.city_bureau)
    user.user_permissions.add(Permission.objects.get(codename="publish_disclosure"))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def legislator(supervisor_user):
    """The `supervisor` persona, granted the legislative channel (人大)."""
    ChannelMembership.objects.create(user=supervisor_user, channel=Channel.LEGISLATIVE, body="市人大常委会")
    return supervisor_user


@pytest.fixture
def committee_member(org):
    user = make_user("committee", [Role.SUPERVISOR], None)
    ChannelMembership.objects.create(user=user, channel=Channel.DEMOCRATIC, body="社会保险委员会")
    return user
