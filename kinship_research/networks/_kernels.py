"""Compiled (numba) inner loops of distance_clustering and the Gillespie engine.

Compiled on first use and cached on disk (``cache=True``), so later processes load the
machine code instead of compiling again. Random numbers: the permutation kernel runs one
SplitMix64 stream per permutation, seeded from numpy's Generator, so results do not depend
on the number of threads; the Gillespie kernel consumes uniform/exponential batches drawn by
numpy, so it follows the same random stream as a pure-Python loop would.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["bfs_shell_fill", "bfs_shell_sizes", "bfs_shell_sums", "gillespie_events", "shell_permutation_counts"]


@numba.njit(cache=True, inline="always")
def _splitmix64(state):
    """One SplitMix64 step (Steele, Lea & Flood 2014): returns (new state, 64 random bits)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _below(state, bound, mask):
    """Uniform integer in [0, bound) by masked rejection (exact; mask = 2^k - 1 >= bound - 1)."""
    while True:
        state, bits = _splitmix64(state)
        value = bits & mask
        if value < bound:
            return state, value


LANES = 32
"""Permutations evaluated together by :func:`shell_permutation_counts`: bit ``lane`` of a place's
32-bit word is its carrier flag under permutation ``first + lane`` of the block."""
_SPREAD = np.array([sum(((b >> i) & 1) << (8 * i) for i in range(8)) for b in range(256)], dtype=np.uint64)
"""_SPREAD[b] has byte i equal to bit i of b: eight bit-lanes become eight byte counters."""


@numba.njit(cache=True, inline="always")
def _add_bytes(hits, offset, word):
    """hits[offset + i] += byte i of ``word`` (i = 0..7)."""
    for i in range(8):
        hits[offset + i] += np.int64((word >> np.uint64(8 * i)) & np.uint64(0xFF))


@numba.njit(cache=True, parallel=True)
def shell_permutation_counts(indptr, indices, ego_column, alters, carriers, seeds, n_places, n_threads):
    """Numerators and denominators of the shell statistic under B reshuffles of the trait.

    Shell d of ego e lists places ``indices[indptr[d, e]:indptr[d, e + 1]]`` (columns in
    0..n_places-1); ``ego_column[e]`` is the ego's own place and ``alters[d, e]`` its number
    of alters at distance d. Permutation b puts ``carriers[b]`` (a hypergeometric draw: the
    carriers of a uniform reshuffle that fall on these places) on a uniform subset of the
    places, by a partial Fisher-Yates shuffle of 0..n_places-1 (undone afterwards) driven by
    SplitMix64 seeded with ``seeds[b]``, so draw b depends on ``seeds[b]`` alone.
    Returns num[d, b] = sum over carrier egos of the carriers in their shell and
    den[d, b] = sum over carrier egos of ``alters[d, e]``.

    Permutations are taken LANES = 32 at a time: ``flags[place]`` holds the place's carrier
    flags under the 32 as bits, spread to bytes of four 64-bit words by a table (:data:`_SPREAD`)
    and added word-wise, so one pass over a shell counts the carriers of all 32 with four
    additions per alter (bytes flushed to counters every 255 alters, before they can overflow);
    the shells are read B / 32 times instead of B times. Blocks of permutations run in parallel
    chunks (``n_threads``, e.g. numba.get_num_threads()), each with O(n_places) buffers; the
    result does not depend on ``n_threads``.
    """
    n_shells, n_egos = alters.shape
    n_perm = len(seeds)
    num = np.zeros((n_shells, n_perm), dtype=np.int64)
    den = np.zeros((n_shells, n_perm), dtype=np.int64)
    n_blocks = (n_perm + LANES - 1) // LANES
    n_chunks = max(1, min(n_blocks, n_threads))
    mask = np.uint64(1)
    while mask < np.uint64(n_places):
        mask = (mask << np.uint64(1)) | np.uint64(1)
    byte = np.uint32(0xFF)
    for chunk in numba.prange(n_chunks):
        flags = np.zeros(n_places, dtype=np.uint32)
        places = np.arange(n_places).astype(np.int32)  # 32-bit: the shuffle's random accesses stay in cache
        swapped = np.empty(n_places, dtype=np.int32)
        hits = np.zeros(LANES, dtype=np.int64)
        for block in range(chunk, n_blocks, n_chunks):
            first = block * LANES
            lanes = min(LANES, n_perm - first)
            for lane in range(lanes):
                b = first + lane
                bit = np.uint32(1) << np.uint32(lane)
                h = carriers[b]
                flip = h * 2 > n_places  # draw the smaller of carriers / non-carriers
                k = n_places - h if flip else h
                if flip:
                    flags |= bit
                state = np.uint64(seeds[b])
                for i in range(k):  # partial Fisher-Yates: places[:k] is a uniform k-subset
                    state, offset = _below(state, np.uint64(n_places - i), mask)
                    j = i + np.int64(offset)
                    swapped[i] = j
                    places[i], places[j] = places[j], places[i]
                    flags[places[i]] ^= bit
                for i in range(k - 1, -1, -1):  # undo: every draw starts from 0..n_places-1
                    j = swapped[i]
                    places[i], places[j] = places[j], places[i]
            for e in range(n_egos):
                ego = flags[ego_column[e]]
                if ego == 0:
                    continue
                for d in range(n_shells):
                    hits[:] = 0
                    w0 = w1 = w2 = w3 = np.uint64(0)
                    count = 0
                    for p in range(indptr[d, e], indptr[d, e + 1]):
                        m = flags[indices[p]]
                        w0 += _SPREAD[m & byte]
                        w1 += _SPREAD[(m >> np.uint32(8)) & byte]
                        w2 += _SPREAD[(m >> np.uint32(16)) & byte]
                        w3 += _SPREAD[m >> np.uint32(24)]
                        count += 1
                        if count == 255:
                            _add_bytes(hits, 0, w0)
                            _add_bytes(hits, 8, w1)
                            _add_bytes(hits, 16, w2)
                            _add_bytes(hits, 24, w3)
                            w0 = w1 = w2 = w3 = np.uint64(0)
                            count = 0
                    _add_bytes(hits, 0, w0)
                    _add_bytes(hits, 8, w1)
                    _add_bytes(hits, 16, w2)
                    _add_bytes(hits, 24, w3)
                    for lane in range(lanes):
                        if (ego >> np.uint32(lane)) & np.uint32(1):
                            num[d, first + lane] += hits[lane]
                            den[d, first + lane] += alters[d, e]
            flags[:] = 0
    return num, den


