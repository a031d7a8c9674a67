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


def _scatter(arr: np.ndarray, dest: np.ndarray) -> np.ndarray:
    out = np.empty_like(arr)
    out[dest] = arr
    return out


def pair_counts(val: np.ndarray, w_later: np.ndarray) -> dict[str, np.ndarray]:
    """Return the six per-position counts described in the module docstring."""
    n = int(val.shape[0])
    w_in = np.asarray(w_later)
    w_later = w_in.astype(np.float64)
    if n == 0:
        z = np.zeros(0)
        return dict(later_less=z, later_eq=z, later_greater=z, earlier_less=z, earlier_eq=z,
                    earlier_greater=z)
    idx_t = np.int64 if n > 2**30 else np.int32
    order = np.argsort(val, kind="stable").astype(idx_t)

    # --- equal values: grouped cumulative sums in (val, position) order -----------------------
    sval = val[order]
    new_grp = np.empty(n, dtype=bool)
    new_grp[0] = True
    np.not_equal(sval[1:], sval[:-1], out=new_grp[1:])
    grp_start = np.flatnonzero(new_grp)
    grp_id = np.cumsum(new_grp) - 1
    ar = np.arange(n, dtype=idx_t)
    earlier_eq_sorted = ar - grp_start[grp_id]
    ws = w_later[order]
    cw = np.concatenate(([0.0], np.cumsum(ws)))
    grp_end = np.append(grp_start[1:], n)
    later_eq_sorted = cw[grp_end[grp_id]] - cw[ar + 1]
    earlier_eq = np.empty(n)
    earlier_eq[order] = earlier_eq_sorted
    later_eq = np.empty(n)
    later_eq[order] = later_eq_sorted
    del sval, new_grp, grp_id, ws, cw, earlier_eq_sorted, later_eq_sorted

    # --- levels over position bits ----------------------------------------------------------
    # Pad to a power of two so that the blocks of every level are rows of a 2-D view; the padding
    # sits after every real position with a value above all others and weight 0, so it never
    # contributes to a real element's counts.
    nbits = max(1, int(n - 1).bit_length())
    big_n = 1 << nbits
    integer_w = np.issubdtype(w_in.dtype, np.integer) or w_in.dtype == bool
    w_dtype = idx_t if integer_w else np.float64
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
    tail = min(_TAIL_BITS, nbits)
    for b in range(nbits - 1, tail - 1, -1):
        bsz = 1 << (b + 1)
        nblk = big_n // bsz
        is_r = ((pos >> b) & 1).astype(bool)
        is_l = ~is_r
        np.cumsum(is_l, out=excl_l[1:])
        np.cumsum(w * is_r, out=excl_w[1:])
        el = excl_l[:-1].reshape(nblk, bsz)
        ew = excl_w[:-1].reshape(nblk, bsz)
        lib = el - el[:, :1]  # L elements before, inside the block
        wrb = ew - ew[:, :1]  # weight of R elements before, inside the block
        lib = lib.ravel()
        acc_ll += wrb.ravel() * is_l
        acc_el += lib * is_r
        # stable partition of every block into its L half then its R half:
        # an L element moves back by the number of R elements before it, an R element forward
        # by the number of L elements after it (inside the block)
        n_lb = excl_l[bsz::bsz] - excl_l[:-1:bsz]
        r_before = (ar.reshape(nblk, bsz) - ar[::bsz, None]).ravel() - lib
        l_after = (n_lb[:, None] - (el - el[:, :1])).ravel()
        dest = ar + np.where(is_l, -r_before, l_after)
        pos = _scatter(pos, dest)
        w = _scatter(w, dest)
        acc_ll = _scatter(acc_ll, dest)
        acc_el = _scatter(acc_el, dest)
    if tail > 0:
        # remaining pairs lie inside blocks of 2**tail elements sorted by (value, position):
        # count them by brute force. Inside such a block, "q placed before p and later in position"
        # means val[q] < val[p]; "p placed before q and earlier in position" means val[p] <= val[q].
        bsz = 1 << tail
        nblk = big_n // bsz
        pb = pos.reshape(nblk, bsz)
        wb = w.reshape(nblk, bsz)
        tri = np.tri(bsz, k=-1, dtype=bool)  # tri[p, q] = q placed before p
        later = pb[:, None, :] > pb[:, :, None]  # later[., p, q] = pos[q] > pos[p]
        acc_ll += ((later & tri) * wb[:, None, :]).sum(axis=2).ravel().astype(w_dtype)
        acc_el += (~later & tri).sum(axis=2).ravel().astype(idx_t)
    # the arrangement now sorts each tail block by value; put the results in position order
    res_ll = np.empty(big_n, dtype=np.float64)
    res_ll[pos] = acc_ll
    res_el = np.empty(big_n, dtype=np.float64)
    res_el[pos] = acc_el
    acc_ll = res_ll[:n]
    acc_el = res_el[:n]
    # after the last level the arrangement is the identity (position order)
    later_less = acc_ll
    earlier_less = acc_el - earlier_eq
    total_later = np.concatenate((np.cumsum(w_later[::-1])[::-1][1:], [0.0]))
    later_greater = total_later - later_less - later_eq
    earlier_greater = np.arange(n, dtype=np.float64) - acc_el
    return dict(
        later_less=later_less,
        later_eq=later_eq,
        later_greater=later_greater,
        earlier_less=earlier_less,
        earlier_eq=earlier_eq,
        earlier_greater=earlier_greater,
    )
