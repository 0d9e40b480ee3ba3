"""Explicit upper eyelids: a lid cap per eye that turns down over the eyeball as the expression code closes the eye.

Without it no trained avatar blinks, not even on its own training frames: F moves the lid margin's Gaussians down (at
d6's full blink the expression model's lid gap is 4.4 mm against 8.8 open, FaceMesh reading a shut eye half open), but a
moved Gaussian does not stretch, so the skin that should cover the eye is not there, and the eye's own colours slide down
with the lid (docs/TRAINING.md, "Blinks"). Here, as in rigged face models, the upper lid is a shell that turns about the
eyeball's horizontal axis:

- the cap: Gaussians of their own (tagged at the start, the `lid` parameter: 1 + eye index), on the cylinder of radius
  CAP_RHO_M round the axis through the eyeball's centre along x (canonical), from the open lid margin up by the eye's
  closing angle and OVERLAP_RAD more. With the eye open the cap lies behind the visible upper-lid skin; it turns down
  by c * Theta(x) and, at c = 1, reaches the lower lid, its top still under the skin;
- the eyeball's Gaussians (eyes.EyeRig members) above the cap's edge, seen along z, fade out (opacity), so the depth
  order of ball and cap does not matter;
- F's displacement is withheld from both (they move with their rigs only).

Closure per eye c = clip((g_open - g) / (g_open - g_shut), CLOSURE_MIN, 1), g the expression model's lid gap at z_exp (linear
in z_exp: eyes.lid_gaps), g_open its median over the train frames, g_shut their smallest, at most SHUT_MAX * g_open.

Frames and units: canonical head frame (metres, +x towards the person's left, +y up, +z out of the face). Elevation
phi = atan2(y - c_y, z - c_z) about the eye's axis (the line through its centre c along x), radians, up positive; the
lid's turn by alpha about +x lowers every elevation by alpha: q = (cos(alpha/2), sin(alpha/2), 0, 0) (w,x,y,z).
Per eye e at lateral position x: phi_top(x), phi_bot(x) the elevations on the cap's cylinder at which the upper and lower
lid contours (the expression model's canonical mesh, seen along z) sit; Theta(x) = max(phi_top - phi_bot, 0).
  cap Gaussian i:      alpha_i = c_e * Theta(x_i);  mu += R_x(alpha_i)(mu_c - c_e) - (mu_c - c_e);  rot = q_i (x) rot
  eyeball Gaussian i:  opacity logit += log(1 - h_i + 1e-4),
                       h_i = sigmoid((y_i - c_y - CAP_RHO_M sin(phi_top(x_i) - c_e Theta(x_i))) / FADE_M),
                       (x_i, y_i) of its turned canonical centre (mu_c + the eyeball's turn offset); at c = 0 the edge is
                       the upper lid contour, above every eyeball Gaussian
The runtime's twin is AvatarLids (src/Npga.Live.Avatar); the package lists the cap's Gaussians and each eyeball Gaussian's
phi_top and Theta (the manifest's lids block).
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "deformation"))
from backward import ExpressionMesh  # noqa: E402

sys.path.insert(0, HERE)
from eyes import CONTOURS, EyeRig  # noqa: E402

CAP_RHO_M = 0.012      # the cap's cylinder: behind the open upper lid's skin (12.6-14.5 mm from the axis on d6), in
                       # front of most of the eyeball's Gaussians
OVERLAP_RAD = 0.2      # the cap reaches this far (~11 degrees) above the margin when shut: its top stays under the skin
FADE_M = 0.0004        # the eyeball's fade at the cap's edge, logistic scale
CLOSURE_MIN = -0.25    # wide-open eyes turn the cap up this far (a fraction of Theta)
SHUT_MAX = 0.6         # g_shut is at most this fraction of g_open (a clip without blinks is not calibrated on a squint)
CAP_SAMPLES = 0.015    # the cap's share of the initial Gaussians, per eye
GAP_VERTICES = ((159, 145), (386, 374))  # the upper and lower lid's middle vertices (LidRig.gaps)


def _lid_lines(contour):
    """The 16-point lid contour (eyes.CONTOURS order: outer corner, lower lid, inner corner, upper lid) -> (upper, lower)
    index lists, each running corner to corner."""
    return contour[8:] + contour[:1], contour[:9]


def interp(x, xp, fp):
    """Piecewise-linear interpolation of (xp [M] ascending, fp [M]) at x [N], clamped to the ends."""
    x = x.clamp(xp[0], xp[-1])
    j = torch.searchsorted(xp, x).clamp(1, len(xp) - 1)
    x0, x1, f0, f1 = xp[j - 1], xp[j], fp[j - 1], fp[j]
    t = (x - x0) / (x1 - x0).clamp_min(1e-12)
    return f0 + t * (f1 - f0)


class LidRig:
    """The two upper-lid caps of the canonical face (geometry from the expression model's canonical mesh and EyeRig's
    eyeball centres); closure calibration (g_open, g_shut, mm per eye) set by calibrate()."""

    def __init__(self, eyes=None, mesh=None):
        mesh = mesh or ExpressionMesh()
        C = mesh.C.double()
        self.centres = [c.clone() for c in (eyes or EyeRig(mesh)).centres]
        self.lines = []  # per eye: (x [M] ascending, y_upper [M], y_lower [M]) canonical metres
        for e, contour in enumerate(CONTOURS):
            up, lo = _lid_lines(list(contour))
            xs = torch.linspace(float(C[up, 0].min()), float(C[up, 0].max()), 33, dtype=C.dtype)
            yu = self._line_y(C[up], xs)
            yl = self._line_y(C[lo], xs)
            self.lines.append((xs, yu, yl))
        # the lid gap's linear form in z_exp (mm): gap = a + b . z
        Bb = mesh.Bb.double()
        self.gap_a = [float((C[u, 1] - C[l, 1]) * 1e3) for u, l in GAP_VERTICES]
        self.gap_b = [(Bb[:, u, 1] - Bb[:, l, 1]) * 1e3 for u, l in GAP_VERTICES]
        self.g_open, self.g_shut = [8.9, 8.9], [4.45, 4.45]
        self.cap_rho, self.fade_m, self.closure_min = CAP_RHO_M, FADE_M, CLOSURE_MIN

    @classmethod
    def from_json(cls, block, centres):
        """The rig a package's lids block describes (the bridge's reference forward), with its eyes block's centres [2][3]."""
        rig = cls.__new__(cls)
        rig.centres = [torch.tensor(c, dtype=torch.float64) for c in centres]
        eyes = block["eyes"]
        rig.lines = [tuple(torch.tensor(e[k], dtype=torch.float64) for k in ("line_x", "line_upper_y", "line_lower_y")) for e in eyes]
        rig.gap_a = [float(e["gap_a_mm"]) for e in eyes]
        rig.gap_b = [torch.tensor(e["gap_b_mm"], dtype=torch.float64) for e in eyes]
        rig.g_open = [float(e["open_mm"]) for e in eyes]
        rig.g_shut = [float(e["shut_mm"]) for e in eyes]
        rig.cap_rho, rig.fade_m, rig.closure_min = float(block["cap_rho_m"]), float(block["fade_m"]), float(block["closure_min"])
        return rig

    def to_json(self, tag):
        """The manifest's lids block for the cap tags tag [N] (the exported Gaussians' order)."""
        t = lambda v: [float(x) for x in v]
        return dict(cap_rho_m=self.cap_rho, fade_m=self.fade_m, closure_min=self.closure_min, eyes=[
            dict(gap_a_mm=self.gap_a[e], gap_b_mm=t(self.gap_b[e]), open_mm=self.g_open[e], shut_mm=self.g_shut[e],
                 line_x=t(self.lines[e][0]), line_upper_y=t(self.lines[e][1]), line_lower_y=t(self.lines[e][2]),
                 cap=[int(i) for i in (tag == 1 + e).nonzero()[:, 0]]) for e in range(2)])

    @staticmethod
    def _line_y(pts, xs):
        order = torch.argsort(pts[:, 0])
        return interp(xs, pts[order, 0].contiguous(), pts[order, 1].contiguous())

    def calibrate(self, z_train):
        """g_open (median) and g_shut (smallest, at most SHUT_MAX g_open) per eye from the train frames' codes [T,K]."""
        g = self.gaps(torch.as_tensor(z_train, dtype=torch.float64))
        self.g_open = [float(g[:, e].median()) for e in range(2)]
        self.g_shut = [min(float(g[:, e].min()), SHUT_MAX * self.g_open[e]) for e in range(2)]
        return self

    def gaps(self, z):
        """z [T,K] (or [K]) -> lid gaps [T,2] (or [2]) mm, linear in z_exp."""
        z = torch.as_tensor(z, dtype=torch.float64)
        return torch.stack([self.gap_a[e] + z @ self.gap_b[e] for e in range(2)], -1)

    def closure(self, z):
        """z_exp [K] -> c [2] float64 in [CLOSURE_MIN, 1] (0: the avatar's median open eye, 1: shut)."""
        g = self.gaps(z.detach().reshape(-1)[:len(self.gap_b[0])].double().cpu())
        return torch.stack([((self.g_open[e] - g[e]) / max(self.g_open[e] - self.g_shut[e], 1e-6)).clamp(self.closure_min, 1.0)
                            for e in range(2)])

    def angles(self, e, x):
        """Eye e's (phi_top, Theta) [N] radians on the cap's cylinder at lateral positions x [N] (metres)."""
        xs, yu, yl = (t.to(x.device, torch.float64) for t in self.lines[e])
        cy = float(self.centres[e][1])
        s = lambda y: torch.asin(((y - cy) / self.cap_rho).clamp(-1, 1))
        top, bot = s(interp(x, xs, yu)), s(interp(x, xs, yl))
        inside = (x > xs[0]) & (x < xs[-1])
        return top, torch.where(inside, (top - bot).clamp_min(0), torch.zeros_like(top))

    def sample(self, n, generator):
        """n points per eye [2n,3] on the cap's cylinder, over the eye's width and from the open margin up by Theta +
        OVERLAP_RAD: where the trainer starts the caps' Gaussians."""
        out = []
        for e in range(2):
            xs, c = self.lines[e][0], self.centres[e]
            x = xs[0] + (xs[-1] - xs[0]) * (0.02 + 0.96 * torch.rand(n, generator=generator, dtype=torch.float64))
            top, theta = self.angles(e, x)
            phi = top + (theta + OVERLAP_RAD) * torch.rand(n, generator=generator, dtype=torch.float64)
            out.append(torch.stack([x, c[1] + self.cap_rho * torch.sin(phi), c[2] + self.cap_rho * torch.cos(phi)], 1))
        return torch.cat(out).float()

    def offsets(self, mu, tag, closure):
        """mu [N,3] canonical centres, tag [N] (0: none, 1 + e: eye e's cap), closure [2] -> (d_mu [N,3], q [N,4]) of the
        caps' turn, identity elsewhere."""
        d_mu = torch.zeros_like(mu)
        q = torch.zeros(mu.shape[0], 4, dtype=mu.dtype, device=mu.device)
        q[:, 0] = 1.0
        for e in range(2):
            idx = (tag == 1 + e).nonzero()[:, 0]
            if len(idx) == 0:
                continue
            rel = mu[idx] - self.centres[e].to(mu)
            _, theta = self.angles(e, mu[idx, 0].detach().double())
            a = (float(closure[e]) * theta).to(mu)
            ca, sa = torch.cos(a), torch.sin(a)
            y = rel[:, 1] * ca - rel[:, 2] * sa
            z = rel[:, 1] * sa + rel[:, 2] * ca
            d_mu = d_mu.index_copy(0, idx, torch.stack([torch.zeros_like(y), y - rel[:, 1], z - rel[:, 2]], 1))
            q = q.index_copy(0, idx, torch.stack([torch.cos(a / 2), torch.sin(a / 2), torch.zeros_like(a), torch.zeros_like(a)], 1))
        return d_mu, q

    def fade(self, mu_turned, w_eye, closure):
        """Opacity-logit offsets [N] of the eyeball Gaussians (w_eye [2,N] > 0) above the caps' edge as seen along z;
        mu_turned [N,3] their canonical centres turned with the gaze."""
        out = torch.zeros(mu_turned.shape[0], dtype=mu_turned.dtype, device=mu_turned.device)
        for e in range(2):
            idx = (w_eye[e] > 0).nonzero()[:, 0].to(mu_turned.device)
            if len(idx) == 0:
                continue
            top, theta = self.angles(e, mu_turned[idx, 0].detach().double())
            edge = (float(self.centres[e][1]) + self.cap_rho * torch.sin(top - float(closure[e]) * theta)).to(mu_turned)
            h = torch.sigmoid((mu_turned[idx, 1] - edge) / self.fade_m)
            out = out.index_copy(0, idx, torch.log(1 - h + 1e-4))
        return out


def tags(n, cap_points):
    """The `lid` tag column [n + 2 m, 1] float32 for a cloud whose first 2 m rows are cap_points [2m,3] (eye 0's, then
    eye 1's) and whose other n rows are not cap."""
    m = len(cap_points) // 2
    return torch.cat([torch.ones(m, 1), 2 * torch.ones(m, 1), torch.zeros(n, 1)])

