"""The rota planner: a pure function from a week's patients and volunteers to a draft rota."""

from rota.planner.frequency import calls_due
from rota.planner.greedy import greedy_plan
from rota.planner.model import (
    HeldCall,
    PatientNeed,
    Plan,
    PlannedCall,
    PlannedZoomSession,
    PlanRequest,
    PlanSummary,
    Uncovered,
    VolunteerOffer,
    ZoomSessionNeed,
)
from rota.planner.planner import plan_week, replan_week

__all__ = [
    "HeldCall",
    "PatientNeed",
    "Plan",
    "PlanRequest",
    "PlanSummary",
    "PlannedCall",
    "PlannedZoomSession",
    "Uncovered",
    "VolunteerOffer",
    "ZoomSessionNeed",
    "calls_due",
    "greedy_plan",
    "plan_week",
    "replan_week",
]
