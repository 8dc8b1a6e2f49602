from .calendar import CalendarOverride, CalendarYear
from .documents import DocumentSequence
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
    "Agency",
    "AgencyGroupObjectPermission",
    "AgencyUserObjectPermission",
    "CalendarOverride",
    "CalendarYear",
    "City",
    "Division",
    "DocumentSequence",
    "Person",
    "VerticalManagement",
]