@numba.njit(cache=True)
def gillespie_events(
    tree,
    rate,
    state,
    indptr,
    indices,
    infected_rate,
    exponentials,
    uniforms,
    scalars,
    counters,
    grid,
    counts,
    beta,
    gamma,
    after_recovery,
    rate_after_recovery,
    floor,
):
    """Run Gillespie events until the batch of random numbers is used, t passes the end,
    the total rate vanishes, or 2^20 updates call for a rebuild of the Fenwick tree.

    ``tree`` is the 1-based Fenwick tree over ``rate`` (length width + 1, width a power of
    two), ``scalars`` = [t, total, t_end], ``counters`` = [used, n_infected, n_removed,
    next_record, n_events, updates]; both are updated in place, as are ``state``, ``rate``,
    ``tree`` and the recorded ``counts``. Returns 0 (batch used), 1 (finished) or
    2 (rebuild needed). The arithmetic is that of the reference loop, step for step.
    """
    width = len(tree) - 1
    n = len(state)
    t, total, t_end = scalars[0], scalars[1], scalars[2]
    used, n_infected, n_removed = counters[0], counters[1], counters[2]
    next_record, n_events, updates = counters[3], counters[4], counters[5]
    batch = len(exponentials)
    status = 0
    next_time = grid[next_record - 1]
    while True:
        if not total > floor:
            status = 1
            break
        if used == batch:
            status = 0
            break
        t += exponentials[used] / total
        target = uniforms[used] * total
        used += 1
        if t > next_time:
            while t > next_time:
                counts[next_record, 0] = n - n_infected - n_removed
                counts[next_record, 1] = n_infected
                counts[next_record, 2] = n_removed
                next_record += 1
                next_time = grid[next_record - 1]
            if t > t_end:
                status = 1
                break
        pos = 0
        step = width
        while step:
            nxt = pos + step
            if tree[nxt] < target:
                pos = nxt
                target -= tree[nxt]
            step >>= 1
        if rate[pos] == 0.0:
            continue
        if state[pos] == 1:
            if target < gamma or beta == 0.0:
                node = pos
                new_state = after_recovery
                new_rate = rate_after_recovery
                n_infected -= 1
                if after_recovery == 2:
                    n_removed += 1
            else:
                start, stop = indptr[pos], indptr[pos + 1]
                if stop == start:
                    continue
                node = indices[min(start + int((target - gamma) / beta), stop - 1)]
                if state[node] != 0:
                    continue
                new_state = 1
                new_rate = infected_rate[node]
                n_infected += 1
        else:
            node = pos
            new_state = 1
            new_rate = infected_rate[pos]
            n_infected += 1
        n_events += 1
        delta = new_rate - rate[node]
        state[node] = new_state
        rate[node] = new_rate
        total += delta
        j = node + 1
        while j <= width:
            tree[j] += delta
            j += j & -j
        updates += 1
        if updates & 0xFFFFF == 0:
            status = 2
            break
    scalars[0], scalars[1] = t, total
    counters[0], counters[1], counters[2] = used, n_infected, n_removed
    counters[3], counters[4], counters[5] = next_record, n_events, updates
    return status


