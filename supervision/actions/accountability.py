from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from supervision.models import AccountabilityRecord, Agency, Person
from supervision.models.findings import finding_source_fields
from supervision.permissions import can, may_record_accountability


@transaction.atomic
def accountability_record(
    *,
    acting_user: Any,
    agency: Agency,
    breach: str,
    decision: str,
    consequence: str,
    decided_by: str,
    decided_on: datetime.date,
    person: Person | None = None,
    source_record: models.Model | None = None,
    source_label: str = "",
) -> AccountabilityRecord:
    """Record an accountability decision (责任追究); only explicitly granted users may."""
    if not may_record_accountability(acting_user) or not can(acting_user, "view", agency):
        raise PermissionDenied
    if person is not None and person.agency_id != agency.pk:
        raise PermissionDenied
    fields = finding_source_fields(source_record)
    record = AccountabilityRecord(
        agency=agency,
        person=person,
        breach=breach,
        decision=decision,
        consequence=consequence,
        decided_by=decided_by,
        decided_on=decided_on,
        source_label=source_label,
        recorded_by=acting_user,
        **fields,
    )
    record.full_clean(exclude=["source_type", "source_id"])
    record.save()
    return record
