from .accountability import AccountabilityRecord
from .attachments import Attachment
from .attendance import (
    AttendancePolicy,
    DisciplineVisit,
    Leave,
    LeaveEvent,
    LeaveFiling,
    LeaveKind,
    SignIn,
    VisitObservation,
)
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
    "AttendancePolicy",
    "CalendarOverride",
    "CalendarYear",
    "City",
    "DisciplineVisit",
    "Division",
    "DocumentSequence",
    "Finding",
    "FindingEvent",
    "Leave",
    "LeaveEvent",
    "LeaveFiling",
    "LeaveKind",
    "Notification",
    "Person",
    "SignIn",
    "VerticalManagement",
    "VisitObservation",
]
