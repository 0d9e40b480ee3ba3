"""Backward deformation B(x_p; z_exp) -> x_c of the expression model mp468-pca-v1 (NPGA section 4.2).

NPGA trains its deformation prior F as the inverse of the backward deformation B of the underlying
3DMM (NPHM there, the project's linear landmark model here) with the cycle-consistency loss
||B(x_c + F(x_c, f(x_c); z); z) - x_c||^2 (eqs. 8/9). This module defines B, in torch, batched and
differentiable in x_p.

Definition
----------
Posed mesh V_p(z) = C + sum_k z_k B_k, canonical mesh V_c = C, same triangles (eyes and mouth
left open; the mesh is an open surface covering the face only).

For a posed-space point x_p:
 1. closest point on the posed mesh: brute force over all triangles, Ericson's region-based
    point-triangle closest point ("Real-Time Collision Detection", 5.1.5). The triangle choice is
    made without gradient; the closest point on the chosen triangle (barycentrics b) is then
    recomputed differentiably.
 2. offset o = x_p - c_p (c_p = sum_i b_i V_p[t_i]), d = |o|.
 3. o is expressed in the posed triangle's local frame and re-applied in the canonical triangle's
    frame, i.e. rotated by R_t, the rotation part (polar decomposition) of the triangle's affine map
    posed -> canonical (edges to edges, unit normal to unit normal): R_t maps the posed normal exactly
    onto the canonical normal and, unlike a tangent = first-edge frame, does not depend on the order
    of the triangle's vertices. To make B continuous across triangle borders (where the closest point lies on a
    shared edge or vertex and the choice of triangle is arbitrary), the rotation used is not R_t of
    the chosen triangle but the barycentric blend R = sum_i b_i R_v[t_i] of per-vertex rotations
    R_v (area-weighted mean of the incident triangles' R_t, projected back onto SO(3) by SVD). On a
    shared edge the blend only involves the edge's two vertices, so both triangles give the same R.
    (frame="triangle" selects the raw per-triangle frame; the unit checks measure its jump.)
 4. x_c' = sum_i b_i V_c[t_i] + R o.
 5. blend into the rigid warp (the identity: head pose is applied separately) away from the face:
    x_c = w(d) x_c' + (1 - w(d)) x_p, with w(d) = 1 for d <= 5 mm, 0 for d >= 30 mm and a cubic
    smoothstep in between (w = 1 - s^2 (3 - 2 s), s = (d - 5 mm) / 25 mm; C^1). Hair, ears and neck
    (further than 30 mm from the face mesh) follow the head rigidly.

Properties (checked by test_backward.py): B(V_p[i]) = V_c[i] exactly; B = identity for z = 0; B is
continuous across triangle borders (it is discontinuous only on the medial axis of the mesh, where
two far-apart parts of the surface are equally close, e.g. midway between the lips of an open mouth
or a closed eye, and only where w > 0).

Also: posed_vertices(z) (the expression model's forward on the mesh) and forward_by_inversion(x_c, z)
(solves B(x_p) = x_c by fixed-point iteration; a numerical forward deformation for tests).
"""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_MODEL = os.path.join(ROOT, "models", "expression", "mp468-pca-v1", "expression_model.json")

FALLOFF_NEAR_M = 0.005
FALLOFF_FAR_M = 0.030


def falloff(d, near=FALLOFF_NEAR_M, far=FALLOFF_FAR_M):
    """w(d): 1 for d <= near, 0 for d >= far, cubic smoothstep in between."""
    s = ((d - near) / (far - near)).clamp(0.0, 1.0)
    return 1.0 - s * s * (3.0 - 2.0 * s)


