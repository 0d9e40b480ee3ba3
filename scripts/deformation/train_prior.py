"""Train NPGA's deformation prior F (section 4.2, eqs. 4, 8, 9) for the expression model mp468-pca-v1.

F(x_c, f(x_c); z_exp) -> d_mu, trained as the inverse of the expression model's backward deformation B
(backward.py) with the cycle-consistency loss ||B(x_c + F(x_c, f(x_c); z); z) - x_c||^2, where f is a
triplane feature field (3 planes 64x64, C = 8, summed) trained jointly and total-variation regularised.
Expression codes: z_exp from real tracks of the five driving clips (`npga track`), last 20% of each
clip's frames held out. Deterministic (seeded generators, fixed thread count).

  /usr/bin/python3 scripts/deformation/train_prior.py --tracks /tmp/prior --work /tmp/prior/run
  then: /usr/bin/python3 scripts/deformation/export_prior.py --work /tmp/prior/run
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backward import ExpressionMesh, FALLOFF_FAR_M, FALLOFF_NEAR_M  # noqa: E402
from prior_model import FeatureField, PriorMLP  # noqa: E402
from sampling import CATEGORIES, LIPS, INNER_LIPS, PointSampler  # noqa: E402
from tracks import CLIPS, HOLDOUT_FRACTION, load_codes  # noqa: E402


def stats_mm(e):
    e = e.flatten().double() * 1e3
    return dict(mean=float(e.mean()), median=float(e.median()), p95=float(torch.quantile(e, 0.95)) if len(e) < 16_000_000 else None,
                max=float(e.max()), n=int(len(e)))


def code_batch(z_tr, M, g, p_mix=0.25, p_gauss=0.15, p_zero=0.05):
    """M codes: real training codes; with p_mix a blend of two of them (alpha ~ U(0,1)) scaled by
    U(0.6, 1.3); with p_gauss a code z ~ N(0, I) * U(0.5, 1.5) (the expression model's own prior: its
    PCA codes are uncorrelated with unit variance over its training tracks); with p_zero the zero code
    (F must vanish there: B is the identity)."""
    i = torch.randint(0, len(z_tr), (M,), generator=g)
    j = torch.randint(0, len(z_tr), (M,), generator=g)
    a = torch.rand(M, 1, generator=g)
    s = 0.6 + 0.7 * torch.rand(M, 1, generator=g)
    mix = (z_tr[i] * (1 - a) + z_tr[j] * a) * s
    gauss = torch.randn(M, z_tr.shape[1], generator=g) * (0.5 + torch.rand(M, 1, generator=g))
    u = torch.rand(M, 1, generator=g)
    z = z_tr[i]
    z = torch.where(u < p_mix, mix, z)
    z = torch.where((u >= p_mix) & (u < p_mix + p_gauss), gauss, z)
    return torch.where(u > 1 - p_zero, torch.zeros_like(z), z)


def cycle_error(mesh, field, net, x, z):
    """x [M,P,3] canonical points, z [M,K] -> |B(x + F(x); z) - x| [M,P] (metres) and d_mu."""
    M, P, _ = x.shape
    feat = field(x.reshape(-1, 3))
    zz = z[:, None, :].expand(M, P, -1).reshape(-1, z.shape[-1])
    d = net(x.reshape(-1, 3), feat, zz).reshape(M, P, 3)
    xc = mesh.backward(x + d, z)
    return (xc - x).norm(dim=-1), d


@torch.no_grad()
def evaluate(mesh, field, net, sampler, Z, pts_per_code=1024, seed=777, chunk=16):
    """Cycle error on fresh points (own seed) per code, by category; forward error at the 468 vertices."""
    g = torch.Generator().manual_seed(seed)
    errs, errs0, cats = [], [], []
    for s in range(0, len(Z), chunk):
        z = Z[s:s + chunk]
        xs, cs = zip(*[sampler.sample(pts_per_code, g) for _ in range(len(z))])
        x = torch.stack(xs)
        e, _ = cycle_error(mesh, field, net, x, z)
        e0 = (mesh.backward(x, z) - x).norm(dim=-1)  # F = 0 baseline
        errs.append(e)
        errs0.append(e0)
        cats.append(torch.stack(cs))
    e, e0, c = torch.cat(errs), torch.cat(errs0), torch.cat(cats)
    out = dict(cycle_all=stats_mm(e), cycle_all_F0=stats_mm(e0))
    for i, name in enumerate(CATEGORIES):
        out[f"cycle_{name}"] = stats_mm(e[c == i])
        out[f"cycle_{name}_F0"] = stats_mm(e0[c == i])
    # forward error at the mesh vertices: |C + F(C) - (C + Bz)|
    C = mesh.C.float()
    featC = field(C)
    fe = []
    for z in Z:
        d = net(C, featC, z[None])
        fe.append((C + d - mesh.posed_vertices(z[None])[0]).norm(dim=-1))
    fe = torch.stack(fe)  # [n_codes, 468]
    Vp = mesh.posed_vertices(Z)
    disp = (Vp - C).norm(dim=-1)
    gap = Vp[:, 13, 1] - Vp[:, 14, 1]
    ok = gap > 0
    out["forward_vertices"] = stats_mm(fe)
    out["forward_vertices_displacement_F0"] = stats_mm(disp)
    out["forward_lips"] = stats_mm(fe[:, LIPS])
    out["forward_inner_lips"] = stats_mm(fe[:, INNER_LIPS])
    out["forward_lips_displacement_F0"] = stats_mm(disp[:, LIPS])
    out["forward_vertices_lips_not_crossing"] = stats_mm(fe[ok]) if ok.any() else None
    out["forward_lips_lips_not_crossing"] = stats_mm(fe[ok][:, LIPS]) if ok.any() else None
    out["forward_lips_lips_crossing"] = stats_mm(fe[~ok][:, LIPS]) if (~ok).any() else None
    out["codes"] = int(len(Z))
    out["codes_with_crossing_lips"] = int((~ok).sum())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", default="/tmp/prior")
    ap.add_argument("--work", default="/tmp/prior/run")
    ap.add_argument("--steps", type=int, default=7000)
    ap.add_argument("--codes-per-step", type=int, default=8)
    ap.add_argument("--points-per-code", type=int, default=512)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=3, help="hidden layers (the first one takes mu, feat, z)")
    ap.add_argument("--act", default="silu", choices=["silu", "relu"])
    ap.add_argument("--feature-dim", type=int, default=8)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-field", type=float, default=1e-2)
    ap.add_argument("--tv", type=float, default=1.0, help="weight of the triplanes' total variation (loss in mm^2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=500)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()

    mesh = ExpressionMesh()
    sampler = PointSampler(mesh)
    z_tr_np, z_te_np, prov = load_codes(args.tracks)
    z_tr, z_te = torch.tensor(z_tr_np), torch.tensor(z_te_np)
    split = ", ".join("%s %d+%d" % (p["clip"], p["train"], p["held_out"]) for p in prov)
    print(f"codes: train {len(z_tr)}, held out {len(z_te)} ({split})", flush=True)

    g_init = torch.Generator().manual_seed(args.seed)
    field = FeatureField(args.feature_dim, args.resolution, generator=g_init)
    torch.manual_seed(args.seed)
    net = PriorMLP(args.feature_dim, mesh.K, args.hidden, args.layers, args.act)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"F: {args.layers} hidden layers of {args.hidden} ({args.act}), {n_params} parameters; "
          f"field 3x{args.feature_dim}x{args.resolution}^2 = {field.planes.numel()} floats", flush=True)
    opt = torch.optim.Adam([dict(params=net.parameters(), lr=args.lr), dict(params=field.parameters(), lr=args.lr_field)])
    base_lrs = [args.lr, args.lr_field]
    g = torch.Generator().manual_seed(args.seed + 1)
    M, P = args.codes_per_step, args.points_per_code
    curve, evals = [], []
    acc, acc_n, t_log = 0.0, 0, time.time()
    z_eval = z_te[torch.randperm(len(z_te), generator=torch.Generator().manual_seed(5))[:64]]
    for step in range(1, args.steps + 1):
        warm = min(1.0, step / 100)
        cos = 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for pg, lr in zip(opt.param_groups, base_lrs):
            pg["lr"] = lr * warm * (0.02 + 0.98 * cos)
        z = code_batch(z_tr, M, g)
        x = torch.stack([sampler.sample(P, g)[0] for _ in range(M)])
        e, _ = cycle_error(mesh, field, net, x, z)
        cyc = (e * 1e3).pow(2).mean()  # mm^2
        tv = field.tv()
        loss = cyc + args.tv * tv
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        acc += float(cyc)
        acc_n += 1
        if step % args.log_every == 0:
            rec = dict(step=step, cycle_mse_mm2=acc / acc_n, tv=float(tv), lr=opt.param_groups[0]["lr"], elapsed_s=time.time() - t_start)
            curve.append(rec)
            print(f"step {step:5d}  cycle mse {rec['cycle_mse_mm2']:.4f} mm^2 (rms {math.sqrt(rec['cycle_mse_mm2']):.3f} mm)  "
                  f"tv {rec['tv']:.2e}  lr {rec['lr']:.2e}  {(time.time() - t_log) / args.log_every * 1e3:.0f} ms/step", flush=True)
            acc, acc_n, t_log = 0.0, 0, time.time()
        if step % args.eval_every == 0 or step == args.steps:
            ev = evaluate(mesh, field, net, sampler, z_eval, pts_per_code=512)
            evals.append(dict(step=step, cycle_all_mean_mm=ev["cycle_all"]["mean"], cycle_surface_mean_mm=ev["cycle_surface"]["mean"],
                              forward_vertices_mean_mm=ev["forward_vertices"]["mean"], forward_lips_mean_mm=ev["forward_lips"]["mean"]))
            print(f"  eval (64 held-out codes): cycle all {ev['cycle_all']['mean']:.3f} mm, surface {ev['cycle_surface']['mean']:.3f} mm; "
                  f"forward at vertices {ev['forward_vertices']['mean']:.3f} mm, lips {ev['forward_lips']['mean']:.3f} mm", flush=True)
            # partial checkpoint (lets a long run on a busy machine be exported before it ends)
            torch.save(dict(field=field.state_dict(), net=net.state_dict(), args=vars(args), step=step),
                       os.path.join(args.work, "checkpoint_partial.pt"))
    train_s = time.time() - t_start
    torch.save(dict(field=field.state_dict(), net=net.state_dict(), args=vars(args)), os.path.join(args.work, "checkpoint.pt"))
    print(f"training done in {train_s:.0f} s; final evaluation ...", flush=True)

    t0 = time.time()
    final = dict(held_out=evaluate(mesh, field, net, sampler, z_te, pts_per_code=1024, seed=777),
                 train_codes=evaluate(mesh, field, net, sampler, z_tr[::4], pts_per_code=512, seed=778))
    eval_s = time.time() - t0
    record = dict(
        format="npga-deformation-prior-training/1", args=vars(args), seed=args.seed, torch=torch.__version__, threads=args.threads,
        data=dict(clips=prov, split=f"per clip by time: first {1 - HOLDOUT_FRACTION:.0%} of the frames train, last {HOLDOUT_FRACTION:.0%} held out",
                  train_codes=int(len(z_tr)), held_out_codes=int(len(z_te)),
                  code_augmentation="per step 8 codes, each: 55% a real training code; 25% a blend of two (alpha ~ U(0,1)) scaled by U(0.6,1.3); 15% z ~ N(0,I)*U(0.5,1.5); 5% zero",
                  points=dict(mix=dict(zip(CATEGORIES, sampler.mix)), normal_sigma_m=sampler.sigma,
                              per_step=M * P, eval_points_per_held_out_code=1024, eval_seed=777)),
        backward=dict(falloff_near_m=FALLOFF_NEAR_M, falloff_far_m=FALLOFF_FAR_M),
        sizes=dict(F_parameters=n_params, hidden=args.hidden, hidden_layers=args.layers, activation=args.act,
                   feature_dim=args.feature_dim, resolution=args.resolution, field_floats=int(field.planes.numel())),
        wall_time_s=dict(training=train_s, final_evaluation=eval_s),
        loss_curve=curve, evals=evals, final=final)
    json.dump(record, open(os.path.join(args.work, "training_record.json"), "w"), indent=1)
    h = final["held_out"]
    print("held-out cycle error (mm): all {mean:.3f} / {median:.3f} / p95 {p95:.3f}".format(**h["cycle_all"]))
    for c in CATEGORIES:
        print(f"  {c:9s} mean {h['cycle_' + c]['mean']:.3f}  median {h['cycle_' + c]['median']:.3f}  p95 {h['cycle_' + c]['p95']:.3f}"
              f"   (F = 0: mean {h['cycle_' + c + '_F0']['mean']:.3f}, p95 {h['cycle_' + c + '_F0']['p95']:.3f})")
    for k in ("forward_vertices", "forward_lips", "forward_inner_lips", "forward_vertices_lips_not_crossing", "forward_lips_lips_not_crossing", "forward_lips_lips_crossing", "forward_vertices_displacement_F0", "forward_lips_displacement_F0"):
        if h.get(k):
            print(f"  {k:36s} mean {h[k]['mean']:.3f}  median {h[k]['median']:.3f}  p95 {h[k]['p95']:.3f}  max {h[k]['max']:.3f}")
    print(f"held-out codes {h['codes']}, with crossing lips {h['codes_with_crossing_lips']}")


if __name__ == "__main__":
    main()
