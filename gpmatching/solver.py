"""The assignment of patients without a médecin traitant to GPs: the mathematics, without Django.

Problem. Patients ``i`` with a priority weight ``w_i`` (a positive integer, the priority score), GPs ``j``
with a capacity ``c_j`` (new patients they take now), and the eligible pairs ``(i, j)`` (the GP's constraints
hold for the patient: distance or communes, age band, home visits; the GP did not decline the patient) with
their distance ``d_ij`` in metres. Choose ``x_ij`` in {0, 1}, each patient at most once, each GP at most
``c_j``:

1. maximise the priority-weighted number of patients placed, ``sum w_i x_ij``;
2. among those assignments, minimise the total distance ``sum d_ij x_ij``.

Solved exactly as one min-cost flow (source → patient, capacity 1; patient → GP, cost ``d_ij - M w_i``;
GP → sink, capacity ``c_j``; patient → sink "not placed", cost 0) with OR-Tools' ``SimpleMinCostFlow``. ``M``
is larger than the largest total distance of any assignment, so one more weight point always beats any
distance saving: the single objective orders solutions exactly as the two levels above. Network flow matrices
are totally unimodular, so the flow's integral optimum is the optimum of the 0-1 problem.

OR-Tools rather than SciPy (already a development requirement): on the same restricted flow SciPy's sparse
assignment (LAPJVsp) was 8 times slower and HiGHS 25 to 80 times, above the benchmark's floor
(docs/benchmarks.md, "One solver in production"). SciPy stays the independent reference (``lp_reference``).

``eligible_pairs`` builds the pairs (vectorised great-circle distances), ``solve`` returns the optimum,
``greedy`` the baseline a coordinator would follow by hand (highest priority first, nearest GP with room).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

EARTH_M = 6_371_008.8


@dataclass(frozen=True)
class Patients:
    weight: np.ndarray  # int64, > 0
    lat: np.ndarray  # degrees
    lon: np.ndarray
    age: np.ndarray  # whole years
    commune: np.ndarray  # int codes (any stable numbering), used by GPs restricting to communes
    home_visits: np.ndarray  # bool: needs visits at home

    def __len__(self) -> int:
        return len(self.weight)


@dataclass(frozen=True)
class GPs:
    capacity: np.ndarray  # int64, >= 0
    lat: np.ndarray
    lon: np.ndarray
    max_distance_m: np.ndarray  # int64; 0 = no distance limit
    communes: list  # per GP: a frozenset of commune codes, or None (no commune restriction)
    min_age: np.ndarray  # int64
    max_age: np.ndarray  # int64 (200 = no limit)
    home_visits: np.ndarray  # bool: makes home visits

    def __len__(self) -> int:
        return len(self.capacity)


@dataclass(frozen=True)
class Pairs:
    patient: np.ndarray  # int64 indexes
    gp: np.ndarray
    distance_m: np.ndarray  # int64
    # Rank of the GP among the patient's eligible GPs by distance (0 = nearest), NEAREST beyond: where the
    # search of a large problem starts.
    rank: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.patient)


@dataclass(frozen=True)
class Assignment:
    gp_of: np.ndarray  # per patient: GP index, or -1
    distance_m: np.ndarray  # per patient: metres to the GP (0 when not placed)
    placed: int
    weighted: int  # sum of the weights of the patients placed
    total_distance_m: int
    priced: np.ndarray | None = None  # indexes of the pairs whose residual network gave the final prices

    @classmethod
    def from_choice(cls, patients: Patients, gp_of: np.ndarray, distance_m: np.ndarray) -> Assignment:
        mask = gp_of >= 0
        return cls(
            gp_of=gp_of,
            distance_m=np.where(mask, distance_m, 0),
            placed=int(mask.sum()),
            weighted=int(patients.weight[mask].sum()),
            total_distance_m=int(distance_m[mask].sum()),
        )


def distances_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres from one point to many (haversine)."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


CHUNK = 512  # patients per block of the distance matrix


def _allowed_by_commune(patients: Patients, gps: GPs, open_gps: np.ndarray):
    """For GPs restricting to communes: (allowed, commune_row), ``allowed[commune_row[i], k]`` telling whether
    open GP ``k`` takes patient ``i``'s commune; (None, None) when no GP restricts."""
    restricted = [k for k, j in enumerate(open_gps) if gps.communes[j] is not None]
    if not restricted:
        return None, None
    codes = np.unique(patients.commune)
    position = {int(c): r for r, c in enumerate(codes)}
    allowed = np.ones((len(codes), len(open_gps)), dtype=bool)
    for k in restricted:
        allowed[:, k] = False
        rows = [position[c] for c in gps.communes[open_gps[k]] if c in position]
        allowed[rows, k] = True
    return allowed, np.searchsorted(codes, patients.commune)


