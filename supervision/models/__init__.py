from .accountability import AccountabilityRecord
from .attachments import Attachment
from .calendar import CalendarOverride, CalendarYear
from .documents import DocumentSequence
from .findings import Finding, FindingEvent
from .notifications import Notification
from .org import (
    Agency,
    AgencyGroupObjectPermission,
    AgencyUserObjectPermission,
    City,
    Division,
    Person,
    VerticalManagement,
)

__all__ = [
    "AccountabilityRecord",
    "Agency",
    "AgencyGroupObjectPermission",
    "AgencyUserObjectPermission",
    "Attachment",
    "CalendarOverride",
    "CalendarYear",
    "City",
    "Division",
    "DocumentSequence",
    "Finding",
    "FindingEvent",
    "Notification",
    "Person",
    "VerticalManagement",
]
