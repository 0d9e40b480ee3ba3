#!/usr/bin/python3
"""The fused training kernels (scripts/training/kernels) against their references, as gsplat tests its CUDA kernels
against _torch_impl: the dense PyTorch rasteriser (rasterizer.py), torch's own layers, losses.photometric.

    /usr/bin/python3 scripts/training/check_kernels.py [--device cpu|cuda] [--quick]

Splatting: random scenes of 1k to 20k Gaussians in float64, with the edge cases planted in every scene: Gaussians
behind the camera and off-screen, huge (3 cm, tens of pixels) and sub-pixel ones, stacks of opaque ones that saturate pixels
(transmittance stop at 1e-4) and hit the 0.99 alpha clamp, and image regions no Gaussian reaches (empty tiles). The
fused forward (image with latent channels and background, final transmittance) must match the reference within
1e-5 (max |diff|); the gradient of a random weighting of both outputs with respect to every input (means,
quaternions, log-scales, opacity logits, SH, latents) within 1e-4 relative error (max |diff| / max |reference|).
MLP (F, G's layout, float32, the fused kernel only runs float32), photometric loss and Laplacian (float64) likewise;
Adam against torch.optim.Adam (float32 within 1e-5 relative, float64 through torch's own step).
Prints one JSON line {checks: [...], ok}; exit 1 when a check fails.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import losses  # noqa: E402
import rasterizer as dense  # noqa: E402
from camera import Camera  # noqa: E402
import kernels  # noqa: E402
from kernels import adam as kadam  # noqa: E402
from kernels import loss as kloss  # noqa: E402
from kernels import mlp as kmlp  # noqa: E402
from kernels import splat  # noqa: E402

FWD_TOL, GRAD_TOL = 1e-5, 1e-4


def scene(n, seed, dt, deg, L, width, height):
    """n Gaussians in front of a camera looking down +z at the origin from 0.5 m, with the edge cases planted.
    Returns (params list [mu, q, s, o, sh, lat], camera, counts of the planted cases)."""
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.rand(*s, generator=g, dtype=dt)
    mu = (r(n, 3) - 0.5) * torch.tensor([0.16, 0.12, 0.1], dtype=dt)
    mu[:, 0] -= 0.06  # the right part of the image stays empty (empty tiles)
    q = torch.randn(n, 4, generator=g, dtype=dt)
    s = torch.log(0.0005 + 0.006 * r(n, 3))
    o = torch.randn(n, 1, generator=g, dtype=dt)
    sh = 0.3 * torch.randn(n, (deg + 1) ** 2, 3, generator=g, dtype=dt)
    lat = torch.randn(n, L, generator=g, dtype=dt)
    k = max(4, n // 50)
    idx = torch.randperm(n, generator=g)[:6 * k].reshape(6, k)
    mu[idx[0], 2] = -0.7 - r(k)                   # behind the camera (z_cam < 0)
    mu[idx[1], 0] = 0.6 + r(k)                    # off-screen (right of the frustum)
    s[idx[2]] = math.log(0.03)                    # huge (radius ~ the image's height)
    s[idx[3]] = math.log(2e-5)                    # sub-pixel
    mu[idx[4]] = torch.tensor([-0.03, 0.01, 0.0], dtype=dt) + 0.002 * (r(k, 3) - 0.5)  # an opaque stack: saturates
    o[idx[4]] = 10.0                              # o = 0.99995: alpha clamped at 0.99 within 0.14 sigma of a centre
    s[idx[4]] = math.log(0.02)
    o[idx[5]] = -7.0                              # below 1/255: culled
    cam = Camera(width, height, 1.2 * width, 1.2 * width, width / 2.0, height / 2.0, np.eye(3), np.array([0.0, 0.0, 0.5]))
    return [mu, q, s, o, sh, lat], cam, dict(behind=k, offscreen=k, huge=k, subpixel=k, opaque_stack=k, culled=k)


def check_splat(n, seed, device, deg=3, L=3, width=160, height=80):
    dt = torch.float64
    p, cam, planted = scene(n, seed, dt, deg, L, width, height)
    p = [x.to(device).requires_grad_(True) for x in p]
    bg = (0.2, 0.3, 0.4)
    g = torch.Generator().manual_seed(seed + 1)
    w_img = torch.randn(3 + L, height, width, generator=g, dtype=dt).to(device)
    w_t = torch.randn(height, width, generator=g, dtype=dt).to(device)
    res = {}
    for name, mod in (("dense", dense), ("fused", splat)):
        t0 = time.perf_counter()
        img, pr = mod.render(p[0], p[1], p[2], p[3], p[4], cam, bg, p[5])
        loss = (img * w_img).sum() + (pr["transmittance"] * w_t).sum()
        grads = [gr if gr is not None else torch.zeros_like(x) for gr, x in zip(torch.autograd.grad(loss, p, allow_unused=True), p)]
        res[name] = (img.detach(), pr["transmittance"].detach(), grads, pr, time.perf_counter() - t0)
    d, f = res["dense"], res["fused"]
    fwd = max(float((d[0] - f[0]).abs().max()), float((d[1] - f[1]).abs().max()))
    rel = {}
    for nm, gd, gf in zip(["means", "quats", "log_scales", "opacity_logits", "sh", "latents"], d[2], f[2]):
        if gd.numel() == 0:
            continue
        rel[nm] = float((gd - gf).abs().max() / gd.abs().max().clamp_min(1e-30))
    tfin = d[1]
    with torch.no_grad():  # pixels where some Gaussian's alpha hits the 0.99 clamp
        pr = d[3]
        ys, xs = torch.meshgrid(torch.arange(height, dtype=dt), torch.arange(width, dtype=dt), indexing="ij")
        v = torch.nonzero(pr["valid"] & (pr["opacity"] > 0.99)).reshape(-1)
        dx = pr["uv"][v, 0, None, None] - (xs + 0.5)
        dy = pr["uv"][v, 1, None, None] - (ys + 0.5)
        c = pr["conic"][v]
        power = -0.5 * (c[:, 0, None, None] * dx * dx + c[:, 2, None, None] * dy * dy) - c[:, 1, None, None] * dx * dy
        clamped = int(((pr["opacity"][v, None, None] * torch.exp(power)) > 0.99).any(0).sum())
    stats = dict(valid=int(d[3]["valid"].sum()), saturated_pixels=int((tfin < 1e-3).sum()),
                 empty_pixels=int((tfin == 1).sum()), alpha_clamped_pixels=clamped)
    ok = (fwd <= FWD_TOL and max(rel.values()) <= GRAD_TOL and stats["saturated_pixels"] > 0 and stats["empty_pixels"] > 0
          and clamped > 0)
    return dict(check="splat", n=n, seed=seed, size=[width, height], sh_degree=deg, latents=L, forward_max_abs_diff=fwd,
                grad_rel_err=rel, planted=planted, scene=stats, ms=dict(dense=1e3 * d[4], fused=1e3 * f[4]), ok=ok)


def check_mlp(n, seed, din=11, hidden=64, layers=3, dout=63):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, din, generator=g, requires_grad=True)
    widths = [din] + [hidden] * layers + [dout]
    lay = [((torch.randn(o, i, generator=g) / math.sqrt(i)).requires_grad_(True), (0.1 * torch.randn(o, generator=g)).requires_grad_(True))
           for i, o in zip(widths[:-1], widths[1:])]
    params = [x] + [t for l in lay for t in l]
    gy = torch.randn(n, dout, generator=g)
    y_f = kmlp.mlp(x, lay)
    g_f = torch.autograd.grad((y_f * gy).sum(), params)
    y_r = kmlp.mlp(x.double(), [(W.double(), b.double()) for W, b in lay], fused=False)
    g_r = torch.autograd.grad((y_r * gy.double()).sum(), params)
    fwd = float((y_f.double() - y_r).abs().max() / y_r.abs().max())
    rel = max(float((a.double() - b).abs().max() / b.abs().max().clamp_min(1e-30)) for a, b in zip(g_f, g_r))
    return dict(check="mlp", n=n, widths=widths, forward_rel_err=fwd, grad_rel_err=rel, ok=fwd <= GRAD_TOL and rel <= GRAD_TOL)


def check_loss(seed, height=75, width=101):
    g = torch.Generator().manual_seed(seed)
    pred = torch.rand(3, height, width, generator=g, dtype=torch.float64, requires_grad=True)
    gt = (pred.detach() + 0.2 * torch.randn(3, height, width, generator=g, dtype=torch.float64)).clamp(0, 1)
    lf = kloss.photometric(pred, gt, 0.2)
    gf = torch.autograd.grad(lf, pred)[0]
    lr = losses.photometric(pred, gt, 0.2)
    gr = torch.autograd.grad(lr, pred)[0]
    d = abs(float(lf) - float(lr))
    rel = float((gf - gr).abs().max() / gr.abs().max())
    return dict(check="photometric", size=[width, height], loss_abs_diff=d, grad_rel_err=rel, ok=d <= FWD_TOL and rel <= GRAD_TOL)


def check_laplacian(seed, n=4000, C=8, k=8):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    nbr = losses.knn_graph(x, k)
    v = torch.randn(n, C, generator=g, dtype=torch.float64, requires_grad=True)
    lf = kloss.laplacian(v, nbr)
    gf = torch.autograd.grad(lf, v)[0]
    lr = losses.laplacian(v, nbr)
    gr = torch.autograd.grad(lr, v)[0]
    d = abs(float(lf) - float(lr))
    rel = float((gf - gr).abs().max() / gr.abs().max())
    return dict(check="laplacian", n=n, channels=C, k=k, loss_abs_diff=d, grad_rel_err=rel, ok=d <= FWD_TOL and rel <= GRAD_TOL)


def check_adam(seed, steps=30):
    """kernels.adam.Adam against torch.optim.Adam on the trainer's group layout (a 50k x 48 SH-like tensor, an MLP
    weight, two learning rates and eps values, gradients over five decades): parameters and both moments after
    `steps` steps, as max |diff| / max |reference| (float32: the two differ in rounding only), and a float64
    parameter that must take torch's own step (bit-identical)."""
    g = torch.Generator().manual_seed(seed)
    shapes = [((50000, 48), torch.float32), ((64, 11), torch.float32), ((7,), torch.float64)]
    init = [torch.randn(*s, generator=g, dtype=dt) for s, dt in shapes]
    ref = [p.clone().requires_grad_(True) for p in init]
    mine = [p.clone().requires_grad_(True) for p in init]
    groups = lambda ps: [dict(params=ps[:1], lr=2.5e-3, eps=1e-15), dict(params=ps[1:], lr=5e-2, eps=1e-8)]
    o_ref, o_mine = torch.optim.Adam(groups(ref), eps=1e-15), kadam.Adam(groups(mine), eps=1e-15)
    for it in range(steps):
        for r, m in zip(ref, mine):
            gr = torch.randn(r.shape, generator=g, dtype=r.dtype) * 10.0 ** (it % 5 - 2)
            r.grad, m.grad = gr.clone(), gr.clone()
        o_ref.step()
        o_mine.step()
    rel = lambda a, b: float((a - b).abs().max() / b.abs().max())
    errs = {}
    for k, (r, m) in enumerate(zip(ref, mine)):
        errs[f"param{k}"] = rel(m.detach(), r.detach())
        errs[f"exp_avg{k}"] = rel(o_mine.state[m]["exp_avg"], o_ref.state[r]["exp_avg"])
        errs[f"exp_avg_sq{k}"] = rel(o_mine.state[m]["exp_avg_sq"], o_ref.state[r]["exp_avg_sq"])
    # the trainer's all-finite check of the gradients (one pass) against torch.isfinite
    ext = kernels.build("cpu")
    grads = [torch.randn(200000, generator=g), torch.randn(64, 11, generator=g), torch.randn(7, dtype=torch.float64, generator=g)]
    finite = [ext.all_finite(grads)]
    for k, bad in [(0, math.inf), (0, -math.inf), (1, math.nan), (2, math.nan)]:
        gb = [x.clone() for x in grads]
        gb[k].view(-1)[int(torch.randint(gb[k].numel(), (1,), generator=g))] = bad
        finite.append(ext.all_finite(gb))
    finite_ok = finite == [True, False, False, False, False]
    ok = (max(errs.values()) <= 1e-5 and errs["param2"] == 0.0 and float(o_mine.state[mine[0]]["step"]) == steps
          and finite_ok)
    return dict(check="adam", steps=steps, rel_err=errs, all_finite=finite, ok=ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--quick", action="store_true", help="one small scene per check")
    a = ap.parse_args()
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    sizes = [(1000, 1)] if a.quick else [(1000, 1), (5000, 2), (20000, 3)]
    checks = [check_splat(n, s, a.device) for n, s in sizes]
    checks.append(check_splat(3000, 4, a.device, deg=0, L=0, width=130, height=70))  # no latents, SH degree 0
    if a.device == "cpu":
        checks += [check_mlp(3000, 5), check_mlp(2000, 6, hidden=32, dout=3), check_loss(7), check_laplacian(8), check_adam(9)]
    ok = all(c["ok"] for c in checks)
    print(json.dumps(dict(checks=checks, ok=ok)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
