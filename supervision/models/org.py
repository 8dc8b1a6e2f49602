"""The organisation (第二条、第十三条、第十四条): cities, county-level divisions, units, people."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class City(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("设区市")
        verbose_name_plural = _("设区市")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Division(models.Model):
    """A county-level division (县、县级市、区) of a city."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("县")
        COUNTY_CITY = "county_city", _("县级市")
        DISTRICT = "district", _("市辖区")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="divisions", verbose_name=_("设区市"))
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("县级行政区")
        verbose_name_plural = _("县级行政区")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="division_unique_name_per_city")]

    def __str__(self) -> str:
        return self.name


class AgencyQuerySet(models.QuerySet["Agency"]):
    def county_agencies(self) -> AgencyQuerySet:
        return self.filter(kind=Agency.Kind.COUNTY_AGENCY)

    def active(self) -> AgencyQuerySet:
        return self.filter(is_active=True)

    def vertically_managed_in(self, year: int) -> AgencyQuerySet:
        return self.filter(vertical_years__year=year, vertical_years__is_vertical=True)


class Agency(models.Model):
    """A unit of one of the four kinds the regulation names; the county agency is the supervised one."""

    class Kind(models.TextChoices):
        CITY_BUREAU = "city_bureau", _("市人力资源和社会保障局")
        CITY_AGENCY = "city_agency", _("市社会保险经办机构")
        COUNTY_BUREAU = "county_bureau", _("县（市、区）人力资源和社会保障局")
        COUNTY_AGENCY = "county_agency", _("县（市、区）社会保险经办机构")

    COUNTY_KINDS = (Kind.COUNTY_BUREAU, Kind.COUNTY_AGENCY)
    CITY_KINDS = (Kind.CITY_BUREAU, Kind.CITY_AGENCY)

    kind = models.CharField(_("单位类别"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("设区市"))
    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        related_name="agencies",
        null=True,
        blank=True,
        verbose_name=_("县级行政区"),
        help_text=_("县（市、区）单位必填；市级单位留空。"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    work_starts_at = models.TimeField(_("上班时间"), default=datetime.time(8, 30))
    is_active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["city__code", "division__code", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["county_bureau", "county_agency"]) & Q(division__isnull=False))
                | (Q(kind__in=["city_bureau", "city_agency"]) & Q(division__isnull=True)),
                name="agency_division_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["division", "kind"],
                condition=Q(division__isnull=False),
                name="agency_one_per_kind_per_division",
            ),
            models.UniqueConstraint(
                fields=["city", "kind"],
                condition=Q(division__isnull=True),
                name="agency_one_per_kind_per_city",
            ),
        ]
        permissions = [
            ("act_for_agency", _("可代表该单位办理")),
            ("inspect_agency", _("可检查该单位")),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_county_agency(self) -> bool:
        return self.kind == self.Kind.COUNTY_AGENCY

    def is_vertically_managed(self, year: int) -> bool:
        return self.vertical_years.filter(year=year, is_vertical=True).exists()

    def head(self) -> Person | None:
        return self.people.filter(position=Person.Position.HEAD, is_active=True).first()


class VerticalManagement(models.Model):
    """Whether a county agency is vertically managed (垂直管理) in a given year (第四条)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="vertical_years", verbose_name=_("经办机构")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    is_vertical = models.BooleanField(_("垂直管理"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("垂直管理情况")
        verbose_name_plural = _("垂直管理情况")
        ordering = ["-year", "agency"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="vertical_once_per_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}"


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        return self.filter(is_active=True)


class Person(models.Model):
    """Someone who works in a unit, in one position; staff with an account sign in as their user."""

    class Position(models.TextChoices):
        MAIN_LEADER = "main_leader", _("主要领导")
        HEAD = "head", _("主要负责同志")
        DEPUTY = "deputy", _("副职")
        STAFF = "staff", _("工作人员")
        OFFICE = "office", _("办公室")
        PERSONNEL = "personnel", _("人事科")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("登录账号"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people", verbose_name=_("所在单位"))
    position = models.CharField(_("岗位"), max_length=20, choices=Position.choices, default=Position.STAFF)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["agency", "position", "name"]
        indexes = [models.Index(fields=["agency", "position"], name="person_agency_position")]

    def __str__(self) -> str:
        return self.name


class AgencyUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key object permission: dies with its agency, joins in one query."""

    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE, verbose_name=_("单位"))

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("用户单位权限")
        verbose_name_plural = _("用户单位权限")


class AgencyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE, verbose_name=_("单位"))

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("角色单位权限")
        verbose_name_plural = _("角色单位权限")