@numba.njit(cache=True)
def _bfs_levels(indptr, indices, source, max_distance, seen, queue, level_end, bottom_up):
    """Breadth-first search from ``source`` up to ``max_distance``: ``queue[:level_end[d]]``
    holds the nodes at distance <= d (level_end has max_distance + 1 entries); ``seen`` marks
    them and is cleared by the caller.

    Direction-optimising (Beamer, Asanovic & Patterson 2012, SC'12): when the frontier's edges
    exceed 1/14 of the unexplored ones, a level is found bottom-up, each unvisited node looking
    for a neighbour in the frontier and stopping at the first (valid only for a symmetric
    adjacency: ``bottom_up`` true), until the frontier falls below n/24 nodes. On heavy-tailed
    graphs, whose searches reach most nodes in a few levels, this skips most edge visits.
    ``seen``: 1 visited, 2 frontier, 3 found at the current level.
    """
    n = len(indptr) - 1
    queue[0] = source
    seen[source] = 2
    head, tail = 0, 1
    level_end[0] = 1
    frontier_edges = indptr[source + 1] - indptr[source]
    unexplored = len(indices) - frontier_edges
    upward = False
    for d in range(1, max_distance + 1):
        stop = tail
        if bottom_up:
            if not upward and frontier_edges * 14 > unexplored:
                upward = True
            elif upward and (stop - head) * 24 < n:
                upward = False
        if upward:
            for node in range(n):
                if seen[node] == 0:
                    for p in range(indptr[node], indptr[node + 1]):
                        if seen[indices[p]] == 2:
                            seen[node] = 3
                            queue[tail] = node
                            tail += 1
                            break
        else:
            for i in range(head, stop):
                node = queue[i]
                for p in range(indptr[node], indptr[node + 1]):
                    other = indices[p]
                    if seen[other] == 0:
                        seen[other] = 3
                        queue[tail] = other
                        tail += 1
        for i in range(head, stop):
            seen[queue[i]] = 1
        frontier_edges = 0
        for i in range(stop, tail):
            node = queue[i]
            seen[node] = 2
            frontier_edges += indptr[node + 1] - indptr[node]
        unexplored -= frontier_edges
        head = stop
        level_end[d] = tail
        if head == tail:  # nothing further: the remaining levels are empty
            for rest in range(d + 1, max_distance + 1):
                level_end[rest] = tail
            break
    return tail


@numba.njit(cache=True, parallel=True)
def bfs_shell_sizes(indptr, indices, egos, max_distance, bottom_up, n_threads):
    """sizes[d - 1, e] = number of nodes at geodesic distance exactly d from ``egos[e]``."""
    n = len(indptr) - 1
    sizes = np.zeros((max_distance, len(egos)), dtype=np.int64)
    for chunk in numba.prange(n_threads):
        seen = np.zeros(n, dtype=np.uint8)
        queue = np.empty(n, dtype=np.int64)
        level_end = np.empty(max_distance + 1, dtype=np.int64)
        for e in range(chunk, len(egos), n_threads):
            tail = _bfs_levels(indptr, indices, egos[e], max_distance, seen, queue, level_end, bottom_up)
            for d in range(max_distance):
                sizes[d, e] = level_end[d + 1] - level_end[d]
            for i in range(tail):
                seen[queue[i]] = 0
    return sizes


