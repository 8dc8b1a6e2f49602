"""Registries through which the apps above the ground floor contribute to shared pages.

`supervision` never imports `assessment`, `integrity` or `complaints`; instead each app registers,
in its `AppConfig.ready()`, what it adds to the navigation, the "my work" dashboard, the public
portal and the demo data. The ground floor only iterates these lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    """A top-level navigation entry, shown to users holding one of `roles` (None: every staff user)."""

    label: str | Promise
    url_name: str
    order: int = 100
    roles: frozenset[str] | None = None
    active_prefix: str = ""


@dataclass(frozen=True)
class DashboardCard:
    """One "my work" card: `counts(user)` returns labelled numbers with links, or [] to hide the card
    (as it is hidden when every count is `hide_zero` and zero)."""

    title: str | Promise
    counts: Callable[[Any], list[DashboardCount]]
    order: int = 100


@dataclass(frozen=True)
class DashboardCount:
    """A number, or a queryset whose count the dashboard reads with every other card's in one query."""

    label: str | Promise
    value: int | QuerySet[Any]
    url: str = ""
    tone: str = "secondary"  # a Bootstrap colour: danger for overdue, warning for waiting on me
    hide_zero: bool = False


@dataclass(frozen=True)
class PublicSection:
    """A block of the public portal at `/`: a title, a text and a link."""

    title: str | Promise
    text: str | Promise
    url_name: str
    order: int = 100


@dataclass(frozen=True)
class DemoSeeder:
    """A step of `seed_demo`; must be idempotent (running it twice changes nothing)."""

    name: str
    run: Callable[..., None]
    order: int = 100


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    dashboard: list[DashboardCard] = field(default_factory=list)
    public: list[PublicSection] = field(default_factory=list)
    demo: list[DemoSeeder] = field(default_factory=list)

    def add_nav(self, item: NavItem) -> None:
        self._add(self.nav, item)

    def add_dashboard(self, card: DashboardCard) -> None:
        self._add(self.dashboard, card)

    def add_public(self, section: PublicSection) -> None:
        self._add(self.public, section)

    def add_demo(self, seeder: DemoSeeder) -> None:
        self._add(self.demo, seeder)

    @staticmethod
    def _add(items: list[Any], item: Any) -> None:
        if item not in items:
            items.append(item)
            items.sort(key=lambda entry: entry.order)


registry = Registry()
