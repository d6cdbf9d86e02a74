"""The assignment mathematics (gpmatching.solver), without a database: the min-cost flow's optimum against a
brute-force enumeration (tiny instances) and against SciPy's HiGHS (larger ones), the dual certificate against
every other assignment, the constraints, and the lexicographic order of the two objectives."""

import itertools
import math

import numpy as np
import pytest

from gpmatching import solver
from gpmatching.solver import GPs, Pairs, Patients, SolverError

LAT, LON = 45.758, 5.688  # Belley


def patients(weight, lat=None, lon=None, age=None, commune=None, home_visits=None) -> Patients:
    n = len(weight)
    return Patients(
        weight=np.array(weight, dtype=np.int64),
        lat=np.array(lat if lat is not None else [LAT] * n, float),
        lon=np.array(lon if lon is not None else [LON] * n, float),
        age=np.array(age if age is not None else [40] * n, dtype=np.int64),
        commune=np.array(commune if commune is not None else [0] * n, dtype=np.int64),
        home_visits=np.array(home_visits if home_visits is not None else [False] * n, dtype=bool),
    )


def gps(
    capacity,
    lat=None,
    lon=None,
    max_distance_m=None,
    communes=None,
    min_age=None,
    max_age=None,
    home_visits=None,
) -> GPs:
    m = len(capacity)
    return GPs(
        capacity=np.array(capacity, dtype=np.int64),
        lat=np.array(lat if lat is not None else [LAT] * m, float),
        lon=np.array(lon if lon is not None else [LON] * m, float),
        max_distance_m=np.array(max_distance_m if max_distance_m is not None else [0] * m, dtype=np.int64),
        communes=communes if communes is not None else [None] * m,
        min_age=np.array(min_age if min_age is not None else [0] * m, dtype=np.int64),
        max_age=np.array(max_age if max_age is not None else [200] * m, dtype=np.int64),
        home_visits=np.array(home_visits if home_visits is not None else [False] * m, dtype=bool),
    )


def pairs_of(*triples) -> Pairs:
    p, g, d = zip(*triples, strict=True)
    return Pairs(np.array(p, dtype=np.int64), np.array(g, dtype=np.int64), np.array(d, dtype=np.int64))


def north_km(km: float) -> float:
    """The latitude ``km`` north of Belley (one degree is 111.195 km on the mean sphere)."""
    return LAT + km / 111.19508


