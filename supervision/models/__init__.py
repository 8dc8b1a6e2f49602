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
    "City",
    "Division",
    "Person",
    "VerticalManagement",
]
