"""Canonical-space training/evaluation points for the deformation prior."""
import torch

from prior_model import BOUNDS_MAX, BOUNDS_MIN

RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7]
LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249]
INNER_LIPS = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95]
OUTER_LIPS = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146]
LIPS = INNER_LIPS + OUTER_LIPS

CATEGORIES = ("surface", "openings", "box")
DEFAULT_MIX = (0.60, 0.15, 0.25)
NORMAL_SIGMA_M = 0.008


class PointSampler:
    """surface: area-weighted triangle samples offset along the face normal by N(0, 8 mm);
    openings: points inside the eye and mouth openings (fan triangulation of each opening's contour,
      openings weighted equally) offset along the local normal by N(0, 8 mm), plus a box around the
      mouth reaching 30 mm behind the lips (the mouth cavity);
    box: uniform in the feature field's box (hair, ears, neck, far field: B is the identity there)."""

    def __init__(self, mesh, mix=DEFAULT_MIX, sigma=NORMAL_SIGMA_M):
        self.m, self.mix, self.sigma = mesh, mix, sigma
        C = mesh.C.float()
        self.C = C
        self.tri_v = C[mesh.T]  # [F,3,3]
        self.area = mesh.area_c.float()
        self.normal = mesh.normal_c.float()
        fans, fan_n, fan_w = [], [], []
        for loop in (RIGHT_EYE, LEFT_EYE, INNER_LIPS):
            P = C[loop]
            c = P.mean(0)
            tri = torch.stack([c.expand(len(loop), 3), P, P.roll(-1, 0)], 1)  # [L,3,3]
            a = 0.5 * torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=-1).norm(dim=-1)
            n = torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=-1).sum(0)
            n = n / n.norm() * (1 if n[2] > 0 else -1)
            fans.append(tri)
            fan_n.append(n.expand(len(loop), 3))
            fan_w.append(a / a.sum() / 3.0)
        self.fan_v, self.fan_n, self.fan_w = torch.cat(fans), torch.cat(fan_n), torch.cat(fan_w)
        L = C[INNER_LIPS]
        self.mouth_lo = torch.stack([L[:, 0].min() - 0.005, L[:, 1].min() - 0.008, L[:, 2].min() - 0.030])
        self.mouth_hi = torch.stack([L[:, 0].max() + 0.005, L[:, 1].max() + 0.008, L[:, 2].max() + 0.002])
        self.lo, self.hi = torch.tensor(BOUNDS_MIN), torch.tensor(BOUNDS_MAX)

    def _tri_points(self, tv, w, n_vec, n, g):
        f = torch.multinomial(w, n, replacement=True, generator=g)
        r1, r2 = torch.rand(n, generator=g), torch.rand(n, generator=g)
        s = r1.sqrt()
        b = torch.stack([1 - s, s * (1 - r2), s * r2], -1)
        x = (b[:, :, None] * tv[f]).sum(1)
        return x + n_vec[f] * self.sigma * torch.randn(n, 1, generator=g)

    def surface(self, n, g):
        return self._tri_points(self.tri_v, self.area, self.normal, n, g)

    def openings(self, n, g):
        n_fan = n // 2
        x1 = self._tri_points(self.fan_v, self.fan_w, self.fan_n, n_fan, g)
        x2 = self.mouth_lo + (self.mouth_hi - self.mouth_lo) * torch.rand(n - n_fan, 3, generator=g)
        return torch.cat([x1, x2])

    def box(self, n, g):
        return self.lo + (self.hi - self.lo) * torch.rand(n, 3, generator=g)

    def sample(self, n, g):
        """-> points [n,3], category index [n] (0 surface, 1 openings, 2 box)."""
        ns = [int(round(n * f)) for f in self.mix]
        ns[0] += n - sum(ns)
        xs = [self.surface(ns[0], g), self.openings(ns[1], g), self.box(ns[2], g)]
        cat = torch.cat([torch.full((k,), i, dtype=torch.long) for i, k in enumerate(ns)])
        return torch.cat(xs), cat