def haversine_m(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


# Random instances -------------------------------------------------------------------------------------------


def random_instance(rng: np.random.Generator, n: int, m: int, max_weight: int):
    pts = Patients(
        weight=rng.integers(1, max_weight + 1, n).astype(np.int64),
        lat=LAT + rng.uniform(-0.15, 0.15, n),
        lon=LON + rng.uniform(-0.2, 0.2, n),
        age=rng.integers(0, 100, n).astype(np.int64),
        commune=rng.integers(0, 5, n).astype(np.int64),
        home_visits=rng.random(n) < 0.2,
    )
    doctors = GPs(
        capacity=rng.integers(0, 4, m).astype(np.int64),
        lat=LAT + rng.uniform(-0.1, 0.1, m),
        lon=LON + rng.uniform(-0.1, 0.1, m),
        max_distance_m=np.where(rng.random(m) < 0.5, 0, rng.integers(3_000, 25_000, m)).astype(np.int64),
        communes=[
            None
            if rng.random() < 0.6
            else frozenset(int(c) for c in rng.choice(5, rng.integers(0, 4), replace=False))
            for _ in range(m)
        ],
        min_age=np.where(rng.random(m) < 0.3, 18, 0).astype(np.int64),
        max_age=np.where(rng.random(m) < 0.3, rng.integers(50, 90, m), 200).astype(np.int64),
        home_visits=rng.random(m) < 0.5,
    )
    excluded = {
        (int(i), int(j))
        for i, j in zip(rng.integers(0, n, 2), rng.integers(0, m, 2), strict=True)
        if rng.random() < 0.5
    }
    return pts, doctors, excluded


def expected_pairs(pts: Patients, doctors: GPs, excluded) -> dict[tuple[int, int], float]:
    """The eligible pairs by the rules, one by one, with their exact distance."""
    out = {}
    for i, j in itertools.product(range(len(pts)), range(len(doctors))):
        d = haversine_m(doctors.lat[j], doctors.lon[j], pts.lat[i], pts.lon[i])
        ok = (
            doctors.capacity[j] > 0
            and doctors.min_age[j] <= pts.age[i] <= doctors.max_age[j]
            and (doctors.home_visits[j] or not pts.home_visits[i])
            and (doctors.max_distance_m[j] == 0 or d <= doctors.max_distance_m[j])
            and (doctors.communes[j] is None or int(pts.commune[i]) in doctors.communes[j])
            and (i, j) not in excluded
        )
        if ok:
            out[(i, j)] = d
    return out


def brute_force(pts: Patients, doctors: GPs, pairs: Pairs) -> tuple[int, int]:
    """(weighted placements, total distance) of the lexicographic optimum, by enumerating every assignment."""
    options = [[] for _ in range(len(pts))]
    for p, g, d in zip(pairs.patient, pairs.gp, pairs.distance_m, strict=True):
        options[p].append((int(g), int(d)))
    room = [int(c) for c in doctors.capacity]
    best = (0, 0)

    def place(i: int, weight: int, distance: int):
        nonlocal best
        if i == len(pts):
            best = max(best, (weight, -distance))
            return
        place(i + 1, weight, distance)
        for g, d in options[i]:
            if room[g] > 0:
                room[g] -= 1
                place(i + 1, weight + int(pts.weight[i]), distance + d)
                room[g] += 1

    place(0, 0, 0)
    return best[0], -best[1]


def assert_feasible(pts: Patients, doctors: GPs, pairs: Pairs, a: solver.Assignment):
    allowed = {
        (int(p), int(g)): int(d) for p, g, d in zip(pairs.patient, pairs.gp, pairs.distance_m, strict=True)
    }
    placed = np.nonzero(a.gp_of >= 0)[0]
    for i in placed:
        assert (int(i), int(a.gp_of[i])) in allowed
        assert a.distance_m[i] == allowed[(int(i), int(a.gp_of[i]))]
    assert (a.distance_m[a.gp_of < 0] == 0).all()
    load = np.bincount(a.gp_of[placed], minlength=len(doctors))
    assert (load <= np.clip(doctors.capacity, 0, None)).all()
    assert a.placed == len(placed)
    assert a.weighted == int(pts.weight[placed].sum()) and a.total_distance_m == int(a.distance_m.sum())


def is_certified(pts, doctors, pairs, a) -> bool:
    try:
        return solver.certify(pts, doctors, pairs, a).optimal
    except SolverError:
        return False


def random_feasible(rng, pts: Patients, doctors: GPs, pairs: Pairs) -> solver.Assignment:
    """Some feasible assignment: patients in random order, each to a random eligible GP with room (or not
    placed)."""
    room = np.clip(doctors.capacity, 0, None).copy()
    gp_of = np.full(len(pts), -1, dtype=np.int64)
    dist = np.zeros(len(pts), dtype=np.int64)
    for i in rng.permutation(len(pts)):
        ks = [k for k in np.nonzero(pairs.patient == i)[0] if room[pairs.gp[k]] > 0]
        if ks and rng.random() < 0.85:
            k = ks[rng.integers(len(ks))]
            gp_of[i], dist[i] = pairs.gp[k], pairs.distance_m[k]
            room[pairs.gp[k]] -= 1
    return solver.Assignment.from_choice(pts, gp_of, dist)


@pytest.mark.parametrize("seed", range(8))
def test_tiny_random_instances_match_brute_force_and_the_certificate_is_exact(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        pts, doctors, excluded = random_instance(
            rng, int(rng.integers(1, 7)), int(rng.integers(1, 4)), max_weight=int(rng.choice([1, 3, 50]))
        )
        pairs = solver.eligible_pairs(pts, doctors, excluded)
        expected = expected_pairs(pts, doctors, excluded)
        got = {
            (int(p), int(g)): int(d)
            for p, g, d in zip(pairs.patient, pairs.gp, pairs.distance_m, strict=True)
        }
        assert set(got) == set(expected) and len(got) == len(pairs)
        assert all(abs(got[k] - expected[k]) <= 1 for k in got)

        best = solver.solve(pts, doctors, pairs)
        assert_feasible(pts, doctors, pairs, best)
        assert (best.weighted, best.total_distance_m) == brute_force(pts, doctors, pairs)
        # HiGHS's level 2 lets the weight fall 1e-6 below its optimum: the distance may come out a little
        # shorter.
        assert solver.lp_reference(pts, doctors, pairs) == pytest.approx(
            (best.weighted, best.total_distance_m), abs=0.5
        )
        assert solver.certify(pts, doctors, pairs, best).optimal
        # Any other feasible assignment is certified exactly when it is as good (an alternative optimum).
        for _ in range(4):
            other = random_feasible(rng, pts, doctors, pairs)
            same = (other.weighted, other.total_distance_m) == (best.weighted, best.total_distance_m)
            assert is_certified(pts, doctors, pairs, other) == same
            assert (other.weighted, -other.total_distance_m) <= (best.weighted, -best.total_distance_m)


@pytest.mark.parametrize("seed", range(4))
def test_larger_random_instances_match_highs_and_beat_or_equal_greedy(seed):
    rng = np.random.default_rng(100 + seed)
    for _ in range(15):
        pts, doctors, excluded = random_instance(
            rng, int(rng.integers(5, 60)), int(rng.integers(1, 8)), max_weight=int(rng.choice([2, 120]))
        )
        pairs = solver.eligible_pairs(pts, doctors, excluded)
        best = solver.solve(pts, doctors, pairs)
        assert_feasible(pts, doctors, pairs, best)
        weight, distance = solver.lp_reference(pts, doctors, pairs)
        assert abs(weight - best.weighted) < 1e-6
        assert abs(distance - best.total_distance_m) < 0.5
        assert solver.certify(pts, doctors, pairs, best).optimal
        baseline = solver.greedy(pts, doctors, pairs)
        assert_feasible(pts, doctors, pairs, baseline)
        assert (baseline.weighted, -baseline.total_distance_m) <= (best.weighted, -best.total_distance_m)
        as_good = (baseline.weighted, baseline.total_distance_m) == (best.weighted, best.total_distance_m)
        assert is_certified(pts, doctors, pairs, baseline) == as_good


@pytest.mark.parametrize("seed", range(3))
def test_the_large_problem_path_pricing_pairs_in_matches_brute_force(monkeypatch, seed):
    """Above DIRECT_LIMIT pairs the flow starts from each patient's nearest GPs and prices the other pairs in:
    forced here on tiny instances (limit 0, one nearest GP) so that the brute force can check it."""
    monkeypatch.setattr(solver, "DIRECT_LIMIT", 0)
    monkeypatch.setattr(solver, "NEAREST", 1)
    rng = np.random.default_rng(200 + seed)
    for _ in range(20):
        pts, doctors, excluded = random_instance(
            rng, int(rng.integers(2, 7)), int(rng.integers(2, 4)), max_weight=int(rng.choice([1, 3, 50]))
        )
        pairs = solver.eligible_pairs(pts, doctors, excluded)
        best = solver.solve(pts, doctors, pairs)
        assert_feasible(pts, doctors, pairs, best)
        assert (best.weighted, best.total_distance_m) == brute_force(pts, doctors, pairs)
        assert solver.certify(pts, doctors, pairs, best).optimal
        # On this path the prices come from the pairs the solver priced: sound for any assignment (a worse one
        # is never certified), complete only for the solver's own result.
        baseline = solver.greedy(pts, doctors, pairs)
        as_good = (baseline.weighted, baseline.total_distance_m) == (best.weighted, best.total_distance_m)
        assert as_good or not is_certified(pts, doctors, pairs, baseline)
        for _ in range(3):
            other = random_feasible(rng, pts, doctors, pairs)
            same = (other.weighted, other.total_distance_m) == (best.weighted, best.total_distance_m)
            assert same or not is_certified(pts, doctors, pairs, other)


# The certificate on chosen assignments ----------------------------------------------------------------------


def greedy_trap():
    """Dr A (near) and Dr B (5 km) take one patient each. Patient 0 (weight 10) may see either; patient 1
    (weight 5) only Dr A. Greedy gives Dr A to patient 0 and leaves patient 1 out; the optimum sends patient 0
    to Dr B."""
    pts = patients([10, 5])
    doctors = gps([1, 1], lat=[LAT, north_km(5)])
    return pts, doctors, pairs_of((0, 0, 100), (0, 1, 5_000), (1, 0, 100))


def test_greedy_is_beaten_and_its_assignment_fails_the_certificate():
    pts, doctors, pairs = greedy_trap()
    baseline = solver.greedy(pts, doctors, pairs)
    assert (baseline.gp_of.tolist(), baseline.placed, baseline.weighted, baseline.total_distance_m) == (
        [0, -1],
        1,
        10,
        100,
    )
    best = solver.solve(pts, doctors, pairs)
    assert (best.gp_of.tolist(), best.placed, best.weighted, best.total_distance_m) == ([1, 0], 2, 15, 5_100)
    certificate = solver.certify(pts, doctors, pairs, best)
    assert certificate.optimal and certificate.cost == certificate.bound == 5_100 - certificate.big_m * 15
    assert certificate.big_m == 5_000 * 2 + 1
    with pytest.raises(SolverError, match="Cycle de coût négatif"):
        solver.certify(pts, doctors, pairs, baseline)
    assert solver.lp_reference(pts, doctors, pairs) == pytest.approx((15, 5_100))


def test_a_longer_distance_for_the_same_patients_fails_the_certificate():
    pts = patients([1, 1])
    doctors = gps([1, 1])
    pairs = pairs_of((0, 0, 1_000), (0, 1, 3_000), (1, 0, 2_000), (1, 1, 2_500))
    best = solver.solve(pts, doctors, pairs)
    assert best.gp_of.tolist() == [0, 1] and best.total_distance_m == 3_500
    swapped = solver.Assignment.from_choice(pts, np.array([1, 0]), np.array([3_000, 2_000]))
    assert swapped.weighted == best.weighted and swapped.total_distance_m == 5_000
    assert not is_certified(pts, doctors, pairs, swapped)
    # Leaving someone out when there is room is not optimal either.
    partial = solver.Assignment.from_choice(pts, np.array([0, -1]), np.array([1_000, 0]))
    assert not is_certified(pts, doctors, pairs, partial)


def test_the_certificate_refuses_an_assignment_over_capacity_or_outside_the_pairs():
    pts, doctors, pairs = greedy_trap()
    over = solver.Assignment.from_choice(pts, np.array([0, 0]), np.array([100, 100]))
    with pytest.raises(SolverError, match="capacité.*dépassée"):
        solver.certify(pts, doctors, pairs, over)
    # Patient 1 to Dr B is no pair: the claimed assignment is not a flow, it is never proven optimal.
    outside = solver.Assignment.from_choice(pts, np.array([0, 1]), np.array([100, 100]))
    assert not is_certified(pts, doctors, pairs, outside)


# Constraints ------------------------------------------------------------------------------------------------


def test_distance_limit():
    pts = patients([1, 1, 1], lat=[north_km(4.9), north_km(5.1), north_km(40)])
    doctors = gps([3, 3], max_distance_m=[5_000, 0])
    pairs = solver.eligible_pairs(pts, doctors)
    assert sorted(zip(pairs.patient.tolist(), pairs.gp.tolist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (1, 1),
        (2, 1),
    ]
    assert pairs.distance_m[(pairs.patient == 2)].tolist() == [40_000]
    only_limited = gps([3], max_distance_m=[5_000])
    best = solver.solve(pts, only_limited, solver.eligible_pairs(pts, only_limited))
    assert best.gp_of.tolist() == [0, -1, -1] and best.distance_m.tolist() == [4_900, 0, 0]


def test_communes_age_band_home_visits_exclusions_and_no_capacity():
    pts = patients(
        [1] * 6,
        age=[17, 18, 60, 61, 40, 40],
        commune=[1, 1, 1, 1, 2, 1],
        home_visits=[False, False, False, False, False, True],
    )
    doctors = gps(
        [9, 9, 9, 0],
        communes=[frozenset({1}), None, frozenset(), None],
        min_age=[18, 0, 0, 0],
        max_age=[60, 200, 200, 200],
        home_visits=[False, True, False, True],
    )
    pairs = solver.eligible_pairs(pts, doctors, excluded={(0, 1)})
    got = sorted(zip(pairs.patient.tolist(), pairs.gp.tolist(), strict=True))
    # GP 0: communes {1}, 18 to 60, no home visits. GP 1: everyone (home visits), patient 0 excluded.
    # GP 2: an empty commune list takes nobody. GP 3: no capacity, no pair.
    assert got == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 1), (4, 1), (5, 1)]
    best = solver.solve(pts, doctors, pairs)
    assert best.gp_of[0] == -1 and best.placed == 5
    assert_feasible(pts, doctors, pairs, best)


def test_capacity_is_never_exceeded():
    pts = patients(list(range(1, 11)))
    doctors = gps([3, 2, 0])
    pairs = solver.eligible_pairs(pts, doctors)
    assert set(pairs.gp.tolist()) == {0, 1}
    best = solver.solve(pts, doctors, pairs)
    assert np.bincount(best.gp_of[best.gp_of >= 0], minlength=3).tolist() == [3, 2, 0]
    assert sorted(np.nonzero(best.gp_of >= 0)[0].tolist()) == [5, 6, 7, 8, 9]  # the five heaviest
    assert best.weighted == 6 + 7 + 8 + 9 + 10


# The lexicographic order ------------------------------------------------------------------------------------


def test_one_more_priority_point_beats_any_distance_saving():
    near, far = 0, 95_000
    pts = patients([11, 10], lat=[north_km(95), LAT])
    doctors = gps([1])
    pairs = solver.eligible_pairs(pts, doctors)
    assert sorted(pairs.distance_m.tolist()) == [near, far]
    best = solver.solve(pts, doctors, pairs)
    assert best.gp_of.tolist() == [0, -1] and best.weighted == 11 and best.total_distance_m == far
    # The heaviest patient is placed wherever they live; the room left goes to the nearest of the others.
    pts = patients([5, 3, 3], lat=[LAT, north_km(90), north_km(99)])
    doctors = gps([2])
    best = solver.solve(pts, doctors, solver.eligible_pairs(pts, doctors))
    assert best.gp_of.tolist() == [0, 0, -1] and best.weighted == 8
    doctors = gps([2], lat=[north_km(99)])  # now the heavy patient is the far one
    best = solver.solve(pts, doctors, solver.eligible_pairs(pts, doctors))
    assert best.gp_of.tolist() == [0, -1, 0] and best.weighted == 8


def test_among_equal_priorities_the_total_distance_is_smallest():
    pts = patients([4, 4, 4], lat=[north_km(2), north_km(1), north_km(3)])
    doctors = gps([1])
    best = solver.solve(pts, doctors, solver.eligible_pairs(pts, doctors))
    assert best.gp_of.tolist() == [-1, 0, -1] and best.total_distance_m == 1_000
    # Two GPs: the sum of distances is minimised, not each patient's own distance in turn.
    pts = patients([1, 1])
    doctors = gps([1, 1])
    pairs = pairs_of((0, 0, 1_000), (0, 1, 1_500), (1, 0, 1_100), (1, 1, 9_000))
    best = solver.solve(pts, doctors, pairs)
    assert best.gp_of.tolist() == [1, 0] and best.total_distance_m == 2_600
    baseline = solver.greedy(pts, doctors, pairs)
    assert baseline.gp_of.tolist() == [0, 1] and baseline.total_distance_m == 10_000


def test_greedy_follows_weight_then_the_given_order():
    pts = patients([5, 5, 9])
    doctors = gps([1, 1], lat=[LAT, north_km(1)])
    pairs = pairs_of((0, 0, 10), (0, 1, 20), (1, 0, 10), (1, 1, 20), (2, 0, 500), (2, 1, 20))
    assert solver.greedy(pts, doctors, pairs).gp_of.tolist() == [0, -1, 1]
    assert solver.greedy(pts, doctors, pairs, order=np.array([1, 0, 2])).gp_of.tolist() == [-1, 0, 1]


# Edge cases -------------------------------------------------------------------------------------------------


def test_empty_problems():
    nobody = patients([])
    best = solver.solve(nobody, gps([2]), solver.eligible_pairs(nobody, gps([2])))
    assert (best.placed, best.weighted, best.total_distance_m) == (0, 0, 0)
    pts = patients([3, 4])
    no_gp = gps([])
    pairs = solver.eligible_pairs(pts, no_gp)
    assert len(pairs) == 0
    best = solver.solve(pts, no_gp, pairs)
    assert best.gp_of.tolist() == [-1, -1] and solver.certify(pts, no_gp, pairs, best).optimal
    assert solver.lp_reference(pts, no_gp, pairs) == (0.0, 0.0)
    assert solver.certify(
        nobody,
        gps([]),
        solver.eligible_pairs(nobody, gps([])),
        best.__class__.from_choice(nobody, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)),
    ).optimal


def test_costs_too_large_for_64_bits_are_refused():
    pts = patients([100, 100])
    doctors = gps([2])
    with pytest.raises(SolverError, match="trop grand"):
        solver.solve(pts, doctors, pairs_of((0, 0, 10**17), (1, 0, 1)))


def test_great_circle_distances():
    assert solver.distances_m(0.0, 0.0, np.array([1.0]), np.array([0.0]))[0] == pytest.approx(
        111_195.08, abs=0.01
    )
    d = solver.distances_m(LAT, LON, np.array([48.8566, LAT]), np.array([2.3522, LON]))
    assert d[0] == pytest.approx(haversine_m(LAT, LON, 48.8566, 2.3522), abs=0.01) and d[1] == 0
    assert 400_000 < d[0] < 430_000  # Belley to Paris
