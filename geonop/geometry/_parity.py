"""Point-in-region test for closed 2D curves by the even-odd (crossing parity) rule.

A horizontal ray is cast from each query towards +x and the segments it crosses are
counted; an odd count means inside. The rule does not depend on how segments are
oriented, so curves read from meshes (whose boundary lines run in arbitrary
directions) and multiply-connected regions (an airfoil inside a farfield loop, a
polygon with holes) work as they are.

Segments are bucketed by the horizontal bands their y-range overlaps so that each
query is tested only against the segments of its band: the work is about the number
of ray crossings plus the segments in one band, not the number of segments.
"""

from __future__ import annotations

import numpy as np

_PAIR_BUDGET = 1 << 21  # query-segment pairs tested per chunk (bounds memory)


class CurveParity:
    """Banded segment lists of a closed 2D curve, for repeated inside tests.

    Args:
        a, b: segment end points, arrays of shape [S, 2] each.
    """

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        # A segment is crossed by the ray at height y when min(ya, yb) <= y < max(ya, yb)
        # (half-open, so a ray through a shared vertex counts it once); horizontal
        # segments never are.
        live = a[:, 1] != b[:, 1]
        self.a, self.b = a[live], b[live]
        if len(self.a) == 0:
            return
        ylo = np.minimum(self.a[:, 1], self.b[:, 1])
        yhi = np.maximum(self.a[:, 1], self.b[:, 1])
        self.y0, self.y1 = float(ylo.min()), float(yhi.max())
        self.n_bands = int(min(len(self.a), 1 << 16))
        self.width = (self.y1 - self.y0) / self.n_bands
        lo_band, hi_band = self._band(ylo), self._band(yhi)
        span = hi_band - lo_band + 1
        seg_of_entry = np.repeat(np.arange(len(self.a)), span)
        entry_start = np.cumsum(span) - span
        band_of_entry = np.repeat(lo_band, span) + (
            np.arange(int(span.sum())) - np.repeat(entry_start, span)
        )
        self.band_segments = seg_of_entry[np.argsort(band_of_entry, kind="stable")]
        self.offsets = np.zeros(self.n_bands + 1, dtype=np.int64)
        np.cumsum(np.bincount(band_of_entry, minlength=self.n_bands), out=self.offsets[1:])

    def _band(self, y: np.ndarray) -> np.ndarray:
        return np.clip(((y - self.y0) / self.width).astype(np.int64), 0, self.n_bands - 1)

    def inside(self, query: np.ndarray) -> np.ndarray:
        """Even-odd inside flags [M] of ``query`` [M, 2]."""
        inside = np.zeros(len(query), dtype=bool)
        if len(query) == 0 or len(self.a) == 0:
            return inside
        in_range = (query[:, 1] >= self.y0) & (query[:, 1] < self.y1)
        idx = np.flatnonzero(in_range)
        qband = self._band(query[idx, 1])
        counts = self.offsets[qband + 1] - self.offsets[qband]
        start = 0
        while start < len(idx):
            # grow the chunk until it holds about _PAIR_BUDGET pairs
            csum = np.cumsum(counts[start:])
            stop = start + max(1, int(np.searchsorted(csum, _PAIR_BUDGET, side="right")))
            qi = idx[start:stop]
            cnt = counts[start:stop]
            first = self.offsets[qband[start:stop]]
            pair_q = np.repeat(np.arange(len(qi)), cnt)
            pos = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            seg = self.band_segments[np.repeat(first, cnt) + pos]
            qx, qy = query[qi[pair_q], 0], query[qi[pair_q], 1]
            ax, ay = self.a[seg, 0], self.a[seg, 1]
            bx, by = self.b[seg, 0], self.b[seg, 1]
            straddle = (ay > qy) != (by > qy)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_cross = ax + (qy - ay) * (bx - ax) / (by - ay)
            crossed = straddle & (qx < x_cross)
            parity = np.bincount(pair_q, weights=crossed, minlength=len(qi)).astype(np.int64)
            inside[qi] = parity % 2 == 1
            start = stop
        return inside


def inside_curve(query: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Even-odd inside flags of ``query`` [M, 2] for the closed curve with segments
    ``a`` -> ``b`` ([S, 2] each). Returns a bool array [M]."""
    return CurveParity(a, b).inside(query)
