"""The SAOM micro-step simulator as first written (commit 109f6bb), kept as the reference the fast
kernel of :mod:`kinship_research.networks.saom.simulation` must match bit for bit (same seeds, same
ends, step counts and scores)."""

import numpy as np
from numba import njit

from kinship_research.networks.saom.effects import SAME_TOLERANCE


@njit(cache=True)
def _network_deltas(x, i, changeable, codes, values, ranges, sim_means, zc, indeg, outdeg, weights, work, deltas):
    """deltas[j, k]: change of s_ik when actor i toggles x_ij, for every changeable j."""
    n = x.shape[0]
    p = codes.shape[0]
    reciprocated = 0.0
    for k in range(p):
        code = codes[k]
        if code == 2 or code == 3:
            for j in range(n):
                work[j] = 0.0
            for h in range(n):
                if code == 2 and x[i, h] != 0:
                    for j in range(n):
                        work[j] += x[h, j] + x[j, h]
                elif code == 3 and x[h, i] != 0:
                    for j in range(n):
                        work[j] += x[j, h]
        elif code == 13:
            # work[j'] = number of two-paths i -> h -> j'
            for j in range(n):
                work[j] = 0.0
            for h in range(n):
                if x[i, h] != 0:
                    for j in range(n):
                        work[j] += x[h, j]
        elif code == 14:
            reciprocated = 0.0
            for h in range(n):
                reciprocated += x[i, h] * x[h, i]
        for j in range(n):
            if not changeable[i, j]:
                continue
            if code == 0:
                c = 1.0
            elif code == 1:
                c = x[j, i]
            elif code == 2 or code == 3:
                c = work[j]
            elif code == 4:
                c = 1.0 - abs(values[k, i] - values[k, j]) / ranges[k] - sim_means[k]
            elif code == 5:
                c = values[k, i]
            elif code == 6:
                c = values[k, j]
            elif code == 7:
                c = 1.0 - abs(zc[i] - zc[j]) / ranges[k] - sim_means[k]
            elif code == 8:
                c = zc[i]
            elif code == 9:
                c = zc[j]
            elif code == 10:
                c = indeg[j] - x[i, j] + 1.0
            elif code == 11:
                c = outdeg[j]
            elif code == 12:
                c = 2.0 * (outdeg[i] - x[i, j]) + 1.0
            elif code == 14:
                c = reciprocated - x[i, j] * x[j, i] + x[j, i] * (outdeg[i] - x[i, j] + 1.0)
            elif code == 15:
                c = 1.0 if abs(values[k, i] - values[k, j]) < SAME_TOLERANCE else 0.0
            elif code == 18:
                c = 1.0 if abs(zc[i] - zc[j]) < SAME_TOLERANCE else 0.0
            else:
                # own term w(t_ij) plus the shift of the other ties i -> l with j -> l
                c = weights[int(work[j])]
                for m in range(n):
                    if m != j and x[i, m] != 0 and x[j, m] != 0:
                        t0 = int(work[m] - x[i, j])
                        c += weights[t0 + 1] - weights[t0]
            deltas[j, k] = c * (1.0 - 2.0 * x[i, j])


@njit(cache=True)
def _behaviour_deltas(x, i, z, z_mean, z_range, bcodes, bvalues, outdeg, bdeltas):
    """bdeltas[d + 1, k]: change of s_ik when actor i moves its behaviour by d in (-1, 0, 1)."""
    n = x.shape[0]
    q = bcodes.shape[0]
    zi = z[i] - z_mean
    alter_sum = 0.0
    for j in range(n):
        if x[i, j] != 0:
            alter_sum += z[j] - z_mean
    for row in range(3):
        d = row - 1.0
        for k in range(q):
            code = bcodes[k]
            if d == 0.0:
                c = 0.0
            elif code == 0:
                c = d
            elif code == 1:
                c = 2.0 * zi * d + 1.0
            elif code == 2:
                c = d * alter_sum / outdeg[i] if outdeg[i] > 0 else 0.0
            elif code == 3 or code == 4:
                c = 0.0
                for j in range(n):
                    if x[i, j] != 0:
                        c += (abs(z[i] - z[j]) - abs(z[i] + d - z[j])) / z_range
                if code == 3:
                    c = c / outdeg[i] if outdeg[i] > 0 else 0.0
            else:
                c = d * bvalues[k, i]
            bdeltas[row, k] = c


