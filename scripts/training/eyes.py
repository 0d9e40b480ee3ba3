"""Explicit eyeballs: the Gaussians in each eye's opening turn about the eyeball's centre with the tracked gaze.

A detail network G given the gaze code does not move the irises (docs/TRAINING.md, "Gaze through G"): it learns one
average eye. Here the eye is a rigid ball, as in FLAME-based avatars: the canonical Gaussians inside an eye's opening
(the lid contour of the expression model's canonical mesh, seen along z, an inset margin, and a depth window round the
eyeball) turn about that eye's centre by the rotation that carries the eyeball's front point by the tracked iris
offset. The lids, lashes and the skin round them lie outside the opening and stay with F and G.

Frames and units: canonical head frame (metres, +x towards the person's left, +y up, +z out of the face). The gaze is
the tracker's (TrackResult.Gaze): per eye (the person's right, then left) the iris centre's offset from the eye
corners' midpoint along the eye line (image direction right eye -> left eye: canonical +x) and across it (towards the
chin: canonical -y), in eye widths; the avatar's canonical eye looks at the training frames' mean gaze, so the offset
used is relative to that mean: delta = code * std (the manifest's gaze block).

Per eye e with centre c_e, eye width W_e, radius r and per-Gaussian weight w_i in [0,1]:
  d_i  = w_i * W_e * (delta_along, -delta_across, 0)                  iris offset, metres
  n_i  = (d_i / r, sqrt(1 - |d_i / r|^2))                             the eyeball's new front direction (|d/r| <= 0.7)
  q_i  = normalize(1 + n_z, -n_y, n_x, 0)                             the shortest rotation z -> n_i (w,x,y,z)
  mu  += R(q_i) (mu_c - c_e) - (mu_c - c_e);  rot = q_i (x) rot       after NPGA eq. 6 (compose)
The runtime's twin is AvatarEyes (src/Npga.Live.Avatar); the package lists each eye's member Gaussians and weights
(the manifest's eyes block), so both apply the same rotation to the same Gaussians.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "deformation"))
from backward import ExpressionMesh  # noqa: E402

sys.path.insert(0, HERE)
from rasterizer import quat_to_rotmat  # noqa: E402

# the 468-point mesh's lid contours (the ones the tracker's Iris model refines), person's right eye then left
CONTOURS = ([33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
            [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466])
CORNERS = ((33, 133), (263, 362))  # (outer, inner)
CENTRE_DEPTH_M = 0.006  # eyeball centre: the corners' midpoint moved this far back (-z)
RADIUS_M = 0.011        # eyeball centre to the iris plane
MARGIN_M = 0.0008       # the opening's inset: Gaussians at the lid margin (lashes) stay with the lids
FEATHER_M = 0.0004      # soft edge of the inset opening (logistic scale)
DEPTH_M = (-0.004, 0.016)  # depth window round the centre's z: eyeball Gaussians, not the head behind
MAX_TILT = 0.7          # |d/r| bound: about 44 degrees


class EyeRig:
    """The two eyeballs of the canonical face (geometry from the expression model's canonical mesh)."""

    def __init__(self, mesh=None):
        mesh = mesh or ExpressionMesh()
        C = mesh.C.double()
        self.contours = [C[list(idx), :2].clone() for idx in CONTOURS]  # [16,2] each, metres
        self.centres, self.widths = [], []
        for outer, inner in CORNERS:
            mid = 0.5 * (C[outer] + C[inner])
            self.centres.append(mid - torch.tensor([0.0, 0.0, CENTRE_DEPTH_M], dtype=C.dtype))
            self.widths.append(float((C[outer] - C[inner]).norm()))

    @torch.no_grad()
    def weights(self, mu):
        """mu [N,3] canonical centres -> w [2,N] float32 in [0,1]: each eye's membership, the logistic of the signed
        distance (inside positive, metres) to the lid contour seen along z, less MARGIN_M, over FEATHER_M, within the
        depth window; 0 elsewhere (exactly, below 1e-3)."""
        p = mu.detach().double().cpu()
        out = torch.zeros(2, p.shape[0], dtype=torch.float32)
        for e in range(2):
            poly, c = self.contours[e], self.centres[e]
            lo, hi = poly.min(0).values - 2 * MARGIN_M, poly.max(0).values + 2 * MARGIN_M
            z = p[:, 2] - c[2]
            near = ((p[:, :2] >= lo) & (p[:, :2] <= hi)).all(1) & (z >= DEPTH_M[0]) & (z <= DEPTH_M[1])
            idx = near.nonzero()[:, 0]
            if len(idx) == 0:
                continue
            w = torch.sigmoid((signed_distance(poly, p[idx, :2]) - MARGIN_M) / FEATHER_M)
            out[e, idx] = torch.where(w >= 1e-3, w, torch.zeros_like(w)).float()
        return out

    def offsets(self, mu, w, delta):
        """mu [N,3] canonical centres, w [2,N] (weights), delta [4] gaze relative to the avatar's mean (eye widths:
        right along, across, left along, across) -> (d_mu [N,3] metres, q [N,4] w,x,y,z), identity where w = 0."""
        return turn(mu, w, delta, self.centres, self.widths, RADIUS_M, MAX_TILT)

    def sample(self, n, generator):
        """n points per eye [2n,3] on the eyeball (the sphere of RADIUS_M round its centre) inside its inset opening:
        where the trainer starts the eyeballs' own Gaussians (the expression model's mesh has no triangles across the
        eyes, so its surface samples leave the openings empty)."""
        out = []
        for e in range(2):
            poly, c = self.contours[e], self.centres[e]
            lo, hi = poly.min(0).values, poly.max(0).values
            got = []
            while sum(len(g) for g in got) < n:
                xy = lo + (hi - lo) * torch.rand(8 * n, 2, generator=generator, dtype=torch.float64)
                r2 = ((xy - c[:2]) ** 2).sum(1)
                keep = (signed_distance(poly, xy) > MARGIN_M + 2 * FEATHER_M) & (r2 < 0.9 * RADIUS_M ** 2)
                xy, r2 = xy[keep], r2[keep]
                got.append(torch.cat([xy, (c[2] + (RADIUS_M ** 2 - r2).sqrt())[:, None]], 1))
            out.append(torch.cat(got)[:n])
        return torch.cat(out).float()

    def to_json(self, w):
        """The manifest's eyes block for weights w [2,N] (the exported Gaussians' order)."""
        eyes = []
        for e in range(2):
            idx = w[e].nonzero()[:, 0]
            eyes.append(dict(centre=[float(v) for v in self.centres[e]], width_m=self.widths[e],
                             members=[int(i) for i in idx], weights=[round(float(w[e, i]), 6) for i in idx]))
        return dict(radius_m=RADIUS_M, max_tilt=MAX_TILT, eyes=eyes)


def signed_distance(poly, pts):
    """Signed distance of pts [M,2] to the closed polygon poly [V,2]: positive inside (even-odd rule), metres."""
    a, b = poly, poly.roll(-1, 0)
    ab = b - a
    ap = pts[:, None] - a[None]  # [M,V,2]
    s = ((ap * ab[None]).sum(-1) / (ab * ab).sum(-1)[None]).clamp(0, 1)
    dist = (ap - s[..., None] * ab[None]).norm(dim=-1).min(1).values
    x, y = pts[:, 0:1], pts[:, 1:2]
    cross = ((a[None, :, 1] > y) != (b[None, :, 1] > y)) & \
            (x < ab[None, :, 0] * (y - a[None, :, 1]) / (ab[None, :, 1] + 1e-30) + a[None, :, 0])
    inside = (cross.sum(1) % 2) == 1
    return torch.where(inside, dist, -dist)


def turn(mu, w, delta, centres, widths, radius, max_tilt):
    """The eyeballs' turn (the module's equations) for eyes of centres [2][3] and widths [2] (metres), as EyeRig has them
    or as a package's eyes block lists them: mu [N,3], w [2,N], delta [4] -> (d_mu [N,3] metres, q [N,4] w,x,y,z)."""
    d_mu = torch.zeros_like(mu)
    q = torch.zeros(mu.shape[0], 4, dtype=mu.dtype, device=mu.device)
    q[:, 0] = 1.0
    for e in range(2):
        idx = w[e].nonzero()[:, 0].to(mu.device)
        if len(idx) == 0:
            continue
        we = w[e, idx.cpu()].to(mu.device, mu.dtype)[:, None]
        off = torch.stack([delta[2 * e], -delta[2 * e + 1], torch.zeros_like(delta[0])]).to(mu.device, mu.dtype)
        t = (we * off[None] * (widths[e] / radius))  # d / r, [M,3]
        t = t * (max_tilt / t.norm(dim=1, keepdim=True).clamp_min(max_tilt))
        n = torch.cat([t[:, :2], (1 - (t[:, :2] ** 2).sum(1, keepdim=True)).sqrt()], 1)
        qe = torch.nn.functional.normalize(torch.stack([1 + n[:, 2], -n[:, 1], n[:, 0], torch.zeros_like(n[:, 0])], 1), dim=1)
        rel = mu[idx] - torch.as_tensor(centres[e]).to(mu.device, mu.dtype)
        d_mu = d_mu.index_copy(0, idx, (quat_to_rotmat(qe) @ rel[:, :, None])[:, :, 0] - rel)
        q = q.index_copy(0, idx, qe)
    return d_mu, q
