from .checklists import Checklist, ChecklistItem, ChecklistVersion, ControlArea
from .inspections import ControlInspection, InspectionItemResult
from .integrity import IntegrityCommitment, IntegrityTalk, IntegrityTalkFollowUp, ResponsibilityAssignment
from .risks import DisposalPlan, ReportPeriod, Risk, RiskAnalysisReport, RiskCategory, RiskLevel, RiskReview, risk_level
from .service import ServiceCommitment, ServiceRule
from .spot_checks import SpotCheck, SpotCheckIssue

__all__ = [
    "Checklist",
    "ChecklistItem",
    "ChecklistVersion",
    "ControlArea",
    "ControlInspection",
    "DisposalPlan",
    "InspectionItemResult",
    "IntegrityCommitment",
    "IntegrityTalk",
    "IntegrityTalkFollowUp",
    "ReportPeriod",
    "ResponsibilityAssignment",
    "Risk",
    "RiskAnalysisReport",
    "RiskCategory",
    "RiskLevel",
    "RiskReview",
    "ServiceCommitment",
    "ServiceRule",
    "SpotCheck",
    "SpotCheckIssue",
    "risk_level",
]
