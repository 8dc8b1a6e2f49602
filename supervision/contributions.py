"""What the ground floor itself contributes to the shared registries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, registry


def _organisation_counts(user: Any) -> list[DashboardCount]:
    from supervision.permissions import agencies_for

    visible = agencies_for(user).county_agencies().count()
    return [DashboardCount(_("可查看的县级经办机构"), visible, reverse("org:agency_list"))]


def _seed_organisation(**options: Any) -> None:
    from supervision.demo import seed_organisation

    seed_organisation(**options)


def register() -> None:
    registry.add_nav(NavItem(_("我的工作"), "dashboard", order=0, active_prefix="/dashboard/"))
    registry.add_nav(NavItem(_("组织机构"), "org:agency_list", order=90, active_prefix="/org/"))
    registry.add_dashboard(DashboardCard(_("组织机构"), _organisation_counts, order=900))
    registry.add_demo(DemoSeeder("organisation", _seed_organisation, order=0))
