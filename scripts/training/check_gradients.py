#!/usr/bin/python3
"""Finite-difference check of the rasteriser's gradients (float64, small scene).

    /usr/bin/python3 scripts/training/check_gradients.py [--n 12] [--size 32] [--seed 0]

A random scene of n Gaussians in front of an orbit-like camera; the scalar L = sum(w * image) with a fixed random
weight image w [3+L,H,W] (colour and latent channels). For a few parameters (a mean's x/z, a log-scale, an opacity
logit, an SH coefficient of degree 0 and 1, a quaternion component, a latent), the autograd derivative is compared
with the central difference (L(p + h) - L(p - h)) / 2h, h = 1e-6. The footprint, sorting and the alpha cut-offs are
piecewise constant, so the scene is checked to change none of them within +-h (else another seed is tried).
Prints one JSON line {checks: [{param, autograd, finite_diff, rel_err}], max_rel_err}; exit 1 when max_rel_err > 1e-4.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from camera import Camera  # noqa: E402
from rasterizer import project, render  # noqa: E402


def scene(n, seed):
    g = torch.Generator().manual_seed(seed)
    d = torch.float64
    mu = (torch.rand(n, 3, generator=g, dtype=d) - 0.5) * torch.tensor([0.12, 0.12, 0.08], dtype=d)
    q = torch.randn(n, 4, generator=g, dtype=d)
    s = torch.log(0.004 + 0.008 * torch.rand(n, 3, generator=g, dtype=d))
    o = torch.randn(n, 1, generator=g, dtype=d)
    sh = 0.3 * torch.randn(n, 4, 3, generator=g, dtype=d)
    lat = torch.randn(n, 2, generator=g, dtype=d)
    return dict(mu=mu, q=q, s=s, o=o, sh=sh, lat=lat)


def loss_fn(p, cam, w):
    img, _ = render(p["mu"], p["q"], p["s"], p["o"], p["sh"], cam, (0.2, 0.3, 0.4), p["lat"])
    return (img * w).sum()


def discrete_state(p, cam):
    """Everything that must not change within +-h: validity, footprints, depth order, and which (pixel, Gaussian)
    pairs pass the alpha cut-offs (approximated by alpha >= 1/255 at pixel centres, via a dense recomputation)."""
    with torch.no_grad():
        pr = project(p["mu"], p["q"], p["s"], p["o"], p["sh"], cam)
        ys, xs = torch.meshgrid(torch.arange(cam.height, dtype=torch.float64), torch.arange(cam.width, dtype=torch.float64), indexing="ij")
        dx = pr["uv"][:, 0, None, None] - (xs + 0.5)
        dy = pr["uv"][:, 1, None, None] - (ys + 0.5)
        c = pr["conic"]
        power = -0.5 * (c[:, 0, None, None] * dx * dx + c[:, 2, None, None] * dy * dy) - c[:, 1, None, None] * dx * dy
        alpha = pr["opacity"][:, None, None] * torch.exp(power)
        return (pr["valid"].tolist(), pr["rect"].tolist(), torch.argsort(pr["depth"]).tolist(),
                (alpha >= 1 / 255).flatten().tolist(), (alpha >= 0.99).flatten().tolist())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cam = Camera(a.size, a.size, a.size * 1.2, a.size * 1.2, a.size / 2, a.size / 2,
                 np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]]), np.array([0.0, 0.0, 0.5]))
    h = 1e-6
    probes = [("mu", (0, 0)), ("mu", (1, 2)), ("s", (2, 1)), ("o", (3, 0)), ("sh", (4, 0, 1)), ("sh", (5, 2, 0)), ("q", (6, 1)), ("lat", (7, 1))]
    for seed in range(a.seed, a.seed + 20):
        p = scene(a.n, seed)
        ok = True
        for name, ix in probes:
            for sgn in (1, -1):
                q = {k: v.clone() for k, v in p.items()}
                q[name][ix] += sgn * h
                if discrete_state(q, cam) != discrete_state(p, cam):
                    ok = False
        if ok:
            break
    else:
        raise SystemExit("no scene without a discrete change within +-h in 20 seeds")
    w = torch.randn(3 + 2, a.size, a.size, generator=torch.Generator().manual_seed(99), dtype=torch.float64)
    leaf = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    loss_fn(leaf, cam, w).backward()
    checks = []
    for name, ix in probes:
        vals = []
        for sgn in (1, -1):
            q = {k: v.clone() for k, v in p.items()}
            q[name][ix] += sgn * h
            with torch.no_grad():
                vals.append(float(loss_fn(q, cam, w)))
        fd = (vals[0] - vals[1]) / (2 * h)
        ad = float(leaf[name].grad[ix])
        rel = abs(ad - fd) / max(1e-8, abs(fd), abs(ad))
        checks.append(dict(param=f"{name}{list(ix)}", autograd=ad, finite_diff=fd, rel_err=rel))
    worst = max(c["rel_err"] for c in checks)
    nonzero = sum(1 for c in checks if abs(c["autograd"]) > 1e-6)
    print(json.dumps(dict(seed=seed, checks=checks, max_rel_err=worst, nonzero_gradients=nonzero)))
    return 0 if worst <= 1e-4 and nonzero == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
