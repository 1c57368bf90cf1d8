"""Shapes and independent brute-force references shared by the geometry tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import trimesh


def _icosphere(sub: int) -> tuple[np.ndarray, np.ndarray]:
    m = trimesh.creation.icosphere(subdivisions=sub)
    return np.asarray(m.vertices, dtype=np.float64), np.asarray(m.faces, dtype=np.int64)


def _blob(sub: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Non-convex star-shaped surface: a sphere with random radial bumps."""
    v, f = _icosphere(sub)
    rng = np.random.default_rng(seed)
    k = rng.normal(size=(6, 3))
    r = 1.0 + 0.25 * np.sin(v @ k.T * 2.0).mean(axis=1)
    return v * r[:, None], f


def _with_zero_area_face() -> tuple[np.ndarray, np.ndarray]:
    """A closed, consistently oriented box with a T-junction closed by a zero-area
    triangle (u, v, m), m the midpoint of edge u-v."""
    box = trimesh.creation.box()
    v = np.asarray(box.vertices, dtype=np.float64)
    f = [list(t) for t in np.asarray(box.faces)]
    f1 = f[0]
    u, w_, x = f1[0], f1[1], f1[2]
    # the face across edge (u, w_) traverses it as (w_, u)
    next(
        i
        for i, t in enumerate(f)
        if i != 0 and any(t[k] == w_ and t[(k + 1) % 3] == u for k in range(3))
    )
    vv = np.vstack([v, 0.5 * (v[u] + v[w_])])
    m = len(v)
    faces = [t for i, t in enumerate(f) if i != 0]
    faces += [[u, m, x], [m, w_, x], [u, w_, m]]
    return vv, np.asarray(faces, dtype=np.int64)


@pytest.fixture(scope="session")
def shapes3d() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    torus = trimesh.creation.torus(
        major_radius=1.0, minor_radius=0.3, major_sections=24, minor_sections=12
    )
    box = trimesh.creation.box(extents=(2.0, 1.0, 0.5))
    return {
        "sphere": _icosphere(2),
        "cube": (np.asarray(box.vertices, float), np.asarray(box.faces, np.int64)),
        "torus": (np.asarray(torus.vertices, float), np.asarray(torus.faces, np.int64)),
        "blob": _blob(),
        "zero_area_face": _with_zero_area_face(),
    }