@numba.njit(cache=True, parallel=True)
def bfs_shell_sums(
    indptr, indices, egos, max_distance, bottom_up, column_of, trait, ego_of, n_columns, store, cap, n_threads
):
    """Sums over the distance shells restricted to the columns (known nodes), and the shells
    themselves at the distances with ``store[d]`` as long as they stay small.

    ``column_of[node]`` is the node's column (-1: dropped), ``trait[column]`` its 0/1 value and
    ``ego_of[column]`` its row among the egos (-1: not an ego). For ego row e and distance d + 1:
    alters[d, e] = columns in the shell, carriers[d, e] = those with trait 1, ego_alters[d, e] =
    egos among them; columns[d, j] = egos whose shell at distance d + 1 holds column j.
    Chunk c searches from egos c, c + n_chunks, ... and appends their stored shells, in that
    order, to ``kept[c, d, :count[c, d]]``; a chunk whose shells at d would pass ``cap`` columns
    stops storing d (``full[c, d]``; the caller then finds them by a second search, or does not
    need them: more than ``cap`` columns at d means the permutation budget is exceeded).
    """
    n = len(indptr) - 1
    n_egos = len(egos)
    alters = np.zeros((max_distance, n_egos), dtype=np.int64)
    carriers = np.zeros((max_distance, n_egos), dtype=np.int64)
    ego_alters = np.zeros((max_distance, n_egos), dtype=np.int64)
    n_chunks = max(1, min(n_threads, n_egos))
    columns = np.zeros((n_chunks, max_distance, n_columns), dtype=np.int32)
    kept = np.empty((n_chunks, max_distance, cap), dtype=np.int32)  # pages used only as written
    count = np.zeros((n_chunks, max_distance), dtype=np.int64)
    full = np.zeros((n_chunks, max_distance), dtype=np.bool_)
    for chunk in numba.prange(n_chunks):
        seen = np.zeros(n, dtype=np.uint8)
        queue = np.empty(n, dtype=np.int64)
        level_end = np.empty(max_distance + 1, dtype=np.int64)
        for e in range(chunk, n_egos, n_chunks):
            tail = _bfs_levels(indptr, indices, egos[e], max_distance, seen, queue, level_end, bottom_up)
            if tail * 16 > n:  # large search: one ordered scan over the nodes (sequential access)
                for d in range(max_distance + 1):
                    for i in range(level_end[d - 1] if d else 0, level_end[d]):
                        seen[queue[i]] = d + 1  # 1 + distance
                for node in range(n):
                    level = np.int64(seen[node]) - 2
                    seen[node] = 0
                    j = column_of[node]
                    if level >= 0 and j >= 0:
                        alters[level, e] += 1
                        carriers[level, e] += trait[j]
                        ego_alters[level, e] += ego_of[j] >= 0
                        columns[chunk, level, j] += 1
            else:
                for d in range(max_distance):
                    for i in range(level_end[d], level_end[d + 1]):
                        j = column_of[queue[i]]
                        if j >= 0:
                            alters[d, e] += 1
                            carriers[d, e] += trait[j]
                            ego_alters[d, e] += ego_of[j] >= 0
                            columns[chunk, d, j] += 1
                for i in range(tail):
                    seen[queue[i]] = 0
            for d in range(max_distance):  # store: a second look at the levels (queue still valid)
                if not store[d] or full[chunk, d]:
                    continue
                if count[chunk, d] + alters[d, e] > cap:
                    full[chunk, d] = True
                    continue
                k = count[chunk, d]
                for i in range(level_end[d], level_end[d + 1]):
                    j = column_of[queue[i]]
                    if j >= 0:
                        kept[chunk, d, k] = j
                        k += 1
                count[chunk, d] = k
    total = np.zeros((max_distance, n_columns), dtype=np.int64)
    for chunk in range(n_chunks):
        total += columns[chunk]
    return alters, carriers, ego_alters, total, kept, count, full


@numba.njit(cache=True, parallel=True)
def bfs_shell_fill(indptr, indices, egos, max_distance, bottom_up, starts, out, column_of, keep, n_threads):
    """Write the sorted columns at distance d + 1 from ``egos[e]`` to ``out[starts[d, e]:...]``
    for the distances with ``keep[d]`` (``starts`` from the cumulated shell sizes), where
    ``column_of[node]`` is the node's column (-1: left out; the identity for plain shells).
    Searches that reach more than n/16 nodes are ordered by one scan over the nodes (O(n)),
    smaller ones by sorting."""
    n = len(indptr) - 1
    for chunk in numba.prange(n_threads):
        seen = np.zeros(n, dtype=np.uint8)
        queue = np.empty(n, dtype=np.int64)
        level_end = np.empty(max_distance + 1, dtype=np.int64)
        for e in range(chunk, len(egos), n_threads):
            tail = _bfs_levels(indptr, indices, egos[e], max_distance, seen, queue, level_end, bottom_up)
            if tail * 16 > n:  # large search: one ordered scan over the nodes, no sorting
                for d in range(max_distance + 1):
                    for i in range(level_end[d - 1] if d else 0, level_end[d]):
                        seen[queue[i]] = d + 1  # 1 + distance
                filled = starts[:, e].copy()
                for node in range(n):
                    level = seen[node]
                    if level >= 2 and keep[level - 2] and column_of[node] >= 0:
                        out[filled[level - 2]] = column_of[node]
                        filled[level - 2] += 1
                    seen[node] = 0
            else:
                for d in range(max_distance):
                    if not keep[d]:
                        continue
                    level = np.sort(queue[level_end[d] : level_end[d + 1]])
                    start = starts[d, e]
                    for i in range(len(level)):
                        if column_of[level[i]] >= 0:
                            out[start] = column_of[level[i]]
                            start += 1
                for i in range(tail):
                    seen[queue[i]] = 0