def _excluded_columns(excluded: set[tuple[int, int]] | None, open_gps: np.ndarray) -> dict[int, set[int]]:
    """Per patient, the columns (positions in ``open_gps``) of the GPs excluded for them."""
    gp_column = {int(j): k for k, j in enumerate(open_gps)}
    by_patient: dict[int, set[int]] = {}
    for i, j in excluded or ():
        if j in gp_column:
            by_patient.setdefault(i, set()).add(gp_column[j])
    return by_patient


def _nearest_rank(masked: np.ndarray) -> np.ndarray:
    """Per cell of a block of distances (inf where not eligible), the GP's rank among the row's NEAREST
    nearest (0 = nearest), NEAREST beyond."""
    top = min(NEAREST, masked.shape[1])
    part = (
        np.argpartition(masked, top - 1, axis=1)[:, :top]
        if top < masked.shape[1]
        else np.broadcast_to(np.arange(top), (masked.shape[0], top))
    )
    ordered = np.take_along_axis(part, np.argsort(np.take_along_axis(masked, part, axis=1), axis=1), axis=1)
    nearest = np.full(masked.shape, NEAREST, dtype=np.int16)
    np.put_along_axis(
        nearest, ordered, np.broadcast_to(np.arange(top, dtype=np.int16), ordered.shape), axis=1
    )
    return nearest


def eligible_pairs(patients: Patients, gps: GPs, excluded: set[tuple[int, int]] | None = None) -> Pairs:
    """Every (patient, GP) pair allowed by the GP's constraints (distance or communes, age band, home visits),
    minus ``excluded`` (e.g. a GP who declined the patient); GPs without capacity get none. Computed by blocks
    of patients against all GPs (exact haversine distances), grouped by patient, with each patient's NEAREST
    eligible GPs flagged."""
    n = len(patients)
    open_gps = np.nonzero(gps.capacity > 0)[0]
    empty = np.zeros(0, dtype=np.int64)
    if n == 0 or len(open_gps) == 0:
        return Pairs(empty, empty, empty, np.zeros(0, dtype=bool))
    # GPs by latitude: a block of patients (also by latitude) only meets the GPs of the band it can reach.
    open_gps = open_gps[np.argsort(gps.lat[open_gps], kind="stable")]
    g_lat_deg = gps.lat[open_gps]
    g_lat, g_lon = np.radians(g_lat_deg), np.radians(gps.lon[open_gps])
    limit = np.where(gps.max_distance_m[open_gps] > 0, gps.max_distance_m[open_gps], np.inf)
    reach = np.inf if np.isinf(limit).any() else float(limit.max()) / 111_000 + 0.01  # degrees of latitude
    min_age, max_age = gps.min_age[open_gps], gps.max_age[open_gps]
    visits = gps.home_visits[open_gps]
    allowed, commune_row = _allowed_by_commune(patients, gps, open_gps)
    by_patient = _excluded_columns(excluded, open_gps)
    order = np.argsort(patients.lat, kind="stable")

    def block(start: int):
        rows = order[start : start + CHUNK]
        if np.isinf(reach):
            c0, c1 = 0, len(open_gps)
        else:
            c0, c1 = np.searchsorted(
                g_lat_deg, [patients.lat[rows].min() - reach, patients.lat[rows].max() + reach]
            )
        if c1 <= c0:
            return None
        cols = slice(c0, c1)
        p_lat, p_lon = np.radians(patients.lat[rows])[:, None], np.radians(patients.lon[rows])[:, None]
        a = (
            np.sin((g_lat[cols] - p_lat) / 2) ** 2
            + np.cos(p_lat) * np.cos(g_lat[cols]) * np.sin((g_lon[cols] - p_lon) / 2) ** 2
        )
        d = 2 * EARTH_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        age = patients.age[rows][:, None]
        ok = (d <= limit[cols]) & (age >= min_age[cols]) & (age <= max_age[cols])
        ok &= visits[cols] | ~patients.home_visits[rows][:, None]
        if allowed is not None:
            ok &= allowed[commune_row[rows]][:, cols]
        for r, i in enumerate(rows):
            for k in by_patient.get(int(i), ()):
                if c0 <= k < c1:
                    ok[r, k - c0] = False
        nearest = _nearest_rank(np.where(ok, d, np.inf))
        r_idx, c_idx = np.nonzero(ok)
        return (
            rows[r_idx],
            open_gps[c0 + c_idx],
            np.rint(d[r_idx, c_idx]).astype(np.int64),
            nearest[r_idx, c_idx],
        )

    # numpy releases the GIL on these array operations: blocks run on the machine's cores.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        blocks = [b for b in pool.map(block, range(0, n, CHUNK)) if b is not None]
    out_p, out_g, out_d, out_n = ([b[k] for b in blocks] for k in range(4))
    if not out_p:
        return Pairs(empty, empty, empty, np.zeros(0, dtype=bool))
    return Pairs(
        np.concatenate(out_p).astype(np.int64),
        np.concatenate(out_g).astype(np.int64),
        np.concatenate(out_d),
        np.concatenate(out_n),
    )


