"""What a write did to the audited tables, and whether it left history for it.

An audited model is one with django-simple-history's `HistoricalRecords`. `AuditSnapshot.take()` reads
every audited table's rows (a digest per row) and the last history id of each, in two queries (table names come from the models, never from input);
`snapshot.changes()` then says which rows were added, changed or removed since, and which of them have
no new history row: a write that bypassed history (`queryset.update()`, `bulk_create`, raw SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.db import connection
from django.db.models import Model
from simple_history.models import registered_models


@cache
def audited_models() -> list[type[Model]]:
    """Every model with history (the historical models themselves excluded), in a stable order."""
    models = {model for model in registered_models.values() if hasattr(model, "history")}
    return sorted(models, key=lambda model: model._meta.label)


def _history_table(model: type[Model]) -> str:
    return model.history.model._meta.db_table


@cache
def _history_marks_sql() -> str:
    return _marks_sql(audited_models())


@cache
def _all_rows_sql() -> str:
    return _rows_sql(audited_models())


def _rows_sql(models: list[type[Model]]) -> str:
    parts = [
        f"SELECT '{model._meta.label}', t.{model._meta.pk.column}::text, md5(t::text) FROM {model._meta.db_table} t"  # noqa: S608
        for model in models
    ]
    return " UNION ALL ".join(parts)


def _marks_sql(models: list[type[Model]]) -> str:
    parts = [
        f"SELECT '{model._meta.label}', coalesce(max(history_id), 0) FROM {_history_table(model)}"  # noqa: S608
        for model in models
    ]
    return " UNION ALL ".join(parts)


@dataclass
class Changes:
    written: dict[str, set[str]] = field(default_factory=dict)  # model label → primary keys added/changed/removed
    without_history: dict[str, set[str]] = field(default_factory=dict)
    recorded: dict[str, set[str]] = field(default_factory=dict)  # model label → primary keys with new history
    removed: dict[str, set[str]] = field(default_factory=dict)  # model label → primary keys deleted
    history_rows: int = 0

    @property
    def nothing_written(self) -> bool:
        return not self.written

    def describe_missing(self) -> str:
        return "; ".join(f"{label} {sorted(pks)[:5]}" for label, pks in sorted(self.without_history.items()))


@dataclass
class AuditSnapshot:
    models: list[type[Model]]
    rows: dict[tuple[str, str], str]
    marks: dict[str, int]

    @classmethod
    def take(cls) -> AuditSnapshot:
        models = audited_models()
        with connection.cursor() as cursor:
            cursor.execute(_all_rows_sql())
            rows = {(label, pk): digest for label, pk, digest in cursor.fetchall()}
            cursor.execute(_history_marks_sql())
            marks = dict(cursor.fetchall())
        return cls(models, rows, marks)

    def changes(self) -> Changes:
        after = AuditSnapshot.take()
        written: dict[str, set[str]] = {}
        removed: dict[str, set[str]] = {}
        for key in self.rows.keys() - after.rows.keys():
            removed.setdefault(key[0], set()).add(key[1])
        for key in self.rows.keys() | after.rows.keys():
            if self.rows.get(key) != after.rows.get(key):
                written.setdefault(key[0], set()).add(key[1])
        recorded, count = self._new_history()
        missing = {
            label: pks - recorded.get(label, set())
            for label, pks in written.items()
            if pks - recorded.get(label, set())
        }
        return Changes(written, missing, recorded, removed, count)

    def _new_history(self) -> tuple[dict[str, set[str]], int]:
        parts = []
        for model in self.models:
            pk = model._meta.pk.column
            mark = int(self.marks[model._meta.label])
            parts.append(
                f"SELECT '{model._meta.label}', {pk}::text FROM {_history_table(model)} WHERE history_id > {mark}"  # noqa: S608
            )
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts))
            found = cursor.fetchall()
        recorded: dict[str, set[str]] = {}
        for label, pk in found:
            recorded.setdefault(label, set()).add(pk)
        return recorded, len(found)


# Audited models that are configuration, not business records: the system administrator may delete them
# in the admin (the database refuses when a record still refers to them), and why.
CONFIGURATION = {
    "supervision.City": "the organisation",
    "supervision.Division": "the organisation",
    "supervision.Agency": "the organisation",
    "supervision.Person": "the staff list",
    "supervision.VerticalManagement": "the organisation",
    "supervision.CalendarYear": "the working-day calendar",
    "supervision.CalendarOverride": "the working-day calendar",
    "supervision.AttendancePolicy": "settings",
    "supervision.LeaveKind": "settings (retired, not deleted, once used)",
    "supervision.ChannelMembership": "who belongs to a supervision channel",
    "supervision.OversightSettings": "settings",
    "supervision.DocumentSequence": "document numbering",
    "complaints.ExternalBody": "the directory of other bodies",
    "assessment.AssessmentYear": "the catalogue, while it is being prepared",
    "assessment.CatalogueItem": "the catalogue, while it is being prepared",
    "assessment.CatalogueSubItem": "the catalogue, while it is being prepared",
    "integrity.Checklist": "the regulation's checklists",
}


def business_models() -> list[type[Model]]:
    """Audited business records: never hard-deleted by anyone."""
    return [model for model in audited_models() if model._meta.label not in CONFIGURATION]