def closest_point_barycentric(p, a, b, c):
    """Ericson's ClosestPtPointTriangle, vectorised. p, a, b, c broadcastable [..., 3].
    Returns barycentrics (u, v, w) [..., 3] of the closest point u a + v b + w c."""
    ab, ac, ap = b - a, c - a, p - a
    d1 = (ab * ap).sum(-1)
    d2 = (ac * ap).sum(-1)
    bp = p - b
    d3 = (ab * bp).sum(-1)
    d4 = (ac * bp).sum(-1)
    cp = p - c
    d5 = (ab * cp).sum(-1)
    d6 = (ac * cp).sum(-1)
    va = d3 * d6 - d5 * d4
    vb = d5 * d2 - d1 * d6
    vc = d1 * d4 - d3 * d2
    tiny = torch.finfo(p.dtype).tiny
    one = torch.ones_like(d1)
    zero = torch.zeros_like(d1)

    # face region (default)
    denom = va + vb + vc
    denom = torch.where(denom.abs() > tiny, denom, one)
    v = vb / denom
    w = vc / denom
    u = 1.0 - v - w
    # edge BC
    e_bc = (va <= 0) & ((d4 - d3) >= 0) & ((d5 - d6) >= 0)
    den = (d4 - d3) + (d5 - d6)
    t = (d4 - d3) / torch.where(den.abs() > tiny, den, one)
    u, v, w = torch.where(e_bc, zero, u), torch.where(e_bc, 1 - t, v), torch.where(e_bc, t, w)
    # edge AC
    e_ac = (vb <= 0) & (d2 >= 0) & (d6 <= 0)
    den = d2 - d6
    t = d2 / torch.where(den.abs() > tiny, den, one)
    u, v, w = torch.where(e_ac, 1 - t, u), torch.where(e_ac, zero, v), torch.where(e_ac, t, w)
    # edge AB
    e_ab = (vc <= 0) & (d1 >= 0) & (d3 <= 0)
    den = d1 - d3
    t = d1 / torch.where(den.abs() > tiny, den, one)
    u, v, w = torch.where(e_ab, 1 - t, u), torch.where(e_ab, t, v), torch.where(e_ab, zero, w)
    # vertex C
    v_c = (d6 >= 0) & (d5 <= d6)
    u, v, w = torch.where(v_c, zero, u), torch.where(v_c, zero, v), torch.where(v_c, one, w)
    # vertex B
    v_b = (d3 >= 0) & (d4 <= d3)
    u, v, w = torch.where(v_b, zero, u), torch.where(v_b, one, v), torch.where(v_b, zero, w)
    # vertex A
    v_a = (d1 <= 0) & (d2 <= 0)
    u, v, w = torch.where(v_a, one, u), torch.where(v_a, zero, v), torch.where(v_a, zero, w)
    return torch.stack([u, v, w], -1)


def triangle_frames(V, T):
    """Per-triangle frames [..., F, 3, 3], columns (e1, e2, n * sqrt(|e1 x e2|)) (not orthonormal)."""
    a, b, c = V[..., T[:, 0], :], V[..., T[:, 1], :], V[..., T[:, 2], :]
    e1, e2 = b - a, c - a
    cr = torch.cross(e1, e2, dim=-1)
    n = cr / cr.norm(dim=-1, keepdim=True).sqrt()
    return torch.stack([e1, e2, n], -1)


def triangle_rotations(Vp, Vc, T):
    """Rotation R_t [..., F, 3, 3] taking offsets in the posed triangle's frame to the canonical one's:
    the rotation part (polar decomposition, via SVD) of the triangle's affine map posed -> canonical
    (edges to edges, normal to normal). It maps the posed normal exactly onto the canonical normal,
    does not depend on the order of the triangle's vertices, and is the identity when the triangle is
    only stretched in its plane."""
    Fg = triangle_frames(Vc, T) @ torch.linalg.inv(triangle_frames(Vp, T))
    U, _, Vh = torch.linalg.svd(Fg)
    return U @ Vh