def naca4(code: str = "2412", n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Closed NACA 4-digit airfoil polygon (counter-clockwise, sharp trailing edge)."""
    m, p, t = int(code[0]) / 100, int(code[1]) / 10, int(code[2:]) / 100
    beta = np.linspace(0.0, np.pi, n)
    x = 0.5 * (1 - np.cos(beta))
    yt = 5 * t * (0.2969 * np.sqrt(x) - 0.1260 * x - 0.3516 * x**2 + 0.2843 * x**3 - 0.1036 * x**4)
    if m == 0:
        yc = np.zeros_like(x)
    else:
        front = m / p**2 * (2 * p * x - x**2)
        back = m / (1 - p) ** 2 * ((1 - 2 * p) + 2 * p * x - x**2)
        yc = np.where(x < p, front, back)
    upper = np.stack([x, yc + yt], 1)[::-1]  # trailing edge -> leading edge
    lower = np.stack([x, yc - yt], 1)[1:-1]  # leading edge -> trailing edge (TE shared)
    pts = np.concatenate([upper, lower])
    k = len(pts)
    seg = np.stack([np.arange(k), (np.arange(k) + 1) % k], 1)
    return pts, seg


def star(n_tips: int = 7, r_in: float = 0.4, r_out: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    ang = np.arange(2 * n_tips) * np.pi / n_tips
    r = np.where(np.arange(2 * n_tips) % 2 == 0, r_out, r_in)
    pts = np.stack([r * np.cos(ang), r * np.sin(ang)], 1)
    k = len(pts)
    return pts, np.stack([np.arange(k), (np.arange(k) + 1) % k], 1)


def square_with_hole() -> tuple[np.ndarray, np.ndarray]:
    """Outer square (CCW) and an inner square hole (also CCW: parity ignores direction);
    some segments reversed on purpose."""
    outer = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float)
    inner = 0.5 * outer + [0.1, 0.0]
    pts = np.concatenate([outer, inner])
    seg = np.array([[0, 1], [2, 1], [2, 3], [3, 0], [4, 5], [5, 6], [7, 6], [7, 4]])
    return pts, seg


@pytest.fixture(scope="session")
def shapes2d() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {"naca2412": naca4("2412"), "star": star(), "square_hole": square_with_hole()}


# ----------------------------------------------------------- brute-force references


def ref_distance_3d(q: np.ndarray, v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Unsigned distance by projection onto each triangle's plane with a barycentric
    inside test, else the nearest of its three edges (torch, every pair)."""
    qt = torch.as_tensor(q, dtype=torch.float64)
    a, b, c = (torch.as_tensor(v[f[:, i]], dtype=torch.float64) for i in range(3))
    e1, e2 = b - a, c - a
    g11, g12, g22 = (e1 * e1).sum(-1), (e1 * e2).sum(-1), (e2 * e2).sum(-1)
    det = g11 * g22 - g12 * g12
    flat = det <= 1e-20 * (g11 * g22).clamp_min(1e-300)
    out = []
    for s in range(0, len(qt), 512):
        p = qt[s : s + 512, None, :]  # [m, 1, 3]

        def seg(p0, p1, p=p):
            d = p1 - p0
            t = (((p - p0) * d).sum(-1) / (d * d).sum(-1).clamp_min(1e-300)).clamp(0, 1)
            return torch.linalg.vector_norm(p - (p0 + t[..., None] * d), dim=-1)

        edge = torch.minimum(torch.minimum(seg(a, b), seg(b, c)), seg(c, a))
        r = p - a
        b1, b2 = (r * e1).sum(-1), (r * e2).sum(-1)
        u = (g22 * b1 - g12 * b2) / det.clamp_min(1e-300)
        w = (g11 * b2 - g12 * b1) / det.clamp_min(1e-300)
        inside = ~flat & (u >= 0) & (w >= 0) & (u + w <= 1)
        plane = torch.linalg.vector_norm(r - u[..., None] * e1 - w[..., None] * e2, dim=-1)
        out.append(torch.where(inside, plane, edge).min(dim=1).values)
    return torch.cat(out).numpy()


def ref_winding_3d(q: np.ndarray, v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Generalised winding number (Van Oosterom & Strackee solid angles, torch)."""
    qt = torch.as_tensor(q, dtype=torch.float64)
    tri = torch.as_tensor(v[f], dtype=torch.float64)  # [F, 3, 3]
    out = []
    for s in range(0, len(qt), 256):
        r = tri[None] - qt[s : s + 256, None, None, :]  # [m, F, 3, 3]
        a, b, c = r[..., 0, :], r[..., 1, :], r[..., 2, :]
        la, lb, lc = (torch.linalg.vector_norm(x, dim=-1) for x in (a, b, c))
        num = (a * torch.linalg.cross(b, c)).sum(-1)
        den = la * lb * lc + (a * b).sum(-1) * lc + (b * c).sum(-1) * la + (c * a).sum(-1) * lb
        out.append(2 * torch.atan2(num, den).sum(-1) / (4 * np.pi))
    return torch.cat(out).numpy()


def ref_distance_2d(q: np.ndarray, v: np.ndarray, s: np.ndarray) -> np.ndarray:
    p = torch.as_tensor(q, dtype=torch.float64)[:, None, :]
    a = torch.as_tensor(v[s[:, 0]], dtype=torch.float64)
    b = torch.as_tensor(v[s[:, 1]], dtype=torch.float64)
    d = b - a
    t = (((p - a) * d).sum(-1) / (d * d).sum(-1).clamp_min(1e-300)).clamp(0, 1)
    return torch.linalg.vector_norm(p - (a + t[..., None] * d), dim=-1).min(1).values.numpy()


def ref_inside_2d(q: np.ndarray, v: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Even-odd rule by brute force: count crossings of a ray towards +x."""
    a, b = v[s[:, 0]], v[s[:, 1]]
    qx, qy = q[:, None, 0], q[:, None, 1]
    straddle = (a[:, 1] > qy) != (b[:, 1] > qy)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = a[:, 0] + (qy - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
    return ((straddle & (qx < x)).sum(1) % 2) == 1


def random_queries(v: np.ndarray, n: int, seed: int, pad: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo, hi = v.min(0), v.max(0)
    span = hi - lo
    return rng.uniform(lo - pad * span, hi + pad * span, size=(n, v.shape[1]))
