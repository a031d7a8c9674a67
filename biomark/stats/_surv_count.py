"""Vectorised O(n log n) pair counting for concordance statistics (private).

For a sequence ``val[0..n-1]`` (integer ranks, ties allowed) and weights ``w_later`` this computes,
for every position ``i``::

    later_less[i]    = sum_{j > i, val[j] <  val[i]} w_later[j]
    later_eq[i]      = sum_{j > i, val[j] == val[i]} w_later[j]
    later_greater[i] = sum_{j > i, val[j] >  val[i]} w_later[j]
    earlier_less[i]  = #{j < i : val[j] <  val[i]}
    earlier_eq[i]    = #{j < i : val[j] == val[i]}
    earlier_greater[i] = #{j < i : val[j] >  val[i]}

Algorithm (a wavelet-tree / top-down merge sort over the *position* bits): the elements start
sorted by ``(val, position)``. At level ``b`` (from the most significant bit of the position
down), every block of positions sharing ``position >> (b + 1)`` is contiguous and sorted by value.
Inside a block the elements whose bit ``b`` is 0 (the earlier half, "L") precede in position all
whose bit is 1 ("R"), so for an L element the R elements placed before it in value order are the
later elements with a strictly smaller value, and for an R element the L elements before it are
the earlier elements with a value <= its own. Both are prefix sums inside the block. The block is
then stably partitioned into its L and R halves (again prefix sums), which gives the blocks of the
next level. Every pair of positions is counted exactly once, at the level of its highest
differing bit, so the cost is O(n log n) with about thirty numpy passes per level and no Python
loop over the data. Equal values are counted separately with one grouped cumulative sum.
"""

from __future__ import annotations

import numpy as np

_TAIL_BITS = 4
_TOTAL_TAIL_BITS = 5  # earlier_leq_total's brute-force blocks (32 elements: fewer numpy passes at n ~ 10^3)


def _scatter(arr: np.ndarray, dest: np.ndarray) -> np.ndarray:
    out = np.empty_like(arr)
    out[dest] = arr
    return out


def _equal_counts(val: np.ndarray, order: np.ndarray, w_later: np.ndarray, idx_t: type) -> tuple[np.ndarray, np.ndarray]:
    """earlier_eq and later_eq: grouped cumulative sums in (val, position) order."""
    n = int(val.shape[0])
    sval = val[order]
    new_grp = np.empty(n, dtype=bool)
    new_grp[0] = True
    np.not_equal(sval[1:], sval[:-1], out=new_grp[1:])
    grp_start = np.flatnonzero(new_grp)
    grp_id = np.cumsum(new_grp) - 1
    ar = np.arange(n, dtype=idx_t)
    cw = np.concatenate(([0.0], np.cumsum(w_later[order])))
    grp_end = np.append(grp_start[1:], n)
    earlier_eq = np.empty(n)
    earlier_eq[order] = ar - grp_start[grp_id]
    later_eq = np.empty(n)
    later_eq[order] = cw[grp_end[grp_id]] - cw[ar + 1]
    return earlier_eq, later_eq


def _level(b: int, big_n: int, pos: np.ndarray, w: np.ndarray, acc_ll: np.ndarray, acc_el: np.ndarray,
           excl_l: np.ndarray, excl_w: np.ndarray, ar: np.ndarray) -> tuple[np.ndarray, ...]:
    """One level of the position-bit merge (module docstring): add its pairs, then partition the blocks."""
    bsz = 1 << (b + 1)
    nblk = big_n // bsz
    is_r = ((pos >> b) & 1).astype(bool)
    is_l = ~is_r
    np.cumsum(is_l, out=excl_l[1:])
    np.cumsum(w * is_r, out=excl_w[1:])
    el = excl_l[:-1].reshape(nblk, bsz)
    ew = excl_w[:-1].reshape(nblk, bsz)
    lib = (el - el[:, :1]).ravel()  # L elements before, inside the block
    acc_ll += (ew - ew[:, :1]).ravel() * is_l  # weight of R elements before, inside the block
    acc_el += lib * is_r
    # stable partition of every block into its L half then its R half: an L element moves back by the
    # number of R elements before it, an R element forward by the number of L elements after it
    n_lb = excl_l[bsz::bsz] - excl_l[:-1:bsz]
    r_before = (ar.reshape(nblk, bsz) - ar[::bsz, None]).ravel() - lib
    l_after = (n_lb[:, None] - (el - el[:, :1])).ravel()
    dest = ar + np.where(is_l, -r_before, l_after)
    return _scatter(pos, dest), _scatter(w, dest), _scatter(acc_ll, dest), _scatter(acc_el, dest)


