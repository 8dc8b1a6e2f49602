"""Data that takes long to build and that the tests of several modules only read: built once per run.

`@shared_data` turns a builder (a generator yielding the data, like a fixture) into a module-scoped
fixture of that name. The first module asking for it builds it inside a transaction; the tests asking
for it run one after the other (tests/conftest.py sorts them together), each in its own savepoint
(`django_db`, never `transaction=True`), so no test sees another's writes; once the last of them has
run, the transaction is rolled back, so no other test ever sees the data. Each module gets its own
deep copy of the Python objects, as if it had built them itself.

The sets: `demo_database` (what `seed_demo` builds) and `matrix_world` (tests/security/world.py).
"""

from __future__ import annotations

import copy
import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.factories import FAST_PASSWORD_HASHERS
from tests.security.world import World, build_world


class SharedData:
    """One set of data: built on first use inside a transaction, rolled back by `close()`."""

    def __init__(self, build: Callable[[], Iterator[Any]]) -> None:
        self.build = contextmanager(build)
        self.stack: ExitStack | None = None
        self.value: Any = None

    def open(self, django_db_blocker: Any) -> Any:
        if self.stack is None:
            with ExitStack() as stack:
                stack.enter_context(django_db_blocker.unblock())
                stack.enter_context(transaction.atomic())
                stack.callback(transaction.set_rollback, True)
                self.value = stack.enter_context(self.build())
                self.stack = stack.pop_all()
        return self.value

    def close(self) -> None:
        if self.stack is not None:
            stack, self.stack, self.value = self.stack, None, None
            stack.close()


SHARED: dict[str, SharedData] = {}


@contextmanager
def rolled_back(django_db_blocker: Any) -> Iterator[None]:
    """A module's own writes over shared data (signed-in clients, more records), undone at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def shared_data(build: Callable[[], Iterator[Any]]) -> Any:
    """The module-scoped fixture named after `build`, whose data is built once for all its tests."""
    data = SHARED[build.__name__] = SharedData(build)

    @pytest.fixture(scope="module", name=build.__name__)
    def fixture(_shared_data_rolled_back_at_the_end: None, django_db_blocker: Any) -> Any:
        return copy.deepcopy(data.open(django_db_blocker))

    fixture.__doc__ = build.__doc__
    return fixture


@shared_data
def demo_database() -> Iterator[str]:
    """The Xinxiang demo data of `seed_demo` (it takes half a minute); the value is what the command printed."""
    out = io.StringIO()
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        call_command("seed_demo", stdout=out)
    yield out.getvalue()


@shared_data
def matrix_world() -> Iterator[World]:
    """The authorization matrix's world (tests/security/world.py), its files under a temporary MEDIA_ROOT."""
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_PASSWORD_HASHERS),
    ):
        yield build_world()


def shared_data_of(item: pytest.Item) -> str:
    """The name of the shared data the test reads ("" for none): its tests are run together."""
    names = [name for name in SHARED if name in getattr(item, "fixturenames", ())]
    if not names:
        return ""
    marker = item.get_closest_marker("django_db")
    if len(names) > 1 or marker is None or marker.kwargs.get("transaction"):
        raise pytest.UsageError(f"{item.nodeid}: one shared data set, in a django_db test without transaction=True")
    return names[0]


@pytest.fixture(scope="session")
def _shared_data_rolled_back_at_the_end(django_db_setup: None) -> Iterator[None]:
    yield
    for data in SHARED.values():
        data.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Roll the data back as soon as the next test does not read it (after this test's own rollback)."""
    result = yield
    if nextitem is not None:
        for name, data in SHARED.items():
            if name not in nextitem.fixturenames:
                data.close()
    return result
