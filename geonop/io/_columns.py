"""Field arrays <-> named scalar columns, for column formats (CSV, PLY properties).

A vector field ``U`` of shape [N, 3] is written as columns ``U_0, U_1, U_2`` and read back
as one [N, 3] field; ParaView's ``U:0, U:1, U:2`` naming is recognised too. Fields of shape
[N, 1] come back as [N].
"""

from __future__ import annotations

import re

import numpy as np

_COMPONENT = re.compile(r"^(.*?)[_:](\d+)$")


def flatten_fields(fields: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """Split fields into (column name, 1-D array) pairs; [N, ...] fields get ``_i`` suffixes."""
    out = []
    for name, values in fields.items():
        flat = values.reshape(len(values), -1) if values.ndim > 1 else values
        if flat.ndim == 1 or flat.shape[1] == 1:
            out.append((name, flat.reshape(-1)))
        else:
            out += [(f"{name}_{i}", flat[:, i]) for i in range(flat.shape[1])]
    return out


def group_columns(columns: list[tuple[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Inverse of :func:`flatten_fields`: runs ``name_0 .. name_{k-1}`` (k >= 2) -> [N, k]."""
    out: dict[str, np.ndarray] = {}
    i = 0
    while i < len(columns):
        name, values = columns[i]
        match = _COMPONENT.match(name)
        if match and match.group(2) == "0":
            base, sep = match.group(1), name[len(match.group(1))]
            j = i + 1
            while j < len(columns) and columns[j][0] == f"{base}{sep}{j - i}":
                j += 1
            if j - i >= 2 and base and base not in out:
                out[base] = np.stack([c for _, c in columns[i:j]], axis=1)
                i = j
                continue
        out[name] = values
        i += 1
    return out