def _tail(tail: int, big_n: int, pos: np.ndarray, w: np.ndarray, acc_ll: np.ndarray, acc_el: np.ndarray) -> None:
    """Pairs inside blocks of 2**tail elements sorted by (value, position), by brute force (in place).

    Inside such a block, "q placed before p and later in position" means val[q] < val[p]; "p placed
    before q and earlier in position" means val[p] <= val[q].
    """
    bsz = 1 << tail
    nblk = big_n // bsz
    pb = pos.reshape(nblk, bsz)
    wb = w.reshape(nblk, bsz)
    tri = np.tri(bsz, k=-1, dtype=bool)  # tri[p, q] = q placed before p
    later = pb[:, None, :] > pb[:, :, None]  # later[., p, q] = pos[q] > pos[p]
    acc_ll += ((later & tri) * wb[:, None, :]).sum(axis=2).ravel().astype(acc_ll.dtype)
    acc_el += (~later & tri).sum(axis=2).ravel().astype(acc_el.dtype)


def _value_levels(val: np.ndarray, w: np.ndarray, nvb: int, idx_t: type) -> tuple[np.ndarray, np.ndarray]:
    """earlier_less and later_less over the *value* bits (a wavelet tree), for integer weights.

    At level ``b`` the positions are arranged by ``(val >> (b + 1), position)``; inside each node an
    element whose bit ``b`` is 1 is preceded (in position) by the earlier elements with bit 0 and a
    smaller value and followed by the later ones. Every pair of distinct values is counted once, at
    the level of their highest differing bit, so ``nvb = bit_length(max value)`` levels suffice: few
    when the scores take few distinct values. Integer sums are exact, so the order of summation
    does not matter and the counts equal those of the position-bit merge.
    """
    n = int(val.shape[0])
    ar = np.arange(n, dtype=idx_t)
    arr = ar.copy()  # position of each element of the arrangement
    va = val.astype(idx_t)
    wa = w.copy()
    acc_el = np.zeros(n, dtype=idx_t)
    acc_ll = np.zeros(n, dtype=w.dtype)
    cz = np.zeros(n + 1, dtype=idx_t)
    cwz = np.zeros(n + 1, dtype=w.dtype)
    for b in range(nvb - 1, -1, -1):
        key = va >> (b + 1)  # node of each element, non-decreasing along the arrangement
        is1 = ((va >> b) & 1).astype(bool)
        is0 = ~is1
        np.cumsum(is0, out=cz[1:])
        np.cumsum(wa * is0, out=cwz[1:])
        nodes = np.arange(int(key[-1]) + 1, dtype=idx_t)
        s = np.searchsorted(key, nodes, side="left").astype(idx_t)[key]
        e = np.searchsorted(key, nodes, side="right").astype(idx_t)[key]
        zb = cz[:-1] - cz[s]  # elements with bit 0 before, inside the node
        acc_el += zb * is1
        acc_ll += (cwz[e] - cwz[1:]) * is1
        dest = np.where(is0, s + zb, s + (cz[e] - cz[s]) + (ar - s - zb))
        arr, va, wa = _scatter(arr, dest), _scatter(va, dest), _scatter(wa, dest)
        acc_el, acc_ll = _scatter(acc_el, dest), _scatter(acc_ll, dest)
    res_el = np.empty(n, dtype=np.float64)
    res_el[arr] = acc_el
    res_ll = np.empty(n, dtype=np.float64)
    res_ll[arr] = acc_ll
    return res_el, res_ll