def big_m(patients: Patients, gps: GPs, pairs: Pairs) -> int:
    """A weight-point value above the largest total distance of any feasible assignment."""
    if len(pairs) == 0:
        return 1
    most_placed = min(len(patients), int(np.clip(gps.capacity, 0, None).sum()))
    return int(pairs.distance_m.max()) * most_placed + 1


class SolverError(RuntimeError):
    pass


DIRECT_LIMIT = 400_000  # up to this many pairs, one flow on all of them
NEAREST = 24  # otherwise, start from each patient's nearest eligible GPs and add the pairs the prices ask for
FEW = 3  # ... the FEW nearest for the patients too light to be placed first
FEW_FACTOR = 1.5


def _flow(patients: Patients, gps: GPs, pairs: Pairs, big: int) -> Assignment:
    from ortools.graph.python import min_cost_flow

    n, m = len(patients), len(gps)
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    patient_nodes = np.arange(n, dtype=np.int64)
    # Arcs 0..len(pairs)-1 are the patient → GP pairs, so the solution is read back by index.
    flow.add_arcs_with_capacity_and_unit_cost(
        pairs.patient,
        n + pairs.gp,
        np.ones(len(pairs), dtype=np.int64),
        pairs.distance_m - big * patients.weight[pairs.patient],
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source, dtype=np.int64),
        patient_nodes,
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        patient_nodes,
        np.full(n, sink, dtype=np.int64),
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        n + np.arange(m, dtype=np.int64),
        np.full(m, sink, dtype=np.int64),
        np.clip(gps.capacity, 0, None).astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n
    flow.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"Le solveur de flot n'a pas trouvé d'optimum (statut {status}).")
    used = flow.flows(np.arange(len(pairs), dtype=np.int64)) > 0
    gp_of = np.full(n, -1, dtype=np.int64)
    dist = np.zeros(n, dtype=np.int64)
    gp_of[pairs.patient[used]] = pairs.gp[used]
    dist[pairs.patient[used]] = pairs.distance_m[used]
    return Assignment.from_choice(patients, gp_of, dist)


def _subset(pairs: Pairs, index: np.ndarray) -> Pairs:
    return Pairs(
        pairs.patient[index],
        pairs.gp[index],
        pairs.distance_m[index],
        None if pairs.rank is None else pairs.rank[index],
    )


