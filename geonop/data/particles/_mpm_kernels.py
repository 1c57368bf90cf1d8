"""Taichi kernels of the 2D MLS-MPM solver behind :mod:`geonop.data.particles.mpm`.

Private: import through :class:`geonop.data.particles.mpm.MPMSimulator`, which calls
``ti.init`` first (fields can only be allocated after it). Units are box units (the
simulation square is [0, 1]^2, the walls sit at ``lo`` and ``hi`` inside it), seconds,
and unit density.

The scheme is MLS-MPM with APIC transfer (Hu et al. 2018) and quadratic B-splines:

- water: weakly compressible, Kirchhoff stress ``K J (J - 1) I`` plus a small viscous
  term ``J nu (C + C^T)``; the deformation gradient is reset to ``sqrt(J) I`` each
  substep so that only the volume ratio is remembered;
- sand: Drucker-Prager plasticity on Hencky (log) strain (Klar et al. 2016), with the
  elastic compression capped so that impacts do not store energy that makes blocks
  bounce;
- jelly: fixed-corotated hyperelasticity (Stomakhin et al. 2012), no plasticity.

Walls: grid nodes outside ``[lo, hi]`` get a separating slip condition with Coulomb
friction (the mass-weighted coefficient of the materials at the node, so sand grips the
floor while water slides); nodes more than ``no_slip_depth`` outside are no-slip. The extra layer is what keeps
weakly compressible water from shooting single-particle sheets along the walls.
Particles are finally clamped into ``[lo + margin, hi - margin]``, so no particle ever
leaves the box whatever the parameters.
"""


import taichi as ti

WATER = 0
SAND = 1
JELLY = 2