def pair_counts(val: np.ndarray, w_later: np.ndarray, order: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Return the six per-position counts described in the module docstring.

    ``order``, if given, is ``np.argsort(val, kind="stable")`` already computed by the caller.
    """
    n = int(val.shape[0])
    w_in = np.asarray(w_later)
    w_later = w_in.astype(np.float64)
    if n == 0:
        z = np.zeros(0)
        return dict(later_less=z, later_eq=z, later_greater=z, earlier_less=z, earlier_eq=z,
                    earlier_greater=z)
    idx_t = np.int64 if n > 2**30 else np.int32
    order = (np.argsort(val, kind="stable") if order is None else order).astype(idx_t, copy=False)
    earlier_eq, later_eq = _equal_counts(val, order, w_later, idx_t)
    total_later = np.concatenate((np.cumsum(w_later[::-1])[::-1][1:], [0.0]))
    # Pad to a power of two so that the blocks of every level are rows of a 2-D view; the padding
    # sits after every real position with a value above all others and weight 0, so it never
    # contributes to a real element's counts.
    nbits = max(1, int(n - 1).bit_length())
    big_n = 1 << nbits
    w_dtype = idx_t if (np.issubdtype(w_in.dtype, np.integer) or w_in.dtype == bool) else np.float64
    tail = min(_TAIL_BITS, nbits)
    nvb = max(1, int(val[order[-1]]).bit_length())
    if w_dtype is idx_t and val[order[0]] >= 0 and nvb <= nbits - tail:
        # few distinct values: count over the value bits instead (exact integer sums)
        earlier_less, later_less = _value_levels(val, w_in.astype(idx_t), nvb, idx_t)
        return dict(later_less=later_less, later_eq=later_eq, later_greater=total_later - later_less - later_eq,
                    earlier_less=earlier_less, earlier_eq=earlier_eq,
                    earlier_greater=np.arange(n, dtype=np.float64) - earlier_less - earlier_eq)
    pos = np.empty(big_n, dtype=idx_t)
    pos[:n] = order
    pos[n:] = np.arange(n, big_n, dtype=idx_t)
    w = np.zeros(big_n, dtype=w_dtype)
    w[:n] = w_in[order]
    acc_ll = np.zeros(big_n, dtype=w_dtype)  # later_less, carried with the arrangement
    acc_el = np.zeros(big_n, dtype=idx_t)  # earlier_leq, carried with the arrangement
    excl_l = np.zeros(big_n + 1, dtype=idx_t)
    excl_w = np.zeros(big_n + 1, dtype=w_dtype)
    ar = np.arange(big_n, dtype=idx_t)
    for b in range(nbits - 1, tail - 1, -1):
        pos, w, acc_ll, acc_el = _level(b, big_n, pos, w, acc_ll, acc_el, excl_l, excl_w, ar)
    if tail > 0:
        _tail(tail, big_n, pos, w, acc_ll, acc_el)
    # the arrangement now sorts each tail block by value; put the results in position order
    res_ll = np.empty(big_n, dtype=np.float64)
    res_ll[pos] = acc_ll
    res_el = np.empty(big_n, dtype=np.float64)
    res_el[pos] = acc_el
    later_less, acc_el = res_ll[:n], res_el[:n]
    return dict(
        later_less=later_less,
        later_eq=later_eq,
        later_greater=total_later - later_less - later_eq,
        earlier_less=acc_el - earlier_eq,
        earlier_eq=earlier_eq,
        earlier_greater=np.arange(n, dtype=np.float64) - acc_el,
    )


def earlier_leq_total(val: np.ndarray, w: np.ndarray, order: np.ndarray | None = None) -> int:
    """``sum_i w[i] * #{j < i : val[j] <= val[i]}`` for integer weights ``w``, as an exact integer.

    The position-bit merge of :func:`pair_counts` reduced to a total: at each level only the L
    elements before each R element inside its block are summed (weighted by the R element), so
    the arrangement carries positions and weights but no per-element accumulators (half the
    scatters of :func:`pair_counts`). ``order`` is ``np.argsort(val, kind="stable")`` if known.

    Examples
    --------
    >>> earlier_leq_total(np.array([2, 0, 1, 1, 3]), np.array([1, 1, 1, 1, 1]))  # 0 + 1 + 2 + 4
    7
    """
    n = int(val.shape[0])
    if n < 2:
        return 0
    idx_t = np.int64 if n > 2**30 else np.int32
    order = (np.argsort(val, kind="stable") if order is None else order).astype(idx_t, copy=False)
    nbits = max(1, int(n - 1).bit_length())
    big_n = 1 << nbits
    pos = np.empty(big_n, dtype=idx_t)
    pos[:n] = order
    pos[n:] = np.arange(n, big_n, dtype=idx_t)  # padding: after every real element in value order, weight 0
    wa = np.zeros(big_n, dtype=np.int64)
    wa[:n] = np.asarray(w, dtype=np.int64)[order]
    excl_l = np.zeros(big_n + 1, dtype=idx_t)
    ar = np.arange(big_n, dtype=idx_t)
    tail = min(_TOTAL_TAIL_BITS, nbits)
    total = 0
    for b in range(nbits - 1, tail - 1, -1):
        bsz = 1 << (b + 1)
        nblk = big_n // bsz
        is_r = ((pos >> b) & 1).astype(bool)
        is_l = ~is_r
        np.cumsum(is_l, out=excl_l[1:])
        el = excl_l[:-1].reshape(nblk, bsz)
        lib = (el - el[:, :1]).ravel()  # L elements before, inside the block
        total += int(np.dot(lib[is_r].astype(np.int64), wa[is_r]))
        n_lb = excl_l[bsz::bsz] - excl_l[:-1:bsz]
        r_before = (ar.reshape(nblk, bsz) - ar[::bsz, None]).ravel() - lib
        l_after = (n_lb[:, None] - (el - el[:, :1])).ravel()
        dest = ar + np.where(is_l, -r_before, l_after)
        pos, wa = _scatter(pos, dest), _scatter(wa, dest)
    if tail > 0:  # pairs inside blocks of 2**tail sorted by (value, position), as _tail counts them
        bsz = 1 << tail
        pb = pos.reshape(big_n // bsz, bsz)
        tri = np.tri(bsz, k=-1, dtype=bool)
        earlier = pb[:, None, :] < pb[:, :, None]  # earlier[., p, q] = pos[q] < pos[p]
        total += int(((earlier & tri).sum(axis=2) * wa.reshape(pb.shape)).sum())
    return total