def _start(patients: Patients, gps: GPs, pairs: Pairs) -> np.ndarray:
    """The pairs the search starts from: the NEAREST eligible GPs of the patients heavy enough to be placed
    (the heaviest, up to FEW_FACTOR times the places offered), the FEW nearest of the others; prices add the
    rest."""
    if pairs.rank is None:
        rank = np.full(len(pairs), NEAREST, dtype=np.int16)
        index = _first_k_per_patient(pairs.patient, pairs.distance_m, NEAREST)
        order = np.lexsort((pairs.distance_m[index], pairs.patient[index]))
        p = pairs.patient[index][order]
        starts = np.r_[0, np.nonzero(p[1:] != p[:-1])[0] + 1] if len(p) else np.zeros(0, dtype=np.int64)
        rank[index[order]] = np.arange(len(p)) - np.repeat(starts, np.diff(np.r_[starts, len(p)]))
    else:
        rank = pairs.rank
    places = int(np.clip(gps.capacity, 0, None).sum())
    heavy = int(min(len(patients) - 1, FEW_FACTOR * places))
    threshold = np.sort(patients.weight)[::-1][heavy] if len(patients) else 0
    wanted = np.where(patients.weight >= threshold, NEAREST, min(FEW, NEAREST))
    return rank < wanted[pairs.patient]


