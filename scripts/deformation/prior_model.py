"""The deformation prior's modules: triplane feature field f(x_c) and the MLP F (NPGA eq. 4)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as Fn

# canonical head box (metres): covers the whole head incl. hair and neck, with margin around C
BOUNDS_MIN = (-0.12, -0.16, -0.14)
BOUNDS_MAX = (0.12, 0.14, 0.16)
PLANES = ((0, 1), (0, 2), (1, 2))  # xy, xz, yz: (first coordinate -> u -> texel i, second -> v -> texel j)
OUT_SCALE_M = 0.01  # the net's output unit: 1 = 1 cm


class FeatureField(nn.Module):
    """Triplanes [3, C, R, R]; f(x) = sum over planes xy, xz, yz of the bilinear sample.
    Sampling rule (plane (a, b)): u = (x_a - lo_a) / (hi_a - lo_a) * R - 0.5,
    v = (x_b - lo_b) / (hi_b - lo_b) * R - 0.5, texel [c, j, i] sits at (u, v) = (i, j), bilinear with
    border clamp == grid_sample(align_corners=False, padding_mode='border'), grid x = first coordinate."""

    def __init__(self, C=8, R=64, lo=BOUNDS_MIN, hi=BOUNDS_MAX, init_std=0.01, generator=None):
        super().__init__()
        self.C, self.R = C, R
        self.register_buffer("lo", torch.tensor(lo, dtype=torch.float32))
        self.register_buffer("hi", torch.tensor(hi, dtype=torch.float32))
        self.planes = nn.Parameter(torch.randn(3, C, R, R, generator=generator) * init_std)

    def forward(self, x):  # x [N,3] -> [N,C]
        g = 2.0 * (x - self.lo) / (self.hi - self.lo) - 1.0  # [-1, 1] over the box
        out = 0.0
        for p, (a, b) in enumerate(PLANES):
            grid = torch.stack([g[:, a], g[:, b]], -1)[None, None]  # [1,1,N,2]
            s = Fn.grid_sample(self.planes[p:p + 1], grid, mode="bilinear", padding_mode="border", align_corners=False)
            out = out + s[0, :, 0, :].t()
        return out

    def tv(self):
        P = self.planes
        return ((P[..., 1:, :] - P[..., :-1, :]) ** 2).mean() + ((P[..., :, 1:] - P[..., :, :-1]) ** 2).mean()


def sample_field_numpy(planes, lo, hi, x):
    """Reference implementation of the sampling rule in numpy (what the C# side implements).
    planes [3,C,R,R] float32, x [N,3] -> [N,C]."""
    planes = np.asarray(planes, np.float64)
    R = planes.shape[-1]
    lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
    out = np.zeros((len(x), planes.shape[1]))
    for p, (a, b) in enumerate(PLANES):
        u = (x[:, a] - lo[a]) / (hi[a] - lo[a]) * R - 0.5
        v = (x[:, b] - lo[b]) / (hi[b] - lo[b]) * R - 0.5
        i0, j0 = np.floor(u).astype(int), np.floor(v).astype(int)
        fu, fv = u - i0, v - j0
        i1, j1 = np.clip(i0 + 1, 0, R - 1), np.clip(j0 + 1, 0, R - 1)
        i0, j0 = np.clip(i0, 0, R - 1), np.clip(j0, 0, R - 1)
        P = planes[p]  # [C, j, i]
        out += ((1 - fu) * (1 - fv))[:, None] * P[:, j0, i0].T + (fu * (1 - fv))[:, None] * P[:, j0, i1].T \
            + ((1 - fu) * fv)[:, None] * P[:, j1, i0].T + (fu * fv)[:, None] * P[:, j1, i1].T
    return out


class PriorMLP(nn.Module):
    """F(mu, feat; z) -> d_mu. First layer split into W_mu, W_f, W_z (+ b0) so that the export can
    precompute h0 = W_mu mu' + W_f feat + b0 per avatar; then act, (hidden-1) x [H->H, act], H->3."""

    def __init__(self, C=8, K=15, H=64, hidden=3, act="silu", lo=BOUNDS_MIN, hi=BOUNDS_MAX):
        super().__init__()
        lo, hi = torch.tensor(lo), torch.tensor(hi)
        self.register_buffer("center", (lo + hi) / 2)
        self.register_buffer("half_extent", (hi - lo) / 2)
        self.act_name = act
        self.first_mu = nn.Linear(3, H, bias=True)  # bias = b0
        self.first_f = nn.Linear(C, H, bias=False)
        self.first_z = nn.Linear(K, H, bias=False)
        self.layers = nn.ModuleList([nn.Linear(H, H) for _ in range(hidden - 1)] + [nn.Linear(H, 3)])
        nn.init.zeros_(self.layers[-1].weight)  # F starts as the identity deformation
        nn.init.zeros_(self.layers[-1].bias)

    def act(self, x):
        return Fn.silu(x) if self.act_name == "silu" else Fn.relu(x)

    def pre(self, mu, feat):
        return self.first_mu((mu - self.center) / self.half_extent) + self.first_f(feat)

    def post(self, h0, z):
        h = self.act(h0 + self.first_z(z))
        for i, l in enumerate(self.layers):
            h = l(h)
            if i < len(self.layers) - 1:
                h = self.act(h)
        return h * OUT_SCALE_M

    def forward(self, mu, feat, z):  # z [1,K] or [N,K]
        return self.post(self.pre(mu, feat), z)

    def export_weights(self):
        t = lambda x: x.detach().cpu().numpy().astype(np.float32)
        Ws = [t(l.weight).T.copy() for l in self.layers]
        bs = [t(l.bias) for l in self.layers]
        Ws[-1] *= OUT_SCALE_M
        bs[-1] *= OUT_SCALE_M
        return dict(center=t(self.center), half=t(self.half_extent), W_mu=t(self.first_mu.weight).T.copy(),
                    W_f=t(self.first_f.weight).T.copy(), b0=t(self.first_mu.bias), W_z=t(self.first_z.weight).T.copy(),
                    Ws=Ws, bs=bs)