@njit(cache=True)
def _choose(utility, available, total_options):
    """Index drawn with probabilities exp(utility) over available options; returns index, probabilities."""
    top = -1e300
    for o in range(total_options):
        if available[o] and utility[o] > top:
            top = utility[o]
    total = 0.0
    for o in range(total_options):
        if available[o]:
            utility[o] = np.exp(utility[o] - top)
            total += utility[o]
        else:
            utility[o] = 0.0
    draw = np.random.random() * total
    acc = 0.0
    chosen = -1
    for o in range(total_options):
        if available[o]:
            chosen = o
            acc += utility[o]
            if draw < acc:
                break
    for o in range(total_options):
        utility[o] /= total
    return chosen


@njit(cache=True)
def _simulate(
    x,
    z,
    start,
    changeable,
    counted,
    active,
    target,
    n_steps,
    network_share,
    codes,
    values,
    ranges,
    sim_means,
    bcodes,
    bvalues,
    z_mean,
    z_range,
    z_min,
    z_max,
    beta,
    gamma,
    weights,
    seed,
):
    np.random.seed(seed)
    n = x.shape[0]
    p = codes.shape[0]
    q = bcodes.shape[0]
    score = np.zeros(p)
    bscore = np.zeros(q)
    deltas = np.zeros((n + 1, p))  # row n: the no-change option
    bdeltas = np.zeros((3, q))
    utility = np.zeros(n + 1)
    available = np.zeros(n + 1, dtype=np.bool_)
    butility = np.zeros(3)
    bavailable = np.zeros(3, dtype=np.bool_)
    work = np.zeros(n)
    zc = np.zeros(n)
    indeg = np.zeros(n)
    outdeg = np.zeros(n)
    for i in range(n):
        for j in range(n):
            indeg[j] += x[i, j]
            outdeg[i] += x[i, j]
    for j in range(n):
        zc[j] = z[j] - z_mean
    distance = 0
    network_steps = 0
    behaviour_steps = 0
    for _ in range(n_steps):
        if target >= 0 and distance == target:
            break
        i = np.random.randint(n)
        if network_share < 1.0 and np.random.random() >= network_share:
            behaviour_steps += 1
            if not active[i]:
                continue
            _behaviour_deltas(x, i, z, z_mean, z_range, bcodes, bvalues, outdeg, bdeltas)
            for row in range(3):
                bavailable[row] = z_min <= z[i] + row - 1.0 <= z_max
                u = 0.0
                for k in range(q):
                    u += gamma[k] * bdeltas[row, k]
                butility[row] = u
            chosen = _choose(butility, bavailable, 3)
            for k in range(q):
                expected = 0.0
                for row in range(3):
                    expected += butility[row] * bdeltas[row, k]
                bscore[k] += bdeltas[chosen, k] - expected
            z[i] += chosen - 1.0
            zc[i] = z[i] - z_mean
            continue
        network_steps += 1
        _network_deltas(x, i, changeable, codes, values, ranges, sim_means, zc, indeg, outdeg, weights, work, deltas)
        for j in range(n):
            available[j] = changeable[i, j]
            u = 0.0
            if available[j]:
                for k in range(p):
                    u += beta[k] * deltas[j, k]
            utility[j] = u
        available[n] = True
        utility[n] = 0.0
        chosen = _choose(utility, available, n + 1)
        for k in range(p):
            expected = 0.0
            for j in range(n):
                if available[j]:
                    expected += utility[j] * deltas[j, k]
            score[k] += deltas[chosen, k] - expected
        if chosen < n:
            j = chosen
            change = 1.0 - 2.0 * x[i, j]
            x[i, j] = 1.0 - x[i, j]
            outdeg[i] += change
            indeg[j] += change
            if counted[i, j]:
                distance += 1 if x[i, j] != start[i, j] else -1
    if target >= 0 and distance != target:
        return -1, behaviour_steps, score, bscore
    return network_steps, behaviour_steps, score, bscore