def _first_k_per_patient(patient: np.ndarray, key: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the ``k`` smallest ``key`` of each patient."""
    order = np.lexsort((key, patient))
    p = patient[order]
    starts = np.r_[0, np.nonzero(p[1:] != p[:-1])[0] + 1]
    rank = np.arange(len(p)) - np.repeat(starts, np.diff(np.r_[starts, len(p)]))
    return order[rank < k]


def _network(patients: Patients, gps: GPs, pairs: Pairs, assignment: Assignment, big: int):
    """The arcs of the flow network for ``pairs`` with the flow of ``assignment``: tail, head, cost, cap,
    flow."""
    n, m = len(patients), len(gps)
    source, sink = n + m, n + m + 1
    placed = assignment.gp_of >= 0
    chosen = placed[pairs.patient] & (assignment.gp_of[pairs.patient] == pairs.gp)
    load = np.bincount(assignment.gp_of[placed], minlength=m)
    cap_gp = np.clip(gps.capacity, 0, None).astype(np.int64)
    tail = np.concatenate([pairs.patient, np.full(n, source), np.arange(n), n + np.arange(m)]).astype(
        np.int64
    )
    head = np.concatenate([n + pairs.gp, np.arange(n), np.full(n, sink), np.full(m, sink)]).astype(np.int64)
    cost = np.concatenate(
        [pairs.distance_m - big * patients.weight[pairs.patient], np.zeros(2 * n + m, np.int64)]
    )
    cap = np.concatenate([np.ones(len(pairs) + 2 * n, np.int64), cap_gp])
    flow = np.concatenate([chosen.astype(np.int64), np.ones(n, np.int64), (~placed).astype(np.int64), load])
    if int(chosen.sum()) != int(placed.sum()) or (flow > cap).any():
        raise SolverError("Affectation infaisable : une paire absente ou une capacité dépassée.")
    return tail, head, cost, cap, flow


def _prices(nodes: int, tail, head, cost, cap, flow) -> tuple[np.ndarray, int]:
    """Dual prices y (``y_tail - y_head <= cost`` on every residual arc) from shortest paths in the residual
    network (Bellman-Ford, vectorised, from a virtual root joined to every node at cost 0). Returns (y,
    rounds); SolverError when a cycle of negative cost exists (the flow is not optimal)."""
    fwd, bwd = flow < cap, flow > 0
    r_tail = np.concatenate([tail[fwd], head[bwd]])
    r_head = np.concatenate([head[fwd], tail[bwd]])
    r_cost = np.concatenate([cost[fwd], -cost[bwd]])
    order = np.argsort(r_head, kind="stable")
    r_tail, r_head, r_cost = r_tail[order], r_head[order], r_cost[order]
    heads, starts = np.unique(r_head, return_index=True)
    delta = np.zeros(nodes, dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        best = np.minimum.reduceat(delta[r_tail] + r_cost, starts)
        improved = best < delta[heads]
        if not improved.any():
            return -delta, rounds
        if rounds >= nodes:  # a shortest path has fewer arcs than nodes, unless a cycle is negative
            raise SolverError("Cycle de coût négatif : l'affectation n'est pas optimale.")
        delta[heads[improved]] = best[improved]


def solve(patients: Patients, gps: GPs, pairs: Pairs) -> Assignment:
    """The lexicographic optimum (weighted placements, then distance) by min-cost flow.

    Small problems: one flow on every pair. Large ones (a dense city gives each patient hundreds of eligible
    GPs): the flow on each patient's nearest eligible GPs, then the dual prices of that optimum are checked
    against every pair; pairs that would lower the cost (negative reduced cost) join and the flow is solved
    again, until none is left — then the prices prove the assignment optimal on all pairs (``certify`` checks
    it again)."""
    n = len(patients)
    if n == 0 or len(pairs) == 0:
        return Assignment.from_choice(patients, np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64))
    big = big_m(patients, gps, pairs)
    if big * int(patients.weight.max()) * n >= 2**62:
        raise SolverError("Problème trop grand pour des coûts entiers sur 64 bits.")
    if len(pairs) <= DIRECT_LIMIT:
        return _flow(patients, gps, pairs, big)
    nodes = n + len(gps) + 2
    full_cost = pairs.distance_m - big * patients.weight[pairs.patient]
    active = _start(patients, gps, pairs)
    while True:
        index = np.nonzero(active)[0]
        sub = _subset(pairs, index)
        assignment = _flow(patients, gps, sub, big)
        y, _ = _prices(nodes, *_network(patients, gps, sub, assignment, big))
        reduced = full_cost - y[pairs.patient] + y[n + pairs.gp]  # >= 0 on every arc when optimal
        wanted = (reduced < 0) & ~active
        if not wanted.any():
            return Assignment(
                assignment.gp_of,
                assignment.distance_m,
                assignment.placed,
                assignment.weighted,
                assignment.total_distance_m,
                priced=index,
            )
        candidates = np.nonzero(wanted)[0]
        active[candidates[_first_k_per_patient(pairs.patient[candidates], reduced[candidates], NEAREST)]] = (
            True
        )


def _by_patient(pairs: Pairs, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): ``order`` lists the pairs patient by patient (already so when the pairs come from
    ``eligible_pairs``), ``starts[i]:starts[i + 1]`` are patient i's positions in it."""
    grouped = len(pairs) < 2 or bool((np.diff(pairs.patient) != 0).sum() + 1 == len(np.unique(pairs.patient)))
    order = np.arange(len(pairs)) if grouped else np.argsort(pairs.patient, kind="stable")
    patient = pairs.patient[order]
    first = np.full(n, -1, dtype=np.int64)
    count = np.bincount(patient, minlength=n)
    if len(patient):
        change = np.r_[0, np.nonzero(patient[1:] != patient[:-1])[0] + 1]
        first[patient[change]] = change
    return order, first, count


def greedy(patients: Patients, gps: GPs, pairs: Pairs, order: np.ndarray | None = None) -> Assignment:
    """The manual baseline: patients by decreasing weight (then ``order``, e.g. oldest request first), each to
    the nearest eligible GP who still has room."""
    n = len(patients)
    remaining = np.clip(gps.capacity, 0, None).astype(np.int64).copy()
    positions, first, count = _by_patient(pairs, n)
    tiebreak = order if order is not None else np.arange(n)
    gp_of = np.full(n, -1, dtype=np.int64)
    dist = np.zeros(n, dtype=np.int64)
    for i in np.lexsort((tiebreak, -patients.weight)):
        if count[i] == 0:
            continue
        mine = positions[first[i] : first[i] + count[i]]
        candidates = pairs.gp[mine]
        room = remaining[candidates] > 0
        if not room.any():
            continue
        k = mine[np.argmin(np.where(room, pairs.distance_m[mine], np.iinfo(np.int64).max))]
        remaining[pairs.gp[k]] -= 1
        gp_of[i], dist[i] = pairs.gp[k], pairs.distance_m[k]
    return Assignment.from_choice(patients, gp_of, dist)


def lp_reference(patients: Patients, gps: GPs, pairs: Pairs) -> tuple[float, float]:
    """An independent check with another algorithm and library: the two levels as two linear programmes solved
    by HiGHS (SciPy). Level 1 maximises the weighted placements; level 2 fixes that value and minimises the
    distance. The LP relaxation's optimum bounds the 0-1 problem (and equals it: the matrix is totally
    unimodular). Returns (weighted placements, total distance in metres)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    k, n, m = len(pairs), len(patients), len(gps)
    if k == 0:
        return 0.0, 0.0
    cols = np.arange(k)
    a_patient = csr_matrix((np.ones(k), (pairs.patient, cols)), shape=(n, k))
    a_gp = csr_matrix((np.ones(k), (pairs.gp, cols)), shape=(m, k))
    a_ub = vstack([a_patient, a_gp]).tocsr()
    b_ub = np.concatenate([np.ones(n), np.clip(gps.capacity, 0, None)]).astype(float)
    w = patients.weight[pairs.patient].astype(float)
    first = linprog(-w, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if first.status != 0:
        raise SolverError(f"HiGHS : {first.message}")
    best_weight = -first.fun
    # Level 2: the optimal face of level 1 (weight at its optimum; a floating-point tolerance far below one
    # point).
    a_ub2 = vstack([a_ub, csr_matrix(-w.reshape(1, -1))]).tocsr()
    b_ub2 = np.concatenate([b_ub, [-(round(best_weight) - 1e-6)]])
    second = linprog(pairs.distance_m.astype(float), A_ub=a_ub2, b_ub=b_ub2, bounds=(0, 1), method="highs")
    if second.status != 0:
        raise SolverError(f"HiGHS : {second.message}")
    return best_weight, second.fun


@dataclass(frozen=True)
class Certificate:
    """A proof of optimality that does not trust the solver: ``bound`` is the value of a dual solution of the
    min-cost flow's linear programme, computed here and checked arc by arc, so by weak duality no assignment
    can cost less than ``bound``; when ``bound`` equals ``cost`` (the assignment's own value), the assignment
    is optimal. Costs are in the combined unit ``distance_m - big_m * weight``."""

    cost: int
    bound: int
    big_m: int
    iterations: int

    @property
    def optimal(self) -> bool:
        return self.bound == self.cost


def certify(patients: Patients, gps: GPs, pairs: Pairs, assignment: Assignment) -> Certificate:
    """Dual prices from shortest paths in the residual network of the pairs of each patient's nearest GPs and
    of the assignment (enough when the assignment is optimal; any prices give a valid bound), then the dual
    objective ``sum_v b_v y_v - sum_a u_a max(0, y_tail - y_head - c_a)`` over every arc of the full
    network."""
    n, m = len(patients), len(gps)
    big = big_m(patients, gps, pairs)
    nodes = n + m + 2
    tail, head, cost, cap, flow = _network(patients, gps, pairs, assignment, big)
    primal = int((cost * flow).sum())
    if len(pairs) > DIRECT_LIMIT:
        placed = assignment.gp_of >= 0
        chosen = placed[pairs.patient] & (assignment.gp_of[pairs.patient] == pairs.gp)
        keep = _start(patients, gps, pairs) | chosen
        if assignment.priced is not None:
            keep[assignment.priced] = True
        index = np.nonzero(keep)[0]
        y, rounds = _prices(nodes, *_network(patients, gps, _subset(pairs, index), assignment, big))
    else:
        y, rounds = _prices(nodes, tail, head, cost, cap, flow)
    supply = np.zeros(nodes, dtype=np.int64)
    supply[n + m], supply[n + m + 1] = n, -n
    bound = int((supply * y).sum() - (cap * np.maximum(0, y[tail] - y[head] - cost)).sum())
    return Certificate(cost=primal, bound=bound, big_m=big, iterations=rounds)
