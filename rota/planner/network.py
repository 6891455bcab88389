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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rota.planner.frequency import most_calls
from rota.planner.model import MAX_WAITING, PatientNeed
from rota.planner.week import Need, Week, in_patient_windows, suits
from rota.rules.ringing import speaks
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


IntArray = npt.NDArray[np.int64]


@dataclass
class Network:
    """Arcs are numpy arrays (index = arc id) once `build_network` has sealed the network."""

    week: Week
    weights: Weights
    tails: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    heads: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    caps: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    costs: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    nodes: int = 2
    # The arcs out of node n are out_order[out_start[n] : out_start[n + 1]], in arc order.
    out_start: IntArray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))
    out_order: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cover_arc: dict[int, int] = field(default_factory=dict)  # need index -> source arc
    # (need, day) -> the arcs into that patient-day node: one, or two for a split patient
    day_in: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    # need -> (arcs of its first call by day, arcs of its second call by day)
    halves: dict[int, tuple[dict[int, int], dict[int, int]]] = field(default_factory=dict)
    day_node: dict[int, tuple[int, int]] = field(default_factory=dict)  # node -> (need, day)
    slot_node: dict[int, int] = field(default_factory=dict)  # node -> slot index
    fairness_arcs: list[int] = field(default_factory=list)
    bypass: int = -1

    def out_arcs(self, node: int) -> list[int]:
        return [int(a) for a in self.out_order[self.out_start[node] : self.out_start[node + 1]]]


