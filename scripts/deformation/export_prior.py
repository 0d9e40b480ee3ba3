"""Export a trained deformation prior (train_prior.py's work dir) to models/deformation/<id>/.

  /usr/bin/python3 scripts/deformation/export_prior.py --work /tmp/prior/run [--out models/deformation/mp468-prior-v1]

Writes F.onnx, F_pre.onnx, F_post.onnx, feature_field.bin, prior.json, training_record.json,
checkpoint.pt, and verification data for verify_onnx.mjs under <work>/verify/.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backward import ExpressionMesh, FALLOFF_FAR_M, FALLOFF_NEAR_M  # noqa: E402
from onnx_mlp import build  # noqa: E402
from prior_model import BOUNDS_MAX, BOUNDS_MIN, FeatureField, PriorMLP, sample_field_numpy  # noqa: E402
from tracks import load_codes  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def r3(s):
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in s.items()} if s else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/prior/run")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "deformation", "mp468-prior-v1"))
    ap.add_argument("--tracks", default="/tmp/prior")
    args = ap.parse_args()
    ck = torch.load(os.path.join(args.work, "checkpoint.pt"))
    a = ck["args"]
    rec = json.load(open(os.path.join(args.work, "training_record.json")))
    mesh = ExpressionMesh()
    field = FeatureField(a["feature_dim"], a["resolution"])
    field.load_state_dict(ck["field"])
    net = PriorMLP(a["feature_dim"], mesh.K, a["hidden"], a["layers"], a["act"])
    net.load_state_dict(ck["net"])
    field.eval()
    net.eval()
    os.makedirs(args.out, exist_ok=True)

    doc = ("NPGA deformation prior F (eq. 4) for expression model mp468-pca-v1: d_mu = F(mu, feat; z_exp), metres, "
           "canonical head frame; trained by cycle consistency with the model's backward deformation (scripts/deformation)")
    F, F_pre, F_post = build(net.export_weights(), a["act"], doc)
    for name, m in (("F", F), ("F_pre", F_pre), ("F_post", F_post)):
        onnx.save(m, os.path.join(args.out, f"{name}.onnx"))
    planes = field.planes.detach().numpy().astype("<f4")
    planes.tofile(os.path.join(args.out, "feature_field.bin"))
    shutil.copy(os.path.join(args.work, "training_record.json"), os.path.join(args.out, "training_record.json"))
    torch.save(ck, os.path.join(args.out, "checkpoint.pt"))

    # the numpy reference of the sampling rule == the torch field used in training
    g = torch.Generator().manual_seed(3)
    lo, hi = torch.tensor(BOUNDS_MIN), torch.tensor(BOUNDS_MAX)
    x = torch.cat([mesh.C.float(), lo - 0.02 + (hi - lo + 0.04) * torch.rand(4000, 3, generator=g)])  # incl. outside the box
    with torch.no_grad():
        ft = field(x).numpy()
    fn = sample_field_numpy(planes, BOUNDS_MIN, BOUNDS_MAX, x.numpy().astype(np.float64))
    rule_err = float(np.abs(ft - fn).max())
    print(f"feature field: numpy reference of the sampling rule vs torch grid_sample: max |diff| {rule_err:.2e}")

    # verification data for verify_onnx.mjs: inputs, features, torch outputs
    vdir = os.path.join(args.work, "verify")
    os.makedirs(vdir, exist_ok=True)
    _, z_te, _ = load_codes(args.tracks)
    zs = np.stack([z_te[np.argmin(z_te[:, 0])], z_te[np.argmax(z_te[:, 0])], z_te[len(z_te) // 2], np.zeros(15, np.float32)])
    with torch.no_grad():
        feat = field(x)
        outs = np.stack([net(x, feat, torch.tensor(z)[None]).numpy() for z in zs])
    for nm, arr in (("mu", x.numpy()), ("feat", feat.numpy()), ("z", zs), ("d_mu", outs)):
        np.ascontiguousarray(arr, dtype="<f4").tofile(os.path.join(vdir, f"{nm}.bin"))
    json.dump(dict(N=int(len(x)), codes=int(len(zs)), C=a["feature_dim"], K=15), open(os.path.join(vdir, "meta.json"), "w"))

    # forward error at the lips, held-out codes binned by the posed inner-lip gap (landmarks 13-14, y)
    z_te_t = torch.tensor(z_te)
    with torch.no_grad():
        featC = field(mesh.C)
        Vp = mesh.posed_vertices(z_te_t)
        fe = torch.stack([(mesh.C + net(mesh.C, featC, z[None]) - Vp[i]).norm(dim=-1) for i, z in enumerate(z_te_t)]).numpy() * 1e3
    gap = (Vp[:, 13, 1] - Vp[:, 14, 1]).numpy() * 1e3
    from sampling import LIPS
    by_gap = []
    for lo_, hi_ in ((-10, 0), (0, 3), (3, 6), (6, 10), (10, 15), (15, 20), (20, 26.5), (26.5, 40)):
        sel = (gap >= lo_) & (gap < hi_)
        if sel.any():
            e = fe[sel][:, LIPS]
            by_gap.append(dict(lip_gap_mm=[lo_, hi_], codes=int(sel.sum()), lips_mean=round(float(e.mean()), 3),
                               lips_p95=round(float(np.percentile(e, 95)), 3), lips_max=round(float(e.max()), 3),
                               all_vertices_mean=round(float(fe[sel].mean()), 3)))

    fin = rec["final"]["held_out"]
    tr = rec["final"]["train_codes"]
    prior = {
        "format": "npga-deformation-prior/1",
        "id": os.path.basename(os.path.normpath(args.out)),
        "expression_model": {"id": mesh.id, "K": mesh.K},
        "feature_dim": a["feature_dim"],
        "feature_field": {
            "file": "feature_field.bin",
            "layout": "[3,C,R,R] float32 LE; planes xy, xz, yz",
            "resolution": a["resolution"],
            "bounds_min": list(BOUNDS_MIN),
            "bounds_max": list(BOUNDS_MAX),
            "aggregation": "sum",
            "sampling": ("plane (a,b) in (x,y), (x,z), (y,z): u = (p_a - min_a)/(max_a - min_a)*R - 0.5, "
                         "v = (p_b - min_b)/(max_b - min_b)*R - 0.5; texel [c, j, i] sits at (u, v) = (i, j); bilinear, "
                         "indices clamped to [0, R-1] (border); feature = sum of the three planes' samples "
                         "(== torch grid_sample align_corners=False, padding_mode='border', grid x = first coordinate)"),
        },
        "networks": {"F": "F.onnx", "F_split": ["F_pre.onnx", "F_post.onnx"]},
        "network_shape": {"inputs": {"mu": "[N,3] metres, canonical head frame", "feat": f"[N,{a['feature_dim']}]", "z_exp": "[1,15]"},
                          "output": {"d_mu": "[N,3] metres"}, "hidden_layers": a["layers"], "hidden": a["hidden"],
                          "activation": a["act"], "parameters": rec["sizes"]["F_parameters"], "opset": 17,
                          "F_pre": "mu, feat -> h0 [N,H] = first layer's pre-activation without the z_exp term (bias included)",
                          "F_post": "h0 [N,H], z_exp [1,15] -> d_mu (adds z_exp @ W_z, activation, remaining layers)"},
        "backward_deformation": {"definition": "closest point on the posed face mesh (C + Bz, 864 triangles), barycentrics and "
                                               "offset re-applied on the canonical mesh C; offset rotated by the barycentric blend "
                                               "of per-vertex rotations (polar parts of the triangles' posed->canonical maps)",
                                 "script": "scripts/deformation/backward.py"},
        "falloff": {"variable": "d = |x_p - closest point on the posed face mesh|", "near_m": FALLOFF_NEAR_M, "far_m": FALLOFF_FAR_M,
                    "w": "1 for d <= near, 0 for d >= far, 1 - s^2 (3 - 2 s) with s = (d - near)/(far - near) in between",
                    "blend": "x_c = w(d) * x_c' + (1 - w(d)) * x_p (rigid = identity beyond far)"},
        "metrics": {
            "units": "mm",
            "held_out": f"{fin['codes']} codes (last 20% of each clip's frames) x 1024 fresh points each (seed 777)",
            "cycle_near_surface": r3(fin["cycle_surface"]),
            "cycle_openings": r3(fin["cycle_openings"]),
            "cycle_box": r3(fin["cycle_box"]),
            "cycle_all": r3(fin["cycle_all"]),
            "cycle_all_with_F0": r3(fin["cycle_all_F0"]),
            "cycle_near_surface_with_F0": r3(fin["cycle_surface_F0"]),
            "forward_vertices": r3(fin["forward_vertices"]),
            "forward_lips": r3(fin["forward_lips"]),
            "forward_inner_lips": r3(fin["forward_inner_lips"]),
            "forward_vertices_codes_without_crossing_lips": r3(fin["forward_vertices_lips_not_crossing"]),
            "forward_lips_codes_without_crossing_lips": r3(fin["forward_lips_lips_not_crossing"]),
            "forward_lips_codes_with_crossing_lips": r3(fin["forward_lips_lips_crossing"]),
            "held_out_codes_with_crossing_lips": fin["codes_with_crossing_lips"],
            "vertex_displacement_C_plus_Bz_minus_C": r3(fin["forward_vertices_displacement_F0"]),
            "forward_lips_by_lip_gap": by_gap,
            "note_lip_gap": "canonical inner-lip gap 6.3 mm; training codes span -2.8..26.5 mm; gaps < 0 = lips crossing in C + Bz",
            "train_codes_cycle_all": r3(tr["cycle_all"]),
            "train_codes_forward_vertices": r3(tr["forward_vertices"]),
        },
        "created_by": "scripts/deformation/train_prior.py + export_prior.py",
    }
    json.dump(prior, open(os.path.join(args.out, "prior.json"), "w"), indent=1)
    print(f"wrote {args.out}: " + ", ".join(f"{f} {os.path.getsize(os.path.join(args.out, f))} B" for f in sorted(os.listdir(args.out))))
    print(f"verification data: {vdir}")


if __name__ == "__main__":
    main()
