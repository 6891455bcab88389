"""The rota planner: a pure function from a week's patients and volunteers to a draft rota."""

from rota.planner.frequency import calls_due
from rota.planner.greedy import greedy_plan
from rota.planner.model import (
    HeldCall,
    PatientNeed,
    Plan,
    PlannedCall,
    PlannedSession,
    PlanRequest,
    PlanSummary,
    SessionTemplate,
    Uncovered,
    VolunteerOffer,
)
from rota.planner.planner import plan_week, replan_week

__all__ = [
    "HeldCall",
    "PatientNeed",
    "Plan",
    "PlanRequest",
    "PlanSummary",
    "PlannedCall",
    "PlannedSession",
    "SessionTemplate",
    "Uncovered",
    "VolunteerOffer",
    "calls_due",
    "greedy_plan",
    "plan_week",
    "replan_week",
]