@ti.data_oriented
class MPMKernels:
    """Fields and kernels for up to ``capacity`` particles on an ``n_grid``^2 grid.

    Scalars that may change between scenes are 0-d fields, so changing them does not
    recompile the kernels.
    """

    def __init__(self, capacity: int, n_grid: int) -> None:
        self.capacity = capacity
        self.n_grid = n_grid
        self.dx = 1.0 / n_grid
        self.inv_dx = float(n_grid)
        self.x = ti.Vector.field(2, dtype=ti.f32, shape=capacity)
        self.v = ti.Vector.field(2, dtype=ti.f32, shape=capacity)
        self.C = ti.Matrix.field(2, 2, dtype=ti.f32, shape=capacity)
        self.F = ti.Matrix.field(2, 2, dtype=ti.f32, shape=capacity)
        self.Jp = ti.field(dtype=ti.f32, shape=capacity)  # sand: accumulated log volume change
        self.material = ti.field(dtype=ti.i32, shape=capacity)
        self.grid_v = ti.Vector.field(2, dtype=ti.f32, shape=(n_grid, n_grid))
        self.grid_m = ti.field(dtype=ti.f32, shape=(n_grid, n_grid))
        # mass-weighted wall friction coefficient, so each material grips the walls its own way
        self.grid_mu = ti.field(dtype=ti.f32, shape=(n_grid, n_grid))

        self.p_vol = ti.field(dtype=ti.f32, shape=())
        self.p_mass = ti.field(dtype=ti.f32, shape=())
        self.gravity = ti.Vector.field(2, dtype=ti.f32, shape=())
        self.lo = ti.field(dtype=ti.f32, shape=())
        self.hi = ti.field(dtype=ti.f32, shape=())
        self.margin = ti.field(dtype=ti.f32, shape=())
        self.wall_friction = ti.Vector.field(3, dtype=ti.f32, shape=())  # per material id
        self.no_slip_depth = ti.field(dtype=ti.f32, shape=())
        self.water_max_stretch = ti.field(dtype=ti.f32, shape=())
        self.bulk_water = ti.field(dtype=ti.f32, shape=())
        self.viscosity = ti.field(dtype=ti.f32, shape=())
        self.mu_sand = ti.field(dtype=ti.f32, shape=())
        self.la_sand = ti.field(dtype=ti.f32, shape=())
        self.alpha_sand = ti.field(dtype=ti.f32, shape=())
        self.cap_sand = ti.field(dtype=ti.f32, shape=())
        self.mu_jelly = ti.field(dtype=ti.f32, shape=())
        self.la_jelly = ti.field(dtype=ti.f32, shape=())

    @ti.kernel
    def reset_state(self, n: ti.i32):
        for p in range(n):
            self.C[p] = ti.Matrix.zero(ti.f32, 2, 2)
            self.F[p] = ti.Matrix.identity(ti.f32, 2)
            self.Jp[p] = 0.0

    @ti.func
    def _sand_stress(self, p: ti.i32):
        U, sig, V = ti.svd(self.F[p])
        eps = ti.Vector([ti.log(ti.max(ti.abs(sig[0, 0]), 1e-4)),
                         ti.log(ti.max(ti.abs(sig[1, 1]), 1e-4))])
        tr = eps.sum() + self.Jp[p]
        eps_hat = eps - tr / 2.0
        eps_hat_norm = eps_hat.norm() + 1e-20
        new_eps = eps
        if tr >= 0.0:
            # tension: a cohesionless material carries no load; remember the dilation
            self.Jp[p] = tr
            new_eps = ti.Vector([0.0, 0.0])
        else:
            self.Jp[p] = 0.0
            mu, la = self.mu_sand[None], self.la_sand[None]
            delta_gamma = eps_hat_norm + (2.0 * la + 2.0 * mu) / (2.0 * mu) * tr * self.alpha_sand[None]
            if delta_gamma > 0.0:
                new_eps = eps - delta_gamma / eps_hat_norm * eps_hat
        # compression cap: strain beyond it is dissipated instead of stored
        cap = self.cap_sand[None]
        for d in ti.static(range(2)):
            new_eps[d] = ti.max(new_eps[d], -cap)
        new_sig = ti.Matrix([[ti.exp(new_eps[0]), 0.0], [0.0, ti.exp(new_eps[1])]])
        self.F[p] = U @ new_sig @ V.transpose()
        mu, la = self.mu_sand[None], self.la_sand[None]
        log_sum = new_eps.sum()
        center = ti.Matrix([[2.0 * mu * new_eps[0] + la * log_sum, 0.0],
                            [0.0, 2.0 * mu * new_eps[1] + la * log_sum]])
        return U @ center @ U.transpose()

    @ti.func
    def _water_stress(self, p: ti.i32):
        J = self.F[p].determinant()
        J = ti.min(ti.max(J, 0.6), self.water_max_stretch[None])
        self.F[p] = ti.Matrix.identity(ti.f32, 2) * ti.sqrt(J)
        Cp = self.C[p]
        return (ti.Matrix.identity(ti.f32, 2) * self.bulk_water[None] * J * (J - 1.0)
                + self.viscosity[None] * J * (Cp + Cp.transpose()))

    @ti.func
    def _jelly_stress(self, p: ti.i32):
        Fp = self.F[p]
        R, _ = ti.polar_decompose(Fp)
        J = Fp.determinant()
        return (2.0 * self.mu_jelly[None] * (Fp - R) @ Fp.transpose()
                + ti.Matrix.identity(ti.f32, 2) * self.la_jelly[None] * J * (J - 1.0))

    @ti.kernel
    def substep(self, n: ti.i32, dt: ti.f32):
        for i, j in self.grid_m:
            self.grid_v[i, j] = ti.Vector([0.0, 0.0])
            self.grid_m[i, j] = 0.0
            self.grid_mu[i, j] = 0.0
        p_mass = self.p_mass[None]
        p_vol = self.p_vol[None]
        for p in range(n):
            Xp = self.x[p] * self.inv_dx
            base = ti.cast(Xp - 0.5, ti.i32)
            fx = Xp - ti.cast(base, ti.f32)
            w = [0.5 * (1.5 - fx) ** 2, 0.75 - (fx - 1.0) ** 2, 0.5 * (fx - 0.5) ** 2]
            self.F[p] = (ti.Matrix.identity(ti.f32, 2) + dt * self.C[p]) @ self.F[p]
            stress = ti.Matrix.zero(ti.f32, 2, 2)
            mat = self.material[p]
            if mat == WATER:
                stress = self._water_stress(p)
            elif mat == SAND:
                stress = self._sand_stress(p)
            else:
                stress = self._jelly_stress(p)
            mu_p = self.wall_friction[None][mat]
            affine = (-dt * p_vol * 4.0 * self.inv_dx * self.inv_dx) * stress + p_mass * self.C[p]
            for i, j in ti.static(ti.ndrange(3, 3)):
                offset = ti.Vector([i, j])
                dpos = (ti.cast(offset, ti.f32) - fx) * self.dx
                weight = w[i][0] * w[j][1]
                self.grid_v[base + offset] += weight * (p_mass * self.v[p] + affine @ dpos)
                self.grid_m[base + offset] += weight * p_mass
                self.grid_mu[base + offset] += weight * p_mass * mu_p
        lo, hi = self.lo[None], self.hi[None]
        depth = self.no_slip_depth[None]
        for i, j in self.grid_m:
            if self.grid_m[i, j] > 0:
                vel = self.grid_v[i, j] / self.grid_m[i, j] + dt * self.gravity[None]
                mu_w = self.grid_mu[i, j] / self.grid_m[i, j]
                pos = ti.Vector([i, j]) * self.dx
                outer = False
                for d in ti.static(range(2)):
                    if pos[d] < lo - depth or pos[d] > hi + depth:
                        outer = True
                if outer:
                    vel = ti.Vector([0.0, 0.0])
                else:
                    for d in ti.static(range(2)):
                        normal = ti.Vector([0.0, 0.0])
                        if pos[d] < lo:
                            normal[d] = 1.0
                        if pos[d] > hi:
                            normal[d] = -1.0
                        vn = vel.dot(normal)
                        if vn < 0.0:
                            # separating slip with Coulomb friction on the tangential part
                            vt = vel - vn * normal
                            vt_norm = vt.norm()
                            scale = 0.0
                            if vt_norm > 1e-12:
                                scale = ti.max(0.0, 1.0 + mu_w * vn / vt_norm)
                            vel = vt * scale
                self.grid_v[i, j] = vel
        margin = self.margin[None]
        for p in range(n):
            Xp = self.x[p] * self.inv_dx
            base = ti.cast(Xp - 0.5, ti.i32)
            fx = Xp - ti.cast(base, ti.f32)
            w = [0.5 * (1.5 - fx) ** 2, 0.75 - (fx - 1.0) ** 2, 0.5 * (fx - 0.5) ** 2]
            new_v = ti.Vector.zero(ti.f32, 2)
            new_C = ti.Matrix.zero(ti.f32, 2, 2)
            for i, j in ti.static(ti.ndrange(3, 3)):
                dpos = ti.Vector([i, j]) - fx
                g_v = self.grid_v[base + ti.Vector([i, j])]
                weight = w[i][0] * w[j][1]
                new_v += weight * g_v
                new_C += 4.0 * self.inv_dx * weight * g_v.outer_product(dpos)
            xp = self.x[p] + dt * new_v
            for d in ti.static(range(2)):
                if xp[d] < lo + margin:
                    xp[d] = lo + margin
                    new_v[d] = ti.max(new_v[d], 0.0)
                if xp[d] > hi - margin:
                    xp[d] = hi - margin
                    new_v[d] = ti.min(new_v[d], 0.0)
            self.v[p] = new_v
            self.C[p] = new_C
            self.x[p] = xp
