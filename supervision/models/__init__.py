from .accountability import AccountabilityRecord
from .attachments import Attachment
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
    "City",
    "Division",
    "Finding",
    "FindingEvent",
    "Notification",
    "Person",
    "VerticalManagement",
]