class _Arcs:
    """Arcs as they are added: bulk numpy parts and single arcs, sealed into arrays once."""

    def __init__(self) -> None:
        self.parts: list[tuple[IntArray, ...]] = []
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []
        self.count = 0
        self.nodes = 2

    def node(self) -> int:
        self.nodes += 1
        return self.nodes - 1

    def arc(self, tail: int, head: int, cap: int, cost: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.costs.append(cost)
        self.count += 1
        return self.count - 1

    def many(self, tails: IntArray, heads: IntArray, caps: IntArray, costs: IntArray) -> IntArray:
        """Arcs in array order; returns their ids."""
        self._flush()
        self.parts.append((tails, heads, caps, costs))
        first = self.count
        self.count += len(tails)
        return np.arange(first, self.count, dtype=np.int64)

    def _flush(self) -> None:
        if self.tails:
            self.parts.append(
                tuple(
                    np.array(column, dtype=np.int64)
                    for column in (self.tails, self.heads, self.caps, self.costs)
                )
            )
            self.tails, self.heads, self.caps, self.costs = [], [], [], []

    def seal(self, net: Network) -> None:
        self._flush()
        columns = [
            np.concatenate([part[c] for part in self.parts]) if self.parts else np.zeros(0)
            for c in range(4)
        ]
        net.tails, net.heads, net.caps, net.costs = (c.astype(np.int64) for c in columns)
        net.nodes = self.nodes
        net.out_order = np.argsort(net.tails, kind="stable")
        net.out_start = np.searchsorted(net.tails[net.out_order], np.arange(net.nodes + 1))


def cover_cost(weights: Weights, need: Need, waiting_step: int = 0) -> int:
    """The cost of one of this patient's calls going ahead: coverage by risk. Any further
    priority among patients belongs here (and must keep the tiers in Weights apart).

    Within a risk the missed and the longest-waiting go first: a bonus of `waiting_step` per
    step of `waiting`, summing to at most a quarter of the low-risk weight over all patients, so it
    never trades a call for one of higher risk and the coverage bound (bound.py) stays sound.
    """
    return -weights.cover[need.patient.risk] - need.patient.waiting * waiting_step


def build_network(week: Week) -> Network:
    """Nodes and arcs are numbered in the order they are added here, so a week always gives
    the same network, and with it the same rota."""
    builder = _Builder(week)
    builder.add_volunteers()
    for i, need in enumerate(week.needs):
        builder.add_patient(i, need)
    return builder.seal()


# A target of a hub or preferred window: (volunteer id, node, capacity).
Target = tuple[int, int, int]


class _Builder:
    """The network as it is built: the volunteer side first, then each patient, sharing the
    hub, preferred-window and block nodes that patients of one kind have in common."""

    def __init__(self, week: Week) -> None:
        self.week = week
        slots = week.slots
        self.slot_day = np.array([s.time.weekday for s in slots], dtype=np.int64)
        self.slot_start = np.array([s.time.start for s in slots], dtype=np.int64)
        self.slot_end = np.array([s.time.end for s in slots], dtype=np.int64)
        self.slot_vid = np.array([s.volunteer_id for s in slots], dtype=np.int64)
        self.windows_by_day: dict[int, list[int]] = {}
        self.windows_of: dict[tuple[int, int], list[int]] = {}
        for window in week.windows:
            self.windows_by_day.setdefault(window.window.weekday, []).append(window.key)
            self.windows_of.setdefault((window.volunteer_id, window.window.weekday), []).append(
                window.key
            )
        day_nodes = sum(len(n.days) for n in week.needs)
        positions = 1 + max((s.position for s in slots), default=0)
        chain = 2 * day_nodes + len(slots) + 2  # bounds the patient-days on one cycle
        nodes = 6 * day_nodes + len(slots) + len(week.windows) + 2 * len(week.needs) + 10
        self.net = Network(week, Weights.for_size(chain, positions, nodes))
        self.arcs = _Arcs()
        # Slots, volunteer windows and volunteers come first, numbered in a block each.
        first_slot = self.arcs.nodes
        self.arcs.nodes += len(slots)
        self.slot_nodes = np.arange(first_slot, self.arcs.nodes, dtype=np.int64)
        first_window = self.arcs.nodes
        self.arcs.nodes += len(week.windows)
        self.window_nodes = list(range(first_window, self.arcs.nodes))
        self.volunteer_nodes = {vid: self.arcs.node() for vid in week.capacity}
        self.net.slot_node = {int(n): i for i, n in enumerate(self.slot_nodes)}
        # Shared between patients: see add_patient.
        # `waiting` counts fortnights (0 to MAX_WAITING), not days: a step this size keeps the
        # bonuses of all patients under a quarter of the low-risk weight, and makes a long
        # wait outweigh keeping last week's volunteer, so a short week rotates (issue 19).
        self.waiting_step = self.net.weights.cover["low"] // (
            4 * MAX_WAITING * max(1, len(week.needs))
        )
        self.hubs: dict[tuple[object, int], int] = {}
        self.preferred: dict[tuple[object, WeeklyWindow], int] = {}
        self.leads_on: set[int] = set()  # hub and window nodes with at least one arc out
        self.suitable: dict[object, set[int]] = {}
        self.speaks: dict[str, IntArray] = {}
        self.grouped: dict[object, list[tuple[int, int, list[Target]]]] = {}

    def add_volunteers(self) -> None:
        """Window -> slot (costing its position) -> volunteer -> sink (costing fairness)."""
        week, arcs, w = self.week, self.arcs, self.net.weights
        slots = week.slots
        volunteer_of_slot = np.array(
            [self.volunteer_nodes[int(v)] for v in self.slot_vid], dtype=np.int64
        )
        ones = np.ones(len(slots), dtype=np.int64)
        arcs.many(self.slot_nodes, volunteer_of_slot, ones, np.zeros(len(slots), dtype=np.int64))
        cut = np.array([i for window in week.windows for i in window.slots], dtype=np.int64)
        per_window = [len(window.slots) for window in week.windows]
        position = np.array([s.position for s in slots], dtype=np.int64)
        arcs.many(
            np.repeat(np.array(self.window_nodes, dtype=np.int64), per_window),
            self.slot_nodes[cut] if len(cut) else cut,
            np.ones(len(cut), dtype=np.int64),
            w.preference * position[cut] if len(cut) else cut,
        )
        self.net.fairness_arcs = self._add_fairness()

    def _add_fairness(self) -> list[int]:
        """One arc per call a volunteer can still take, each costing the load ratio it
        brings them to, so calls go where the load is lowest."""
        week, volunteer_nodes = self.week, self.volunteer_nodes
        held = Counter(call.volunteer_id for call in week.held)
        spare = [week.capacity[vid] for vid in volunteer_nodes]
        steps = np.concatenate(
            [np.arange(1, n + 1, dtype=np.int64) for n in spare] or [np.zeros(0, dtype=np.int64)]
        )
        already = np.repeat(np.array([held[vid] for vid in volunteer_nodes], dtype=np.int64), spare)
        most = np.repeat(
            np.array([week.volunteers[vid].max_calls for vid in volunteer_nodes], dtype=np.int64),
            spare,
        )
        fair = -(-FAIR_STEPS * (already + steps) // most)  # ceil: a convex, rising cost
        fairness_arcs: list[int] = self.arcs.many(
            np.repeat(np.array(list(volunteer_nodes.values()), dtype=np.int64), spare),
            np.full(len(steps), SINK, dtype=np.int64),
            np.ones(len(steps), dtype=np.int64),
            self.net.weights.fairness * fair,
        ).tolist()
        return fairness_arcs

    def add_patient(self, i: int, need: Need) -> None:
        """Source -> patient (costing coverage) -> one node per day it can be called on."""
        net, arcs, patient = self.net, self.arcs, need.patient
        kind = (patient.language, patient.never_pair)
        if kind not in self.suitable:
            self.suitable[kind] = {v.id for v in self.week.volunteers.values() if suits(patient, v)}
        patient_node = arcs.node()
        net.cover_arc[i] = arcs.arc(
            SOURCE, patient_node, need.calls, cover_cost(net.weights, need, self.waiting_step)
        )
        halves = self._add_halves(i, need, patient_node)
        previous = patient.previous_volunteer_id
        keep = {previous} if previous in self.suitable[kind] else set()
        for day in need.days:
            entries = self._entries(patient, kind, day)
            if not entries:
                continue
            day_node = self._add_day(i, day, patient_node, halves)
            for vid in keep:
                for target in self._continuity_targets(patient, day, vid):
                    arcs.arc(day_node, target, 1, -net.weights.continuity)
            for entry in entries:
                arcs.arc(day_node, entry, 1, 0)

    def _add_halves(self, i: int, need: Need, patient_node: int) -> list[int]:
        """A twice-weekly patient's calls are a "first" and a "second" call, which
        solve_flow can confine to days either side of a gap day to keep them apart."""
        if not (need.spaced and need.calls == 2):
            return []
        halves = [self.arcs.node(), self.arcs.node()]
        self.net.halves[i] = ({}, {})
        for half in halves:
            self.arcs.arc(patient_node, half, 1, 0)
        return halves

    def _add_day(self, i: int, day: int, patient_node: int, halves: list[int]) -> int:
        """The patient-day node, taking at most one call."""
        net, arcs = self.net, self.arcs
        day_node = arcs.node()
        net.day_node[day_node] = (i, day)
        if halves:
            # Both halves meet in one gate so the day still takes at most one call.
            gate = arcs.node()
            arcs.arc(gate, day_node, 1, 0)
            into = [arcs.arc(half, gate, 1, 0) for half in halves]
            net.halves[i][0][day], net.halves[i][1][day] = into
            net.day_in[(i, day)] = into
        else:
            net.day_in[(i, day)] = [arcs.arc(patient_node, day_node, 1, 0)]
        return day_node

    def _entries(self, patient: PatientNeed, kind: object, day: int) -> list[int]:
        """Windowless patients of one kind share a hub per day that reaches whole windows;
        a preferred window is a node of its own that reaches just the slots inside it.
        Only those that lead somewhere count."""
        entries = [self._hub(patient, kind, day)] if not patient.windows else []
        entries += [
            self._preferred_window(patient, kind, liked)
            for liked in patient.windows
            if liked.weekday == day
        ]
        return [e for e in entries if e in self.leads_on]

    def _hub(self, patient: PatientNeed, kind: object, day: int) -> int:
        if (kind, day) not in self.hubs:
            self.hubs[(kind, day)] = hub = self.arcs.node()
            self._lead(hub, self._hub_targets(patient, day))
        return self.hubs[(kind, day)]

    def _preferred_window(self, patient: PatientNeed, kind: object, liked: WeeklyWindow) -> int:
        if (kind, liked) not in self.preferred:
            self.preferred[(kind, liked)] = entry = self.arcs.node()
            self._lead(entry, self._liked_targets(patient, liked))
        return self.preferred[(kind, liked)]

    def _lead(self, entry: int, targets: list[tuple[int, int]]) -> None:
        """Arcs from a hub or preferred window to what it reaches (its blocks are numbered
        after it)."""
        for target, cap in targets:
            self.arcs.arc(entry, target, cap, 0)
            self.leads_on.add(entry)

    def _continuity_targets(self, patient: PatientNeed, day: int, vid: int) -> list[int]:
        """Nodes through which last week's volunteer can take this patient's call."""
        week = self.week
        found: list[int] = []
        for key in self.windows_of.get((vid, day), []):
            if not patient.windows:
                found.append(self.window_nodes[key])
                continue
            for index in week.windows[key].slots:
                if in_patient_windows(patient, week.slots[index].time):
                    found.append(int(self.slot_nodes[index]))
        return found

    def _speakers(self, language: str) -> IntArray:
        """Volunteer ids who speak the language, sorted."""
        if language not in self.speaks:
            self.speaks[language] = np.array(
                sorted(v.id for v in self.week.volunteers.values() if speaks(v, language)),
                dtype=np.int64,
            )
        return self.speaks[language]

    def _through_blocks(
        self, key: object, items: Callable[[], list[Target]], barred: frozenset[int]
    ) -> list[tuple[int, int]]:
        """Targets are grouped in blocks (per language and day, or per preferred window) so
        a hub needs a few arcs to blocks rather than one per window or slot; a never-pair
        list only opens up the blocks that hold a barred volunteer."""
        if key not in self.grouped:
            self.grouped[key] = self._add_blocks(items())
        found: list[tuple[int, int]] = []
        for block, cap, part in self.grouped[key]:
            if any(vid in barred for vid, _, _ in part):
                found.extend((t, c) for vid, t, c in part if vid not in barred)
            else:
                found.append((block, cap))
        return found

    def _add_blocks(self, everything: list[Target]) -> list[tuple[int, int, list[Target]]]:
        """(block node, its capacity, its targets) per BLOCK targets."""
        blocks = []
        for first in range(0, len(everything), BLOCK):
            part = everything[first : first + BLOCK]
            block = self.arcs.node()
            for _, target, cap in part:
                self.arcs.arc(block, target, cap, 0)
            blocks.append((block, sum(cap for _, _, cap in part), part))
        return blocks

    def _hub_targets(self, patient: PatientNeed, day: int) -> list[tuple[int, int]]:
        week = self.week

        def items() -> list[Target]:
            return [
                (week.windows[k].volunteer_id, self.window_nodes[k], len(week.windows[k].slots))
                for k in self.windows_by_day.get(day, [])
                if speaks(week.volunteers[week.windows[k].volunteer_id], patient.language)
            ]

        return self._through_blocks(("day", patient.language, day), items, patient.never_pair)

    def _liked_targets(self, patient: PatientNeed, liked: WeeklyWindow) -> list[tuple[int, int]]:
        def items() -> list[Target]:
            inside = np.flatnonzero(
                (self.slot_day == liked.weekday)
                & (self.slot_start >= liked.start)
                & (self.slot_end <= liked.end)
                & np.isin(self.slot_vid, self._speakers(patient.language))
            )
            return [(int(self.slot_vid[i]), int(self.slot_nodes[i]), 1) for i in inside]

        return self._through_blocks(("liked", patient.language, liked), items, patient.never_pair)

    def seal(self) -> Network:
        """The bypass for unplaced calls, the arrays, and the cover arcs capped by open days."""
        net = self.net
        total = sum(n.calls for n in self.week.needs)
        net.bypass = self.arcs.arc(SOURCE, SINK, total, 0)
        self.arcs.seal(net)
        _cap_by_open_days(net)
        return net


def _cap_by_open_days(net: Network) -> None:
    """A patient's calls need distinct days, two apart when spaced: a patient whose open
    days allow fewer (say only Mon and Tue) is capped there. No plan is lost, and the
    flow's bound no longer counts calls that could never both be made."""
    open_days: dict[int, list[int]] = {}
    for index, day in sorted(net.day_in):
        open_days.setdefault(index, []).append(day)
    for i, cover in net.cover_arc.items():
        most_calls_here = most_calls(open_days.get(i, []), net.week.needs[i].spaced)
        net.caps[cover] = min(int(net.caps[cover]), most_calls_here)