class ExpressionMesh:
    """The expression model as a deformable mesh, and its backward deformation B."""

    def __init__(self, path=DEFAULT_MODEL, dtype=torch.float32):
        with open(path) as fh:
            m = json.load(fh)
        self.id = m["id"]
        self.K = int(m["K"])
        self.dtype = dtype
        self.C = torch.tensor(m["canonical"], dtype=dtype)  # [V,3]
        self.Bb = torch.tensor(m["basis"], dtype=dtype).reshape(self.K, -1, 3)  # [K,V,3]
        self.T = torch.tensor(m["triangles"], dtype=torch.long)  # [F,3]
        self.nV, self.nF = self.C.shape[0], self.T.shape[0]
        Cc = self.C
        cr = torch.cross(Cc[self.T[:, 1]] - Cc[self.T[:, 0]], Cc[self.T[:, 2]] - Cc[self.T[:, 0]], dim=-1)
        self.area_c = 0.5 * cr.norm(dim=-1)  # canonical triangle areas [F]
        self.normal_c = torch.nn.functional.normalize(cr, dim=-1)
        # vertex <- triangle incidence (area weighted), for the per-vertex rotations
        W = torch.zeros(self.nV, self.nF, dtype=dtype)
        for k in range(3):
            W[self.T[:, k], torch.arange(self.nF)] = self.area_c
        # vertices in no triangle (the triangulation without lip/eyelid bridges leaves 5 inner-lip
        # vertices unused) get zero weights and the identity rotation; no closest point uses them
        wsum = W.sum(1, keepdim=True)
        self.isolated = (wsum[:, 0] == 0)
        self.vt_weight = W / wsum.clamp_min(torch.finfo(dtype).tiny)

    # ---- forward of the expression model -------------------------------------------------------
    def posed_vertices(self, z):
        """z [M,K] (or [K]) -> V_p [M,V,3] (or [V,3]) = C + sum_k z_k B_k."""
        z = torch.as_tensor(z, dtype=self.dtype)
        return self.C + torch.einsum("...k,kvd->...vd", z, self.Bb)

    def vertex_rotations(self, Vp, frame="vertex"):
        """Rotations posed -> canonical. frame='triangle': per triangle [M,F,3,3];
        frame='vertex': per vertex [M,V,3,3] (area-weighted mean of incident triangles, SVD-projected)."""
        Rt = triangle_rotations(Vp, self.C, self.T)  # maps posed offsets to canonical ones
        if frame == "triangle":
            return Rt
        Rv = torch.einsum("vf,...fij->...vij", self.vt_weight, Rt)
        if bool(self.isolated.any()):
            Rv = Rv + self.isolated.to(Rv.dtype)[:, None, None] * torch.eye(3, dtype=Rv.dtype)
        U, _, Vh = torch.linalg.svd(Rv)
        Rv = U @ Vh
        return Rv

    # ---- closest point ---------------------------------------------------------------------------
    @torch.no_grad()
    def closest_triangle_brute(self, xp, Vp, chunk=1 << 22):
        """xp [M,P,3], Vp [M,V,3] -> index of the closest triangle [M,P]: brute force over all triangles."""
        M, P, _ = xp.shape
        a, b, c = (Vp[:, self.T[:, k], :] for k in range(3))  # [M,F,3]
        step = max(1, chunk // (M * self.nF))
        out = torch.empty(M, P, dtype=torch.long)
        for s in range(0, P, step):
            p = xp[:, s:s + step, None, :]  # [M,p,1,3]
            bc = closest_point_barycentric(p, a[:, None], b[:, None], c[:, None])  # [M,p,F,3]
            q = bc[..., 0:1] * a[:, None] + bc[..., 1:2] * b[:, None] + bc[..., 2:3] * c[:, None]
            out[:, s:s + step] = ((p - q) ** 2).sum(-1).argmin(-1)
        return out

    @torch.no_grad()
    def closest_triangle(self, xp, Vp, k=32):
        """Same result as closest_triangle_brute, faster: exact point-triangle distances only for the k
        triangles with the smallest bounding-sphere lower bound max(0, |p - centroid| - radius); a point
        whose best exact distance exceeds the (k+1)-th lower bound falls back to brute force."""
        M, P, _ = xp.shape
        tv = Vp[:, self.T, :]  # [M,F,3,3]
        cen = tv.mean(2)
        rad = (tv - cen[:, :, None]).norm(dim=-1).amax(-1)  # [M,F]
        D = torch.cdist(xp, cen, compute_mode="donot_use_mm_for_euclid_dist")  # [M,P,F]
        lb = (D - rad[:, None, :]).clamp_min(0.0)
        k = min(k, self.nF - 1)
        lbk, cand = torch.topk(lb, k + 1, dim=-1, largest=False)  # sorted ascending
        cand = cand[..., :k]
        tvc = torch.gather(tv[:, None].expand(M, P, -1, -1, -1), 2, cand[..., None, None].expand(-1, -1, -1, 3, 3))  # [M,P,k,3,3]
        p = xp[:, :, None, :]
        bc = closest_point_barycentric(p, tvc[..., 0, :], tvc[..., 1, :], tvc[..., 2, :])
        q = (bc[..., None] * tvc).sum(-2)
        d = (p - q).norm(dim=-1)
        dbest, j = d.min(-1)
        out = torch.gather(cand, 2, j[..., None])[..., 0]
        bad = dbest > lbk[..., k] - 1e-7 * (1.0 + dbest)  # cannot rule out the other triangles
        if bad.any():
            for mi in range(M):
                sel = torch.nonzero(bad[mi])[:, 0]
                if len(sel):
                    out[mi, sel] = self.closest_triangle_brute(xp[mi:mi + 1, sel], Vp[mi:mi + 1])[0]
        return out

    def project(self, xp, Vp):
        """Closest point on the posed mesh: triangle index [M,P] and barycentrics [M,P,3] (differentiable)."""
        tri = self.closest_triangle(xp.detach(), Vp.detach())
        idx = self.T[tri]  # [M,P,3]
        g = lambda V, k: torch.gather(V, 1, idx[..., k, None].expand(-1, -1, 3))
        bc = closest_point_barycentric(xp, g(Vp, 0), g(Vp, 1), g(Vp, 2))
        return tri, idx, bc

    # ---- backward deformation --------------------------------------------------------------------
    def backward(self, xp, z, frame="vertex", return_aux=False, near=FALLOFF_NEAR_M, far=FALLOFF_FAR_M):
        """B(x_p; z) -> x_c. xp [M,P,3] (posed points, one group of P points per code), z [M,K]."""
        z = torch.as_tensor(z, dtype=self.dtype)
        squeeze = xp.dim() == 2
        if squeeze:
            xp, z = xp[None], z.reshape(1, -1)
        M, P, _ = xp.shape
        Vp = self.posed_vertices(z)  # [M,V,3]
        R = self.vertex_rotations(Vp, frame)
        tri, idx, bc = self.project(xp, Vp)
        gather_v = lambda V: torch.stack([torch.gather(V.expand(M, -1, -1), 1, idx[..., k, None].expand(-1, -1, 3)) for k in range(3)], -2)  # [M,P,3,3]
        cp = (bc[..., None] * gather_v(Vp)).sum(-2)
        cc = (bc[..., None] * gather_v(self.C[None])).sum(-2)
        o = xp - cp
        if frame == "triangle":
            Rp = torch.gather(R, 1, tri[..., None, None].expand(-1, -1, 3, 3))
        else:
            Rk = torch.stack([torch.gather(R, 1, idx[..., k, None, None].expand(-1, -1, 3, 3)) for k in range(3)], -3)  # [M,P,3,3,3]
            Rp = (bc[..., None, None] * Rk).sum(-3)
        xc_near = cc + (Rp @ o[..., None])[..., 0]
        d = torch.sqrt((o * o).sum(-1) + 1e-18)
        w = falloff(d, near, far)[..., None]
        xc = w * xc_near + (1.0 - w) * xp
        if squeeze:
            xc = xc[0]
        if return_aux:
            return xc, dict(tri=tri, bc=bc, d=d, w=w[..., 0], cp=cp)
        return xc

    __call__ = backward

    @torch.no_grad()
    def forward_by_inversion(self, xc, z, iters=30, frame="vertex"):
        """Numerical forward deformation: solve B(x_p; z) = x_c by fixed-point iteration
        x_p <- x_p + (x_c - B(x_p)) (B is close to the identity). Returns (x_p, residual |B(x_p) - x_c|)."""
        xp = xc.clone()
        for _ in range(iters):
            xp = xp + (xc - self.backward(xp, z, frame))
        return xp, (self.backward(xp, z, frame) - xc).norm(dim=-1)


def forward_numpy(model_json, z):
    """numpy helper: posed mesh vertices C + B z for one code z [K] -> [468,3] (metres)."""
    m = json.load(open(model_json)) if isinstance(model_json, str) else model_json
    C = np.asarray(m["canonical"], np.float64)
    B = np.asarray(m["basis"], np.float64).reshape(len(m["basis"]), -1, 3)
    return C + np.tensordot(np.asarray(z, np.float64), B, axes=1)
