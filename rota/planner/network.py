"""The week as a flow network, shared by the min-cost-flow and CP-SAT solvers.

One unit of flow is one call: source -> patient -> patient-day -> (continuity arc to last
week's volunteer | a hub | a preferred window) -> volunteer window or slot -> slot ->
volunteer -> sink. Patients with the same language and never-pair list share a hub per
day, and a node per preferred window, which keeps the network small: those nodes, not each
patient, connect to the volunteer windows and slots that suit them. An unplaced call takes
the bypass arc straight to the sink.

Every integral flow is a valid plan except for one rule a network cannot say: a patient's
two calls at least two days apart. The solvers add that on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rota.planner.frequency import most_calls
from rota.planner.model import MAX_WAITING, PatientNeed
from rota.planner.week import Week, in_patient_windows, suits
from rota.windows import WeeklyWindow

SOURCE, SINK = 0, 1
FAIR_STEPS = 20  # resolution of a volunteer's load ratio in the fairness cost
BLOCK = 32  # volunteer windows per block node


@dataclass
class Weights:
    """Costs chosen so the priorities are strictly lexicographic.

    In a pure network any improvement decomposes into cycles that change at most one
    patient's coverage each way and at most two volunteers' loads, so each tier only has
    to outweigh what the lower tiers can change along one cycle (see docs/planner.md).
    """

    preference: int  # per slot position
    fairness: int  # per FAIR_STEPS-th of load ratio
    continuity: int  # per call kept with last week's volunteer
    cover: dict[str, int]

    @classmethod
    def for_size(cls, chain: int, positions: int, nodes: int) -> Weights:
        fairness = chain * positions + 1
        continuity = 2 * FAIR_STEPS * fairness + fairness
        unit = chain * (continuity + positions) + 2 * FAIR_STEPS * fairness + 1
        # OR-Tools' cost scaling multiplies costs by the node count and must not overflow
        # int64. Past that (county-sized pools) the lower tiers are weighted per call
        # rather than per chain of reassignments, and coverage keeps the largest weight
        # that fits: only an exchange touching over ~10^4 calls could then trade coverage.
        budget = 2**62 // (8 * 3 * (nodes + 1))
        if unit > budget:
            fairness = positions + 1
            continuity = 2 * FAIR_STEPS * fairness + fairness
            unit = budget
        return cls(1, fairness, continuity, {"high": 3 * unit, "medium": 2 * unit, "low": unit})


@dataclass
class Network:
    week: Week
    weights: Weights
    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    costs: list[int] = field(default_factory=list)
    nodes: int = 2
    out_arcs: list[list[int]] = field(default_factory=lambda: [[], []])
    cover_arc: dict[int, int] = field(default_factory=dict)  # need index -> source arc
    # (need, day) -> the arcs into that patient-day node: one, or two for a split patient
    day_in: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    # need -> (arcs of its first call by day, arcs of its second call by day)
    halves: dict[int, tuple[dict[int, int], dict[int, int]]] = field(default_factory=dict)
    day_node: dict[int, tuple[int, int]] = field(default_factory=dict)  # node -> (need, day)
    slot_node: dict[int, int] = field(default_factory=dict)  # node -> slot index
    fairness_arcs: list[int] = field(default_factory=list)
    bypass: int = -1

    def node(self) -> int:
        self.out_arcs.append([])
        self.nodes += 1
        return self.nodes - 1

    def arc(self, tail: int, head: int, cap: int, cost: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.costs.append(cost)
        self.out_arcs[tail].append(len(self.tails) - 1)
        return len(self.tails) - 1


def build_network(week: Week) -> Network:
    slots_by_day: dict[int, list[int]] = {}
    for slot in week.slots:
        slots_by_day.setdefault(slot.time.weekday, []).append(slot.index)
    windows_by_day: dict[int, list[int]] = {}
    for window in week.windows:
        windows_by_day.setdefault(window.window.weekday, []).append(window.key)
    day_nodes = sum(len(n.days) for n in week.needs)
    positions = 1 + max((s.position for s in week.slots), default=0)
    chain = 2 * day_nodes + len(week.slots) + 2  # bounds the patient-days on one cycle
    nodes = 6 * day_nodes + len(week.slots) + len(week.windows) + 2 * len(week.needs) + 10
    net = Network(week, Weights.for_size(chain, positions, nodes))
    w = net.weights

    slot_nodes = [net.node() for _ in week.slots]
    window_nodes = [net.node() for _ in week.windows]
    volunteer_nodes = {vid: net.node() for vid in week.capacity}
    for slot, node in zip(week.slots, slot_nodes, strict=True):
        net.slot_node[node] = slot.index
        net.arc(node, volunteer_nodes[slot.volunteer_id], 1, 0)
    for window, node in zip(week.windows, window_nodes, strict=True):
        for index in window.slots:
            position = week.slots[index].position
            net.arc(node, slot_nodes[index], 1, w.preference * position)
    for vid, node in volunteer_nodes.items():
        already = _held_load(week, vid)
        most = week.volunteers[vid].max_calls
        for j in range(1, week.capacity[vid] + 1):
            step = -(-FAIR_STEPS * (already + j) // most)  # ceil: a convex, rising cost
            net.fairness_arcs.append(net.arc(node, SINK, 1, w.fairness * step))

    windows_of: dict[tuple[int, int], list[int]] = {}
    for window in week.windows:
        windows_of.setdefault((window.volunteer_id, window.window.weekday), []).append(window.key)

    def continuity_targets(patient: PatientNeed, day: int, vid: int) -> list[int]:
        """Nodes through which last week's volunteer can take this patient's call."""
        found: list[int] = []
        for key in windows_of.get((vid, day), []):
            if not patient.windows:
                found.append(window_nodes[key])
                continue
            for index in week.windows[key].slots:
                if in_patient_windows(patient, week.slots[index].time):
                    found.append(slot_nodes[index])
        return found

    # Targets are grouped in blocks (per language and day, or per preferred window) so a
    # hub needs a few arcs to blocks rather than one per window or slot; a never-pair list
    # only opens up the blocks that hold a barred volunteer.
    grouped: dict[object, list[tuple[int, int, list[tuple[int, int, int]]]]] = {}

    def through_blocks(
        key: object, items: Callable[[], list[tuple[int, int, int]]], barred: frozenset[int]
    ) -> list[tuple[int, int]]:
        """items() gives (volunteer id, node, capacity) for everything the key reaches."""
        if key not in grouped:
            everything = items()
            grouped[key] = []
            for first in range(0, len(everything), BLOCK):
                part = everything[first : first + BLOCK]
                block = net.node()
                for _, target, cap in part:
                    net.arc(block, target, cap, 0)
                grouped[key].append((block, sum(cap for _, _, cap in part), part))
        found: list[tuple[int, int]] = []
        for block, cap, part in grouped[key]:
            if any(vid in barred for vid, _, _ in part):
                found.extend((t, c) for vid, t, c in part if vid not in barred)
            else:
                found.append((block, cap))
        return found

    def hub_targets(patient: PatientNeed, day: int) -> list[tuple[int, int]]:
        def items() -> list[tuple[int, int, int]]:
            return [
                (week.windows[k].volunteer_id, window_nodes[k], len(week.windows[k].slots))
                for k in windows_by_day.get(day, [])
                if patient.language in week.volunteers[week.windows[k].volunteer_id].languages
            ]

        return through_blocks(("day", patient.language, day), items, patient.never_pair)

    def liked_targets(patient: PatientNeed, liked: WeeklyWindow) -> list[tuple[int, int]]:
        def items() -> list[tuple[int, int, int]]:
            return [
                (week.slots[i].volunteer_id, slot_nodes[i], 1)
                for i in slots_by_day.get(liked.weekday, [])
                if liked.contains(week.slots[i].time)
                and patient.language in week.volunteers[week.slots[i].volunteer_id].languages
            ]

        return through_blocks(("liked", patient.language, liked), items, patient.never_pair)

    # Windowless patients of one kind share a hub per day that reaches whole windows;
    # a preferred window is a node of its own that reaches just the slots inside it.
    waiting_step = w.cover["low"] // (4 * MAX_WAITING * max(1, len(week.needs)) * 7)
    hubs: dict[tuple[object, int], int] = {}
    preferred: dict[tuple[object, WeeklyWindow], int] = {}
    suitable: dict[object, set[int]] = {}
    for i, need in enumerate(week.needs):
        patient = need.patient
        kind = (patient.language, patient.never_pair)
        if kind not in suitable:
            suitable[kind] = {v.id for v in week.volunteers.values() if suits(patient, v)}
        patient_node = net.node()
        # Within a risk the missed and the longest-waiting go first: a bonus summing to at
        # most a quarter of the low-risk weight over all patients, so it never trades a call
        # for one of higher risk and the coverage bound (bound.py) stays sound.
        bonus = patient.waiting * waiting_step
        net.cover_arc[i] = net.arc(SOURCE, patient_node, need.calls, -w.cover[patient.risk] - bonus)
        # A twice-weekly patient's calls are a "first" and a "second" call, which
        # solve_flow can confine to days either side of a gap day to keep them apart.
        halves = [net.node(), net.node()] if need.spaced and need.calls == 2 else []
        if halves:
            net.halves[i] = ({}, {})
            for half in halves:
                net.arc(patient_node, half, 1, 0)
        previous = patient.previous_volunteer_id
        keep = {previous} if previous in suitable[kind] else set()
        for day in need.days:
            entries = []
            if not patient.windows:
                if (kind, day) not in hubs:
                    hubs[(kind, day)] = hub = net.node()
                    for target, cap in hub_targets(patient, day):
                        net.arc(hub, target, cap, 0)
                entries.append(hubs[(kind, day)])
            for liked in patient.windows:
                if liked.weekday != day:
                    continue
                if (kind, liked) not in preferred:
                    preferred[(kind, liked)] = entry = net.node()
                    for target, cap in liked_targets(patient, liked):
                        net.arc(entry, target, cap, 0)
                entries.append(preferred[(kind, liked)])
            entries = [e for e in entries if net.out_arcs[e]]
            if not entries:
                continue
            day_node = net.node()
            net.day_node[day_node] = (i, day)
            if halves:
                # Both halves meet in one gate so the day still takes at most one call.
                gate = net.node()
                net.arc(gate, day_node, 1, 0)
                into = [net.arc(half, gate, 1, 0) for half in halves]
                net.halves[i][0][day], net.halves[i][1][day] = into
                net.day_in[(i, day)] = into
            else:
                net.day_in[(i, day)] = [net.arc(patient_node, day_node, 1, 0)]
            for vid in keep:
                for target in continuity_targets(patient, day, vid):
                    net.arc(day_node, target, 1, -w.continuity)
            for entry in entries:
                net.arc(day_node, entry, 1, 0)
    # A patient's calls need distinct days, two apart when spaced: a patient whose open
    # days allow fewer (say only Mon and Tue) is capped there. No plan is lost, and the
    # flow's bound no longer counts calls that could never both be made.
    open_days: dict[int, list[int]] = {}
    for index, day in sorted(net.day_in):
        open_days.setdefault(index, []).append(day)
    for i, arc in net.cover_arc.items():
        most = most_calls(open_days.get(i, []), week.needs[i].spaced)
        net.caps[arc] = min(net.caps[arc], most)
    total = sum(n.calls for n in week.needs)
    net.bypass = net.arc(SOURCE, SINK, total, 0)
    return net


def _held_load(week: Week, volunteer_id: int) -> int:
    return sum(1 for call in week.held if call.volunteer_id == volunteer_id)
