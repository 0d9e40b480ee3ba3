"""Unit checks of the backward deformation B (backward.py). Prints results and writes them as JSON.

/usr/bin/python3 scripts/deformation/test_backward.py --tracks /tmp/prior [--out models/deformation/mp468-prior-v1/backward_checks.json]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backward import ExpressionMesh, forward_numpy, DEFAULT_MODEL  # noqa: E402
from tracks import load_codes  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", default="/tmp/prior")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    res = {}
    t0 = time.time()

    m64 = ExpressionMesh(dtype=torch.float64)
    z_tr, z_te, _ = load_codes(args.tracks)
    # codes: 8 held-out real codes, the most mouth-open training code, and a synthetic z0 = -3
    idx = rng.choice(len(z_te), 8, replace=False)
    codes = np.concatenate([z_te[idx], z_tr[np.argmin(z_tr[:, 0])][None], np.eye(15)[None, 0] * -3.0])
    Z = torch.tensor(codes, dtype=torch.float64)

    # 1. posed vertices map exactly to canonical vertices
    Vp = m64.posed_vertices(Z)
    assert np.allclose(forward_numpy(DEFAULT_MODEL, codes[0]), Vp[0].numpy())
    xc = m64.backward(Vp, Z)
    err = (xc - m64.C).norm(dim=-1)
    res["vertices_to_canonical_max_err_m"] = float(err.max())
    print(f"[1] B(V_p[i]) = V_c[i]: max error {err.max():.3e} m over {Z.shape[0]} codes x 468 vertices")

    # 2. identity for z = 0 (near-surface points and points in the head box)
    lo, hi = torch.tensor([-0.12, -0.16, -0.14]), torch.tensor([0.12, 0.14, 0.16])
    box = lo + (hi - lo) * torch.rand(4000, 3, dtype=torch.float64)
    f = torch.randint(0, m64.nF, (4000,))
    b = torch.distributions.Dirichlet(torch.ones(3)).sample((4000,)).double()
    surf = (b[:, :, None] * m64.C[m64.T[f]]).sum(1) + m64.normal_c[f] * 0.008 * torch.randn(4000, 1, dtype=torch.float64)
    pts = torch.cat([box, surf])[None]
    e0 = (m64.backward(pts, torch.zeros(1, 15, dtype=torch.float64)) - pts).norm(dim=-1)
    res["identity_at_z0_max_err_m"] = float(e0.max())
    print(f"[2] B(x; 0) = x: max error {e0.max():.3e} m over {pts.shape[1]} points")

    # 3. continuity across triangle borders: points near shared edges (random point on an interior
    # edge + random offset up to 20 mm), pairs 10 um apart; compare the jump |B(x1) - B(x2)| / |x1 - x2|
    # for pairs whose closest triangles differ, with the per-vertex blended frame (used) and the raw
    # per-triangle frame.
    E = torch.cat([m64.T[:, [0, 1]], m64.T[:, [1, 2]], m64.T[:, [2, 0]]]).sort(1).values
    uniq, cnt = torch.unique(E, dim=0, return_counts=True)
    inner_edges = uniq[cnt == 2]
    n = 3000
    out = {}
    for frame in ("vertex", "triangle"):
        rc_border, rc_medial, rs, nd = [], [], [], 0
        g = torch.Generator().manual_seed(1)
        for zi in range(Z.shape[0]):
            Vz = Vp[zi]
            e = inner_edges[torch.randint(0, len(inner_edges), (n,), generator=g)]
            t = torch.rand(n, 1, generator=g, dtype=torch.float64)
            on_edge = (1 - t) * Vz[e[:, 0]] + t * Vz[e[:, 1]]
            off = torch.randn(n, 3, generator=g, dtype=torch.float64)
            off = off / off.norm(dim=-1, keepdim=True) * 0.020 * torch.rand(n, 1, generator=g, dtype=torch.float64)
            x1 = on_edge + off
            dlt = torch.randn(n, 3, generator=g, dtype=torch.float64)
            x2 = x1 + 1e-5 * dlt / dlt.norm(dim=-1, keepdim=True)
            y1, a1 = m64.backward(x1[None], Z[zi:zi + 1], frame, return_aux=True)
            y2, a2 = m64.backward(x2[None], Z[zi:zi + 1], frame, return_aux=True)
            r = ((y1 - y2).norm(dim=-1) / 1e-5)[0]
            cross = a1["tri"][0] != a2["tri"][0]
            # closest point moves continuously (shared edge/vertex, or neighbouring faces): a triangle
            # border; closest point jumps (> 0.1 mm): the medial axis, where B is discontinuous by design
            cpj = (a1["cp"][0] - a2["cp"][0]).norm(dim=-1)
            rc_border.append(r[cross & (cpj < 1e-4)])
            rc_medial.append(r[cross & (cpj >= 1e-4)])
            rs.append(r[~cross])
            nd += int(cross.sum())
        rb, rm, rs = torch.cat(rc_border), torch.cat(rc_medial), torch.cat(rs)
        out[frame] = dict(pairs=int(n * Z.shape[0]), pairs_switching_triangle=nd,
                          border_pairs=int(len(rb)), border_jump_ratio_median=float(rb.median()),
                          border_jump_ratio_p99=float(rb.quantile(0.99)), border_jump_ratio_max=float(rb.max()),
                          border_pairs_with_jump_ratio_over_10=int((rb > 10).sum()),
                          medial_axis_pairs=int(len(rm)), medial_jump_ratio_max=float(rm.max()) if len(rm) else None,
                          same_triangle_jump_ratio_max=float(rs.max()))
        print(f"[3] continuity ({frame} frames): {nd} of {n * Z.shape[0]} pairs 10 um apart switch triangle; "
              f"{len(rb)} across a border (closest point moves < 0.1 mm): |dB|/|dx| median {rb.median():.3f}, "
              f"p99 {rb.quantile(0.99):.3f}, max {rb.max():.3f}, pairs > 10: {(rb > 10).sum()}; "
              f"{len(rm)} on the medial axis (max ratio {rm.max() if len(rm) else 0:.1f}); same triangle max {rs.max():.3f}")
    res["continuity"] = out

    # 4. numerical forward (fixed-point inversion of B) reproduces the posed mesh at the vertices.
    # It cannot where the posed mesh intersects itself (lips crossing: inner-lip gap 13-14 < 0), since
    # B is not invertible there.
    xp, resid = m64.forward_by_inversion(m64.C[None].expand(Z.shape[0], -1, -1).clone(), Z, iters=40)
    fe = (xp - Vp).norm(dim=-1)
    gap = (Vp[:, 13, 1] - Vp[:, 14, 1])
    per = [dict(code=i, lip_gap_mm=float(gap[i] * 1e3), max_err_mm=float(fe[i].max() * 1e3)) for i in range(Z.shape[0])]
    res["inversion_at_vertices"] = dict(per_code=per, median_err_m=float(fe.median()))
    for p_ in per:
        print(f"[4] code {p_['code']}: lip gap {p_['lip_gap_mm']:6.2f} mm; fixed-point inverse of B at the 468 canonical "
              f"vertices vs C + Bz: max error {p_['max_err_mm']:.4f} mm")

    # 5. pruned closest-triangle search == brute force (same closest distance)
    from backward import closest_point_barycentric
    m32 = ExpressionMesh()
    Zt = torch.tensor(z_tr[:8])
    Vp32 = m32.posed_vertices(Zt)
    x = torch.cat([lo + (hi - lo) * torch.rand(8, 256, 3), surf[:2048].float().reshape(8, 256, 3)], 1)

    def dist(tri):
        idx = m32.T[tri]
        gv = lambda k: torch.gather(Vp32, 1, idx[..., k, None].expand(-1, -1, 3))
        bc = closest_point_barycentric(x, gv(0), gv(1), gv(2))
        return (x - sum(bc[..., k:k + 1] * gv(k) for k in range(3))).norm(dim=-1)
    dd = (dist(m32.closest_triangle(x, Vp32)) - dist(m32.closest_triangle_brute(x, Vp32))).abs().max()
    res["pruned_vs_brute_max_distance_diff_m"] = float(dd)
    print(f"[5] pruned closest-triangle search vs brute force: max difference of the closest distance {dd:.2e} m ({x.shape[0] * x.shape[1]} points)")

    # 6. timing of the float32 brute force closest point (training batch shape)
    x = (torch.rand(8, 512, 3) - 0.5) * 0.2
    z = torch.tensor(z_tr[:8])
    t1 = time.time()
    for _ in range(3):
        m32.backward(x, z)
    res["backward_seconds_8x512_points"] = (time.time() - t1) / 3
    print(f"[6] B on 8 codes x 512 points (float32, {torch.get_num_threads()} threads): {res['backward_seconds_8x512_points']:.3f} s")
    res["wall_s"] = time.time() - t0
    if args.out:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        json.dump(res, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
