#!/usr/bin/python3
"""Train an NPGA avatar from one monocular video and export it as npga-avatar/1 (issue 7).

    scripts/train_avatar --video VIDEO --out DIR [--device cuda|cpu] [--size 512] [--steps 60000] [--gaussians 30000]
        [--no-features] [--no-laplacian] [--no-cnn] [--density-control npga|vanilla] [--resume] ...

Pipeline: data.prepare (frames, tracked + PnP-refined head poses, z_exp, selfie-segmentation masks, time split) ->
initialisation (Gaussians on the expression model's canonical face surface and a head/neck shell, colours from the first
training frame, features f from the prior's triplane field) -> optimisation (NPGA section 4.4):
  L = sum over {raw render, CNN output} of (1-l) L1 + l (1 - SSIM)                         eq. 10
    + l_lap (Lap(f) + Lap(d_mu_G))  on the kNN graph of canonical centres (rebuilt after densification)   eq. 11
    + l_off ||G offsets||^2 + l_feat ||f||^2                                                  eq. 12
    + l_scale relu(max scale - s_max)^2
  F is initialised from the distilled prior (models/deformation/mp468-prior-v1) and frozen for --f-freeze steps, then
  trained with a 100x smaller learning rate; adaptive density control with the generalised mean (e = 2) of view-space
  gradients and soft opacity decay (eq. 13, density.py) -> export (export.py) -> metrics on the held-out frames
  (self-reenactment PSNR / SSIM inside the head mask; LPIPS is not computed: its network weights cannot be downloaded
  here) -> runtime parity: the C# runtime (`npga render`) renders the package for held-out frames and is compared with
  the PyTorch forward (PSNR, 8-bit).
Progress: one line every --log-every steps; checkpoints <out>/work/checkpoint.pt every --ckpt-every steps (--resume).
"""
import argparse
import ctypes
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time

# Idle OpenMP threads sleep instead of spinning: with another busy process on a 2-core machine, spinning threads at
# the kernels' barriers made a step 5x slower (2120 ms against 430 ms measured here); uncontended it costs nothing
# measurable. Must be set before torch (libgomp) loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as Fn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data as datamod  # noqa: E402
from bridge import csharp_render, psnr_u8, to_u8  # noqa: E402
from camera import Camera, central_view  # noqa: E402
from density import DensityControl  # noqa: E402
from eyes import EyeRig  # noqa: E402
from lids import CAP_SAMPLES, LidRig, tags as lid_tags  # noqa: E402
from export import export_package, finite_json  # noqa: E402
from losses import (feature_norm, knn_graph, laplacian, masked_psnr, masked_ssim, offset_penalty, photometric,  # noqa: E402
                    scale_penalty)
from model import DEFAULT_PRIOR, GAUSSIAN_KEYS, AvatarModel  # noqa: E402
from package import ROOT  # noqa: E402
import rasterizer as dense  # noqa: E402
import kernels  # noqa: E402
from kernels import splat  # noqa: E402
from kernels.adam import Adam as FusedAdam  # noqa: E402
from kernels.loss import laplacian as fused_laplacian  # noqa: E402
from kernels.loss import photometric as fused_photometric  # noqa: E402
from model import run_F  # noqa: E402
import posefit  # noqa: E402
from rasterizer import SH_C0  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts", "deformation"))
from backward import ExpressionMesh  # noqa: E402


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Train an NPGA avatar from a monocular video (npga-avatar/1 out)")
    ap.add_argument("--video", required=True)
    ap.add_argument("--out", required=True, help="package directory; its work/ subfolder holds data, checkpoints, logs")
    ap.add_argument("--name", default=None)
    ap.add_argument("--licence", default=None, help="the source video's licence, recorded in the manifest")
    ap.add_argument("--credit", default=None, help="credit line for the manifest (who is pictured, where the video is from)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--size", type=int, default=512, help="training image width (height keeps the aspect ratio)")
    ap.add_argument("--steps", type=int, default=60000)
    ap.add_argument("--minutes", type=float, default=0, help="wall-clock budget: fewer steps than --steps when the "
                    "measured rate would overrun it (re-estimated every 250 steps; data preparation counts)")
    ap.add_argument("--gaussians", type=int, default=30000, help="initial Gaussians")
    ap.add_argument("--max-gaussians", type=int, default=150000)
    ap.add_argument("--max-frames", type=int, default=0, help="use at most this many frames (0: all)")
    ap.add_argument("--frame-stride", type=int, default=1)
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--seg-check-frames", type=int, default=2, help="frames on which the converted segmentation model is "
                    "compared with the original TF.js model (recorded in the manifest)")
    ap.add_argument("--sh-degree", type=int, default=3, choices=[0, 1, 2, 3])
    ap.add_argument("--latent-dim", type=int, default=4)
    ap.add_argument("--g-hidden", type=int, default=128)
    ap.add_argument("--g-layers", type=int, default=3)
    ap.add_argument("--cnn-hidden", type=int, default=32)
    ap.add_argument("--cnn-kernels", default="3,3,3", help="kernel sizes of the CNN's convolutions, comma-separated "
                    "(3,1: one 3x3 layer and a per-pixel decoder, light enough for live frames on 2 cores)")
    ap.add_argument("--no-features", action="store_true", help="ablation: per-Gaussian features f stay the prior field's values (not optimised, no Laplacian on f)")
    ap.add_argument("--no-laplacian", action="store_true", help="ablation: no Laplacian smoothness (eq. 11)")
    ap.add_argument("--no-cnn", action="store_true", help="ablation: no screen-space CNN and no latents")
    ap.add_argument("--no-g", action="store_true", help="ablation: no detail network G")
    ap.add_argument("--gaze", action=argparse.BooleanOptionalAction, default=False,
                    help="G also takes the tracker's gaze (the iris centres in their eyes, 4 values, normalised by the train "
                         "frames' mean and spread: the manifest's gaze block), so the eyes follow the driver's")
    ap.add_argument("--eyes", action=argparse.BooleanOptionalAction, default=False,
                    help="explicit eyeballs: the Gaussians in each eye's opening turn about the eyeball's centre with the "
                         "tracked gaze (eyes.py; the manifest's gaze and eyes blocks)")
    ap.add_argument("--lids", action="store_true",
                    help="with --eyes: explicit upper-lid caps that turn down over the eyeballs as the code closes the eyes "
                         "(lids.py; the manifest's lids block); F does not move the eyeballs' or the caps' Gaussians")
    ap.add_argument("--blink-weight", type=float, default=0.0,
                    help="draw train frames with probability proportional to 1 + W * closure, closure in [0,1] the expression "
                         "model's lid gap below its median, over the median's distance to the clip's smallest gap (blinks "
                         "are a few percent of a clip's frames; uniform draws leave the avatar's lids open)")
    ap.add_argument("--density-control", default="npga", choices=["npga", "vanilla"])
    ap.add_argument("--densify-from", type=int, default=500)
    ap.add_argument("--densify-until", type=float, default=0.5, help="fraction of --steps")
    ap.add_argument("--densify-every", type=int, default=100)
    ap.add_argument("--grad-threshold", type=float, default=2e-4)
    ap.add_argument("--opacity-decay-every", type=int, default=10, help="npga: opacity x0.995 every this many steps")
    ap.add_argument("--decay-after-densify", action="store_true", help="npga: keep the soft opacity decay going after "
                    "densification stops (before 2026-12: it did, and a trained d6 avatar ended with 36%% of its Gaussians "
                    "below opacity 0.01)")
    ap.add_argument("--opacity-reset-every", type=int, default=3000, help="vanilla: opacity reset to <= 0.01 every this many steps")
    ap.add_argument("--f-freeze", type=int, default=2000, help="steps F stays frozen at the prior")
    ap.add_argument("--fit-poses-at", type=float, default=0.0,
                    help="at this fraction of the steps, fit the train frames' head poses to the frames with the avatar so far and "
                         "train on with the corrected cameras (posefit.py; 0: off)")
    ap.add_argument("--fit-poses-every", type=int, default=4, help="fit every n-th train frame, the rest interpolated")
    ap.add_argument("--fit-poses-iters", type=int, default=30, help="Adam steps per fitted frame")
    ap.add_argument("--lr-f", type=float, default=1e-5, help="F's learning rate after --f-freeze (prior: 2e-3)")
    ap.add_argument("--lr-g", type=float, default=5e-4)
    ap.add_argument("--lr-cnn", type=float, default=1e-3)
    ap.add_argument("--lr-mu", type=float, default=5e-5, help="metres per step scale of the means (decays x0.01)")
    ap.add_argument("--lambda-ssim", type=float, default=0.2)
    ap.add_argument("--lambda-lap", type=float, default=1e-2)
    ap.add_argument("--lambda-offset", type=float, default=1e-3)
    ap.add_argument("--lambda-feat", type=float, default=1e-4)
    ap.add_argument("--lambda-scale", type=float, default=1e-2)
    ap.add_argument("--max-scale-mm", type=float, default=10.0)
    ap.add_argument("--knn", type=int, default=8)
    ap.add_argument("--rasterizer", default="fused", choices=["fused", "dense"], help="fused: the C++/CUDA kernels "
                    "(scripts/training/kernels); dense: the PyTorch reference (rasterizer.py)")
    ap.add_argument("--cnn-crop", type=int, default=192, help="the CNN's loss is taken on a crop of this size around a "
                    "head pixel (0: the whole image); the CNN is convolutional, so it serves whole frames")
    ap.add_argument("--bench", type=int, default=0, help="time this many training steps (after 2 warm-up steps) and "
                    "print milliseconds per part, then exit without exporting")
    ap.add_argument("--raster-chunk", type=int, default=0, help="elements of one [tiles, K, 256] compositing chunk "
                    "(0: 2^23 on the CPU, 2^26 on CUDA); bounds the rasteriser's memory")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--black-background", action="store_true",
                    help="train on black only (default: every step draws a random uniform background colour, and the "
                         "ground truth is the frame composited on it by its foreground mask, as 3DGS's --random_background)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: every core this process may use)")
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=1000, help="held-out PSNR on --eval-frames frames every this many steps")
    ap.add_argument("--eval-frames", type=int, default=12)
    ap.add_argument("--ckpt-every", type=int, default=2000)
    ap.add_argument("--resume", action="store_true", help="continue from <out>/work/checkpoint.pt")
    ap.add_argument("--parity-frames", type=int, default=3, help="held-out frames rendered by the C# runtime after export")
    ap.add_argument("--prior", default=DEFAULT_PRIOR)
    a = ap.parse_args(argv)
    if a.lids and not a.eyes:
        ap.error("--lids needs --eyes (the caps turn about the eyeballs' centres)")
    return a


# ------------------------------------------------------------------ initialisation

def checkpoint_gaussians(n, sh_degree, latent_dim):
    """Zero Gaussians of a checkpoint's size (n; SH coefficients and latents as the run's): the shapes a model is built
    with before load_state_dict puts the checkpoint's values in."""
    return dict(mu=torch.zeros(n, 3), rot=torch.zeros(n, 4), log_scale=torch.zeros(n, 3), opacity=torch.zeros(n, 1),
                sh=torch.zeros(n, (sh_degree + 1) ** 2, 3), latent=torch.zeros(n, latent_dim))


def init_gaussians(n, image, fg, cam, sh_degree, latent_dim, seed, eyes=None, lids=None):
    """n Gaussians in the canonical head frame (metres): 60% on the expression model's canonical face mesh (area
    weighted), the rest on a head shell (ellipsoid radii 8.5 x 11 x 10.5 cm round (0, 1.5, -1) cm, without the face
    region the mesh covers) and a neck cylinder. Colours: the first training image (masked) sampled at the projections;
    scales: mean distance to the 3 nearest neighbours; opacity 0.5; identity rotations; latents N(0, 0.1). With eyes (an
    eyes.EyeRig), 1% of n per eye start on the eyeballs, inside the openings the mesh leaves empty; with lids (a
    lids.LidRig) lids.CAP_SAMPLES of n per eye start on the caps, tagged (the `lid` column)."""
    g = torch.Generator().manual_seed(seed)
    mesh = ExpressionMesh()
    C, T = mesh.C.float(), mesh.T
    n_face = int(0.6 * n)
    tri = torch.multinomial(mesh.area_c.float(), n_face, replacement=True, generator=g)
    b = torch.rand(n_face, 2, generator=g)
    flip = b.sum(1) > 1
    b[flip] = 1 - b[flip]
    v0, v1, v2 = C[T[tri, 0]], C[T[tri, 1]], C[T[tri, 2]]
    face = v0 + b[:, :1] * (v1 - v0) + b[:, 1:] * (v2 - v0)
    rest = []
    need = n - n_face
    n_neck = need // 6
    while sum(len(r) for r in rest) < need - n_neck:
        d = Fn.normalize(torch.randn(4 * need, 3, generator=g), dim=-1)
        p = d * torch.tensor([0.085, 0.11, 0.105]) + torch.tensor([0.0, 0.015, -0.01])
        in_face = (p[:, 2] > 0.02) & (p[:, 0].abs() < 0.06) & (p[:, 1] > -0.09) & (p[:, 1] < 0.07)
        rest.append(p[~in_face & (p[:, 1] > -0.09)])
    shell = torch.cat(rest)[:need - n_neck]
    ang = torch.rand(n_neck, generator=g) * 2 * math.pi
    neck = torch.stack([0.055 * torch.cos(ang), -0.09 - 0.1 * torch.rand(n_neck, generator=g), -0.01 + 0.05 * torch.sin(ang)], 1)
    mu = torch.cat([face, shell, neck])
    # the lid caps' own Gaussians (first, tagged) and the eyeballs' (1% of n per eye), in place of as many face samples
    cap = lids.sample(max(1, int(CAP_SAMPLES * n)), g) if lids is not None else torch.zeros(0, 3)
    eye = eyes.sample(max(1, n // 100), g) if eyes is not None else torch.zeros(0, 3)
    mu = torch.cat([cap, eye, mu[len(cap) + len(eye):]])
    # colours from the first training image
    xc = mu.double().numpy() @ cam.R.T + cam.t
    u = cam.fx * xc[:, 0] / xc[:, 2] + cam.cx
    v = cam.fy * xc[:, 1] / xc[:, 2] + cam.cy
    H, W = image.shape[:2]
    grid = torch.tensor(np.stack([u / W * 2 - 1, v / H * 2 - 1], -1), dtype=torch.float32)[None, None]
    img = torch.tensor(image, dtype=torch.float32).permute(2, 0, 1)[None] / 255.0 * torch.tensor(fg, dtype=torch.float32)[None, None]
    col = Fn.grid_sample(img, grid, align_corners=False, padding_mode="border")[0, :, 0].t()  # [n,3]
    coeffs = (sh_degree + 1) ** 2
    sh = torch.zeros(n, coeffs, 3)
    sh[:, 0] = (col - 0.5) / SH_C0
    nbr = knn_graph(mu, 3)
    dist = (mu[:, None] - mu[nbr]).norm(dim=-1).mean(1).clamp(1e-4, 5e-3)
    return dict(mu=mu, rot=torch.tensor([1.0, 0, 0, 0]).repeat(n, 1), log_scale=torch.log(dist)[:, None].repeat(1, 3),
                opacity=torch.zeros(n, 1), sh=sh, latent=0.1 * torch.randn(n, latent_dim, generator=g),
                **({"lid": lid_tags(n - len(cap), cap)} if lids is not None else {}))


def build_model(a, init, latent, frames, dev):
    """The avatar model the arguments `a` describe, on `dev`, from initial Gaussians `init` (dict of [N,...] tensors; a
    checkpoint's state replaces them): F, G, the CNN, the eyeballs and the lids calibrated on the train frames' codes."""
    model = AvatarModel(init, a.sh_degree, latent, frames.k_exp, a.prior, use_g=not a.no_g, use_cnn=not a.no_cnn,
                        g_hidden=a.g_hidden, g_layers=a.g_layers, cnn_hidden=a.cnn_hidden, learn_features=not a.no_features,
                        cnn_kernels=cnn_kernels(a), gaze_dim=frames.gaze_dim, g_gaze=a.gaze,
                        gaze_std=frames.gaze_stats["std"] if a.eyes else None, lids=a.lids).to(dev)
    if model.lids is not None:
        model.lids.calibrate(frames.z[frames.train_ids, :frames.k_exp].cpu())
    return model


# ------------------------------------------------------------------ optimiser

def cnn_kernels(a):
    """--cnn-kernels as a tuple of ints."""
    return tuple(int(k) for k in str(a.cnn_kernels).split(","))


def build_optimizer(model, a):
    """Adam, one group per Gaussian attribute (so density control can swap rows; eps 1e-15 as 3DGS) + F, G, CNN
    (eps 1e-8); on the CPU with the fused kernels, kernels.adam.Adam (torch's Adam with a one-pass step)."""
    lrs = dict(mu=a.lr_mu, rot=1e-3, log_scale=5e-3, opacity=5e-2, sh_dc=2.5e-3, sh_rest=2.5e-3 / 20, feat=1e-3, latent=2.5e-3)
    groups = [dict(params=[model.params[k]], lr=lrs[k], name=k) for k in GAUSSIAN_KEYS if model.params[k].requires_grad]
    groups.append(dict(params=list(model.F.parameters()), lr=0.0, name="F", eps=1e-8))
    if model.G is not None:
        groups.append(dict(params=list(model.G.parameters()), lr=a.lr_g, name="G", eps=1e-8))
    if model.cnn is not None:
        groups.append(dict(params=list(model.cnn.parameters()), lr=a.lr_cnn, name="cnn", eps=1e-8))
    # on the CPU with the fused kernels, Adam's step is one fused pass per tensor (kernels/adam.py); same state, same math
    Opt = FusedAdam if a.rasterizer == "fused" and a.device == "cpu" else torch.optim.Adam
    opt = Opt(groups, eps=1e-15)
    for g in opt.param_groups:
        g["base_lr"] = g["lr"]
    return opt


def set_learning_rates(opt, step, a):
    """Means: exponential decay to 1% (3DGS); F: 0 until --f-freeze, then --lr-f; networks: cosine to 10%."""
    t = min(1.0, step / max(1, a.steps))
    for g in opt.param_groups:
        if g["name"] == "mu":
            g["lr"] = g["base_lr"] * (0.01 ** t)
        elif g["name"] == "F":
            g["lr"] = 0.0 if step < a.f_freeze else a.lr_f
        elif g["name"] in ("G", "cnn"):
            g["lr"] = g["base_lr"] * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


# ------------------------------------------------------------------ rendering one frame

GAZE_CLIP = 5.0  # the gaze code's bound, in standard deviations


class Frames:
    """The prepared frames on the device: images [T,3,H,W] in [0,1] composited on the background by the fg mask."""

    def __init__(self, d, meta, device, background, gaze=None):
        self.meta = meta
        img = torch.tensor(d["images"], dtype=torch.float32).permute(0, 3, 1, 2) / 255.0
        fg = torch.tensor(d["fg"].astype(np.float32))[:, None]
        bg = torch.tensor(background, dtype=torch.float32)[None, :, None, None]
        self.gt = (img * fg + bg * (1 - fg)).to(device)
        self.background = tuple(float(c) for c in background)
        self.fg = fg.to(torch.float16).to(device)  # [T,1,H,W] for gt_on
        # the head mask's last step (datamod.HEAD_MASK): its largest connected part, here and only here, so all data
        # prepared, before this step existed or after, is scored alike
        head = np.stack([datamod.largest_component(h) for h in d["head"]]).astype(np.uint8)
        self.head = torch.tensor(head).bool().to(device)
        self._head_np = head
        self._head_px = {}
        self.train_ids = np.nonzero(d["train"])[0]
        self.test_ids = np.nonzero(~d["train"])[0]
        # the code of each frame: z_exp [K], then with gaze the gaze code [4] = clip((g - mean) / std, +-GAZE_CLIP), mean and
        # std over the train frames (the manifest's gaze block: the runtime puts the driver's own running mean in place of mean)
        z = d["z"].astype(np.float32)
        self.k_exp, self.gaze_dim, self.gaze_stats = z.shape[1], 0, None
        if gaze is not None:
            mean, std = gaze[self.train_ids].mean(0), np.maximum(gaze[self.train_ids].std(0), 1e-3)
            code = np.clip((gaze - mean) / std, -GAZE_CLIP, GAZE_CLIP).astype(np.float32)
            z = np.concatenate([z, code], 1)
            self.gaze_dim = gaze.shape[1]
            self.gaze_stats = dict(dim=self.gaze_dim, mean=[float(v) for v in mean], std=[float(v) for v in std], clip=GAZE_CLIP)
        self.z = torch.tensor(z).to(device)
        W, H = meta["size"]
        intr = meta["intrinsics"]
        self.cams = [Camera(W, H, intr["fx"], intr["fy"], intr["cx"], intr["cy"], d["R"][i], d["t"][i]) for i in range(len(d["R"]))]
        self.frame = d["frame"]

    def gt_on(self, i, background):
        """Frame i composited on another background colour (3 values 0-1) by its foreground mask, [3,H,W]."""
        if tuple(background) == self.background:
            return self.gt[i]
        d = torch.tensor(background, dtype=torch.float32, device=self.gt.device) - torch.tensor(self.background, device=self.gt.device)
        return self.gt[i] + d[:, None, None] * (1 - self.fg[i].float())

    def head_pixels(self, i):
        """(rows, cols) of frame i's head-mask pixels (numpy, cached)."""
        if i not in self._head_px:
            self._head_px[i] = np.nonzero(self._head_np[i])
        return self._head_px[i]


def blink_draw(frames, weight, log):
    """Draw probabilities [len(train_ids)] of the train frames, proportional to 1 + weight * closure (--blink-weight);
    closure = clip((median gap - gap) / (median gap - min gap), 0, 1), gap the expression model's lid gap at the frame's
    z_exp (LidRig.gaps, both eyes' mean, mm)."""
    gaps = LidRig().gaps(frames.z[frames.train_ids, :frames.k_exp].cpu()).mean(1).numpy()
    med, lo = np.median(gaps), gaps.min()
    closure = np.clip((med - gaps) / max(med - lo, 1e-6), 0, 1)
    p = 1 + weight * closure
    log(f"blink draws: lid gap median {med:.2f} mm, min {lo:.2f} mm; {int((closure > 0.5).sum())} train frames more than "
        f"half closed drawn {p[closure > 0.5].sum() / p.sum():.1%} of the time (uniform: {(closure > 0.5).mean():.1%})")
    return p / p.sum()


RASTER_CHUNK = [1 << 23]
RENDER = [splat.render]  # the fused kernels; --rasterizer dense: rasterizer.render (the reference)


def forward(model, z, cam, background, with_cnn=True):
    """Posed avatar for code z rendered with cam -> (raw [3+L,H,W], cnn rgb [3,H,W] or None, proj, G outputs)."""
    posed, _, gout = model.pose(z)
    lat = posed["latent"] if (model.cnn is not None and with_cnn and model.latent_dim > 0) else None
    raw, proj = RENDER[0](posed["mu"], posed["rot"], posed["log_scale"], posed["opacity"], posed["sh"], cam, background, lat,
                          max_elems=RASTER_CHUNK[0])
    out = model.cnn(raw[None])[0] if (model.cnn is not None and with_cnn) else None
    return raw, out, proj, gout


class PartTimer:
    """Wall-clock milliseconds per named part of a training step (CUDA: synchronised at each boundary)."""

    def __init__(self, device):
        self.cuda = str(device).startswith("cuda")
        self.ms = {}

    def __call__(self, name):
        timer = self

        class _Part:
            def __enter__(self):
                if timer.cuda:
                    torch.cuda.synchronize()
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                if timer.cuda:
                    torch.cuda.synchronize()
                timer.ms[name] = timer.ms.get(name, 0.0) + 1e3 * (time.perf_counter() - self.t)

        return _Part()


def cnn_crop(frames, i, size, rng):
    """A size x size window (y0, x0) of frame i for the CNN's loss: centred on a random pixel of the head mask, kept
    inside the image (the whole image when it is smaller)."""
    H, W = frames.gt.shape[-2:]
    if size <= 0 or (size >= H and size >= W):
        return 0, 0, H, W
    hs, ws = min(size, H), min(size, W)
    ys, xs = frames.head_pixels(i)
    if len(ys):
        j = int(rng.integers(len(ys)))
        cy, cx = int(ys[j]), int(xs[j])
    else:
        cy, cx = H // 2, W // 2
    y0 = min(max(cy - hs // 2, 0), H - hs)
    x0 = min(max(cx - ws // 2, 0), W - ws)
    return y0, x0, hs, ws


def train_step(model, frames, i, a, nbr, background, rng, timer):
    """One optimisation step's forward and backward on training frame i (NPGA eqs. 6, 7, 10-12), staged so that each
    part is timed on its own: F, G -> compose -> splatting -> CNN (on a crop, --cnn-crop) -> losses, then backward in
    reverse through the same boundaries. Leaves the gradients in the parameters; returns (image loss, total loss,
    proj dict with uv.grad for density control)."""
    cam, gt = frames.cams[i], frames.gt_on(i, background)
    z = frames.z[i].reshape(1, -1)
    with timer("F fwd"):
        c = model.canonical()
        dF = run_F(model.F, c["mu"], c["feat"], z[:, :model.K])
    with timer("G fwd"):
        gout = model.G(c["mu"], c["feat"], z[:, :model.g_dim]) if model.G is not None else None
        posed = model.compose(c, z, dF, gout)
    use_cnn = model.cnn is not None
    keys = ["mu", "rot", "log_scale", "opacity", "sh"] + (["latent"] if use_cnn and model.latent_dim > 0 else [])
    leaf = {k: posed[k].detach().requires_grad_(True) for k in keys}
    with timer("splat fwd"):
        raw, proj = RENDER[0](leaf["mu"], leaf["rot"], leaf["log_scale"], leaf["opacity"], leaf["sh"], cam, background,
                              leaf.get("latent"), max_elems=RASTER_CHUNK[0])
        proj["uv"].retain_grad()
    raw_leaf = raw.detach().requires_grad_(True)
    out = out_leaf = None
    if use_cnn:
        y0, x0, hs, ws = cnn_crop(frames, i, a.cnn_crop, rng)
        with timer("CNN fwd"):
            out = model.cnn(raw_leaf[None, :, y0:y0 + hs, x0:x0 + ws])[0]
        out_leaf = out.detach().requires_grad_(True)
    with timer("loss fwd+bwd"):
        l_img = fused_photometric(raw_leaf[:3], gt, a.lambda_ssim)
        if use_cnn:
            l_img = l_img + fused_photometric(out_leaf, gt[:, y0:y0 + hs, x0:x0 + ws].contiguous(), a.lambda_ssim)
        l_img.backward()
    if use_cnn:
        with timer("CNN bwd"):
            out.backward(out_leaf.grad)
    with timer("splat bwd"):
        raw.backward(raw_leaf.grad)
    with timer("F, G bwd + regularisers"):
        reg = a.lambda_scale * scale_penalty(model.params["log_scale"], a.max_scale_mm * 1e-3)
        if not a.no_laplacian:
            if not a.no_features:
                reg = reg + a.lambda_lap * fused_laplacian(model.params["feat"], nbr)
            if gout is not None:
                reg = reg + a.lambda_lap * fused_laplacian(gout["d_mu"] * 100, nbr)  # offsets in cm
        if gout is not None:
            reg = reg + a.lambda_offset * offset_penalty(gout)
        if not a.no_features:
            reg = reg + a.lambda_feat * feature_norm(model.params["feat"])
        outs = [posed[k] for k in keys if leaf[k].grad is not None and posed[k].requires_grad] + [reg]
        grads = [leaf[k].grad for k in keys if leaf[k].grad is not None and posed[k].requires_grad] + [None]
        torch.autograd.backward(outs, grads)
    return float(l_img), float(l_img) + float(reg), proj


# ------------------------------------------------------------------ evaluation

@torch.no_grad()
def evaluate(model, frames, ids, background):
    """Self-reenactment on frames `ids`: PSNR / SSIM inside the head mask, and whole-image PSNR (final output = CNN's
    when present, else the raw render; values clamped to [0,1])."""
    ps, ss, pw = [], [], []
    for i in ids:
        raw, out, _, _ = forward(model, frames.z[i], frames.cams[i], background)
        img = (out if out is not None else raw[:3]).clamp(0, 1)
        ps.append(masked_psnr(img, frames.gt[i], frames.head[i]))
        ss.append(masked_ssim(img, frames.gt[i], frames.head[i]))
        pw.append(masked_psnr(img, frames.gt[i], torch.ones_like(frames.head[i])))
    return dict(frames=len(ids), psnr_head_db=float(np.mean(ps)), ssim_head=float(np.mean(ss)), psnr_image_db=float(np.mean(pw)),
                psnr_head_db_median=float(np.median(ps)), ssim_head_median=float(np.median(ss)))


def runtime_parity(model, pkg, frames, ids, background, log):
    """The C# runtime vs the PyTorch forward on held-out frames: a temporary package view per frame (files linked,
    default_camera = the frame's camera), `npga render --expr z`, both compared as 8-bit images."""
    res, diffs = [], []
    tmp = tempfile.mkdtemp(prefix="npga-parity-")
    try:
        for i in ids:
            d = os.path.join(tmp, f"f{i}")
            os.makedirs(d)
            for f in os.listdir(pkg):
                if f != "avatar.json" and os.path.isfile(os.path.join(pkg, f)):
                    os.symlink(os.path.join(pkg, f), os.path.join(d, f))
            m = json.load(open(os.path.join(pkg, "avatar.json")))
            cam = frames.cams[i]
            m["default_camera"] = cam.to_json()
            json.dump(m, open(os.path.join(d, "avatar.json"), "w"))
            with torch.no_grad():
                raw, out, _, _ = forward(model, frames.z[i].cpu(), cam, background)
            mine = to_u8(out if out is not None else raw[:3])
            theirs = csharp_render(d, frames.z[i].cpu().numpy(), cam.width, cam.height, os.path.join(d, "csharp.png"))
            p = psnr_u8(mine, theirs)
            res.append(p)
            diffs.append(int(np.abs(mine.astype(int) - theirs.astype(int)).max()))
            log(f"parity: held-out frame {int(frames.frame[i])}: C# runtime vs PyTorch forward {p:.2f} dB, "
                f"max |diff| {int(np.abs(mine.astype(int) - theirs.astype(int)).max())}/255")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cap = lambda v: float(min(v, 99.0))  # identical 8-bit images: PSNR = inf, written as 99 (JSON has no infinity)
    return dict(frames=len(res), psnr_db_min=cap(min(res)), psnr_db_mean=float(np.mean([cap(r) for r in res])),
                max_abs_diff_255=max(diffs), frame_ids=[int(frames.frame[i]) for i in ids])


def fit_train_poses(model, frames, a, log):
    """--fit-poses-at: every a.fit_poses_every-th train frame's code and head-pose correction fitted to the frame with the
    avatar as it is (posefit.fit_frame, the model frozen meanwhile), the corrections interpolated over the train frames by
    frame number and folded into their cameras (posefit.corrected_camera); held-out frames keep their tracked cameras.
    Returns the record kept in the checkpoint and the manifest: fitted frames, corrections [F,6], centre, summary."""
    t0 = time.time()
    flags = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    centre = model.canonical()["mu"].mean(0).detach()
    ids = frames.train_ids[::max(1, a.fit_poses_every)]
    rows = []
    for i in ids:
        _, w, s = posefit.fit_frame(model, frames.z[i], frames.cams[i], frames.gt[i], RENDER[0], centre, a.fit_poses_iters,
                                    max_elems=RASTER_CHUNK[0])
        rows.append(torch.cat([w, s]).cpu().numpy())
    for p, f in zip(model.parameters(), flags):
        p.requires_grad_(f)
    model.train()
    rec = dict(frames=[int(frames.frame[i]) for i in ids], rows=np.asarray(rows).tolist(), centre_m=centre.cpu().tolist())
    apply_pose_fit(frames, rec)
    turn, shift = np.degrees(np.linalg.norm(np.asarray(rows)[:, :3], axis=1)), 1e3 * np.linalg.norm(np.asarray(rows)[:, 3:], axis=1)
    rec["summary"] = dict(fitted_frames=len(ids), seconds=round(time.time() - t0, 1), turn_deg_median=float(np.median(turn)),
                          turn_deg_p95=float(np.percentile(turn, 95)), shift_mm_median=float(np.median(shift)),
                          shift_mm_p95=float(np.percentile(shift, 95)))
    log(f"head poses fitted to {len(ids)} train frames in {rec['summary']['seconds']:.0f} s: turn median "
        f"{rec['summary']['turn_deg_median']:.2f} deg (95% {rec['summary']['turn_deg_p95']:.2f}), shift median "
        f"{rec['summary']['shift_mm_median']:.2f} mm (95% {rec['summary']['shift_mm_p95']:.2f}); the train frames' cameras corrected")
    return rec


def apply_pose_fit(frames, rec):
    """Folds a fit_train_poses record's corrections, interpolated by frame number, into the train frames' cameras."""
    corr = posefit.interpolate(rec["frames"], rec["rows"], frames.frame[frames.train_ids])
    for j, i in enumerate(frames.train_ids):
        frames.cams[i] = posefit.corrected_camera(frames.cams[i], corr[j, :3], corr[j, 3:], rec["centre_m"])


def nonfinite_gradients(model):
    """Names of the parameters whose gradient holds a NaN or an infinity (empty when all are finite). On the CPU one
    fused pass over all gradients answers the usual case (all finite); the names are looked up only when it fails."""
    named = [(name, p.grad) for name, p in model.named_parameters() if p.grad is not None]
    if named and named[0][1].device.type == "cpu" and kernels.build("cpu").all_finite([g for _, g in named]):
        return []
    return [name for name, g in named if not torch.isfinite(g).all()]


def fit_steps_to_budget(a, step, t_start, since):
    """--minutes: the step count that ends training inside the budget at the recent rate (the steps since `since`, a
    (time, step) pair; a minute kept for the final evaluation and export). It may grow again when the machine frees up
    after a busy stretch; never more than the --steps asked for (a.steps_asked), never fewer than this step."""
    t0, s0 = since
    rate = (time.time() - t0) / max(1, step - s0)
    left = a.minutes * 60.0 - (time.time() - t_start) - 60.0
    return max(step, min(a.steps_asked, step + int(left / rate)))


def write_progress(work, rec):
    """<work>/progress.json: the last logged step (step, steps, elapsed_s, eta_s, loss_image, gaussians,
    held_out_psnr_head_db), replaced atomically; `npga avatar train` draws its progress bar from it."""
    tmp = os.path.join(work, "progress.json.tmp")
    with open(tmp, "w") as f:
        json.dump(rec, f)
    os.replace(tmp, os.path.join(work, "progress.json"))


# ------------------------------------------------------------------ benchmark

def report_bench(step_ms, parts, model, frames, a, dev, log):
    """--bench: medians (and min-max) of the step and of each part over the timed steps; one JSON line last."""
    names = sorted({k for p in parts for k in p}, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    med = lambda xs: float(np.median(xs)) if len(xs) else float("nan")
    W, H = frames.cams[0].width, frames.cams[0].height
    log(f"bench: {len(step_ms)} steps, {model.n} Gaussians, {W}x{H}, SH degree {a.sh_degree}, G "
        f"{'-' if a.no_g else f'{a.g_hidden}x{a.g_layers}'}, CNN {'-' if a.no_cnn else f'{a.cnn_hidden} on {a.cnn_crop}px crops'}, "
        f"{torch.get_num_threads()} threads, {dev}, rasteriser {a.rasterizer}")
    rep = dict(steps=len(step_ms), gaussians=model.n, width=W, height=H, threads=torch.get_num_threads(), device=str(dev),
               rasterizer=a.rasterizer, step_ms_median=med(step_ms), steps_per_s=1e3 / med(step_ms), parts_ms_median={})
    for k in names:
        xs = [p.get(k, 0.0) for p in parts]
        rep["parts_ms_median"][k] = med(xs)
        log(f"  {k:<26} {med(xs):8.1f} ms  ({min(xs):.1f}-{max(xs):.1f})")
    log(f"  {'step':<26} {med(step_ms):8.1f} ms  ({min(step_ms):.1f}-{max(step_ms):.1f}), {1e3 / med(step_ms):.2f} steps/s")
    print(json.dumps(rep), flush=True)


ORDER = ["F fwd", "G fwd", "splat fwd", "CNN fwd", "loss fwd+bwd", "CNN bwd", "splat bwd", "F, G bwd + regularisers",
         "optimiser", "density"]


# ------------------------------------------------------------------ main

def keep_freed_memory():
    """glibc's malloc, for a process that allocates and frees the same tens of megabytes every step: blocks up to 32 MB
    come from the heap instead of fresh mmaps, and freed memory is kept instead of handed back to the system. By
    default every per-Gaussian tensor (50k x 64 floats: 12.8 MB) was a new mapping each step, and zeroing its pages on
    first touch cost about a tenth of a CPU step (measured: 166-168 against 174-190 ms a step at 50k Gaussians, 512x512).
    Nothing happens where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
    libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    libc.mallopt(M_TOP_PAD, 256 << 20)


def main(argv=None):
    a = parse_args(argv)
    t_start = time.time()
    keep_freed_memory()
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    if a.rasterizer == "fused" and a.device == "cuda":
        a.rasterizer = "dense"  # the fused kernels are CPU-only so far (kernels/__init__.py)
    RENDER[0] = splat.render if a.rasterizer == "fused" else dense.render
    if a.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device")
    dev = torch.device(a.device)
    RASTER_CHUNK[0] = a.raster_chunk or (1 << 26 if a.device == "cuda" else 1 << 23)
    work = os.path.join(a.out, "work")
    os.makedirs(work, exist_ok=True)
    log_f = open(os.path.join(work, "train.log"), "a")

    def log(msg):
        line = f"[{time.time() - t_start:7.1f}s] {msg}"
        print(line, flush=True)
        log_f.write(line + "\n")
        log_f.flush()

    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    npz, meta = datamod.prepare(a.video, work, a.size, a.holdout, a.max_frames, a.frame_stride, a.seg_check_frames, log=log)
    background = (0.0, 0.0, 0.0)
    d = datamod.load(npz)
    gaze_raw = datamod.gaze(a.video, work, d, log) if (a.gaze and not a.no_g) or a.eyes else None
    frames = Frames(d, meta, dev, background, gaze_raw)
    meta["head_mask"] = datamod.HEAD_MASK  # Frames applies today's definition, also to data prepared before it
    latent = 0 if a.no_cnn else a.latent_dim
    ckpt_path = os.path.join(work, "checkpoint.pt")
    ck = torch.load(ckpt_path, map_location="cpu") if a.resume and os.path.exists(ckpt_path) else None
    if ck is not None:
        rigs = lambda args: (bool(args.get("eyes")), bool(args.get("lids")))
        if rigs(ck["args"]) != rigs(vars(a)):
            raise SystemExit(f"--resume: {ckpt_path} was trained with eyes, lids = {rigs(ck['args'])}; this run asks for "
                             f"{rigs(vars(a))}: give the same --eyes/--lids, or start afresh")
        init = checkpoint_gaussians(ck["n"], a.sh_degree, latent)
    else:
        i0 = frames.train_ids[0]
        init = init_gaussians(a.gaussians, d["images"][i0], d["fg"][i0].astype(np.float32), frames.cams[i0], a.sh_degree, latent, a.seed,
                              EyeRig() if a.eyes else None, LidRig() if a.eyes and a.lids else None)
    model = build_model(a, init, latent, frames, dev)
    if model.lids is not None:
        log(f"lids: lid gap open {model.lids.g_open[0]:.2f}/{model.lids.g_open[1]:.2f} mm, shut {model.lids.g_shut[0]:.2f}/"
            f"{model.lids.g_shut[1]:.2f} mm; {int((model.params['lid'] > 0).sum())} cap Gaussians")
    opt = build_optimizer(model, a)
    dc = DensityControl(a.density_control, grad_threshold=a.grad_threshold, max_gaussians=a.max_gaussians,
                        decay_every=a.opacity_decay_every, reset_every=a.opacity_reset_every)
    start, curve, pose_fit = 1, [], None
    a.steps_asked = a.steps
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        if ck.get("pose_fit") is not None:
            apply_pose_fit(frames, ck["pose_fit"])
        start, curve, pose_fit = ck["step"] + 1, ck["curve"], ck.get("pose_fit")
        torch.set_rng_state(ck["rng"])
        if a.minutes and ck["args"].get("minutes"):  # the budget had shortened the schedule: keep its fit (it re-fits as it goes)
            a.steps = min(a.steps, ck["args"]["steps"])
        t_start -= ck.get("elapsed_s", 0.0)  # the budget counts the time trained before the interruption
        log(f"resumed from {ckpt_path} at step {ck['step']} ({model.n} Gaussians)")
    log(f"model: {model.n} Gaussians, SH degree {a.sh_degree}, f in R^{model.feature_dim} ({'learned' if not a.no_features else 'frozen'}), "
        f"latent {latent}, G {'-' if a.no_g else f'{a.g_hidden}x{a.g_layers}'}, CNN {'-' if a.no_cnn else f'{a.cnn_hidden} ({a.cnn_kernels})'}, "
        f"density control {a.density_control}, Laplacian {'off' if a.no_laplacian else 'on'}; device {dev}")
    nbr = knn_graph(model.params["mu"].detach(), a.knn)
    rng = np.random.default_rng(a.seed + start)
    draw_p = blink_draw(frames, a.blink_weight, log) if a.blink_weight > 0 else None
    acc, acc_n, t_log = 0.0, 0, time.time()
    densify_until = int(a.densify_until * a.steps)

    def save(step):
        torch.save(dict(step=step, n=model.n, model=model.state_dict(), opt=opt.state_dict(), curve=curve, args=vars(a),
                        rng=torch.get_rng_state(), elapsed_s=time.time() - t_start, pose_fit=pose_fit), ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    bench = a.bench > 0
    timer = PartTimer(dev)
    t_loop, held_out, skipped, ema = time.time(), None, 0, None
    fit_since = (t_loop, start - 1)
    step_ms, parts = [], []
    last = a.steps if not bench else start + a.bench + 2
    step = start
    try:
        while step <= last:
            t_step = time.perf_counter()
            timer.ms = {}
            set_learning_rates(opt, step, a)
            if a.fit_poses_at > 0 and pose_fit is None and not bench and step >= a.fit_poses_at * a.steps:
                pose_fit = fit_train_poses(model, frames, a, log)
                fit_since = (time.time(), step)  # the budget's rate leaves the pause out
            i = int(rng.choice(frames.train_ids, p=draw_p))
            # a random background each step (unless --black-background): a Gaussian the background shows through
            # costs the loss on every colour but black, so the hair and the head's edge are drawn opaque where the
            # person is (on black only they may stay see-through, invisible until a capture tool keys another colour in)
            bg_step = background if a.black_background else tuple(float(c) for c in rng.random(3))
            l_img, l_total, proj = train_step(model, frames, i, a, nbr, bg_step, rng, timer)
            cam = frames.cams[i]
            if proj["uv"].grad is not None and step < densify_until:
                with timer("density"):
                    dc.add(proj["uv"].grad.detach(), proj["valid"], cam.width, cam.height)
            with timer("optimiser"):
                bad = nonfinite_gradients(model) if math.isfinite(l_total) else ["loss"]
                if bad:  # one bad step must not poison Adam's moments: drop it and say so
                    skipped += 1
                    log(f"step {step}: non-finite {', '.join(bad)}; step skipped ({skipped} so far)")
                else:
                    opt.step()
                opt.zero_grad(set_to_none=True)
            with timer("density"):
                if a.densify_from <= step and (step < densify_until or a.decay_after_densify):
                    dc.opacity_step(model, opt, step)
                if a.densify_from <= step < densify_until and step % a.densify_every == 0 and not bench:
                    r = dc.densify_and_prune(model, opt)
                    nbr = knn_graph(model.params["mu"].detach(), a.knn)
                    log(f"density ({a.density_control}): +{r['cloned']} cloned, {r['split']} split, -{r['pruned']} pruned -> {r['n']} Gaussians")
            if bench:
                if step >= start + 2:  # two warm-up steps
                    step_ms.append(1e3 * (time.perf_counter() - t_step))
                    parts.append(dict(timer.ms))
                step += 1
                continue
            if ema is not None and l_img > 3 * ema:  # a jump: say where, so that a divergence can be traced
                log(f"step {step}: image loss {l_img:.4f} against a running {ema:.4f} (frame {int(frames.frame[i])})")
            ema = l_img if ema is None else 0.98 * ema + 0.02 * l_img
            acc += l_img
            acc_n += 1
            if step % a.log_every == 0 or step == a.steps:
                rec = dict(step=step, loss_image=acc / acc_n, loss_total=l_total, gaussians=model.n, elapsed_s=time.time() - t_start)
                curve.append(rec)
                log(f"step {step:6d}/{a.steps}  image loss {rec['loss_image']:.4f}  total {rec['loss_total']:.4f}  "
                    f"{model.n} Gaussians  {(time.time() - t_log) / acc_n * 1e3:.0f} ms/step")
                acc, acc_n, t_log = 0.0, 0, time.time()
            if a.eval_every and step % a.eval_every == 0 and step < a.steps:
                ids = frames.test_ids[np.linspace(0, len(frames.test_ids) - 1, min(a.eval_frames, len(frames.test_ids))).round().astype(int)]
                model.eval()
                ev = evaluate(model, frames, ids, background)
                model.train()
                held_out = ev["psnr_head_db"]
                curve[-1]["held_out_psnr_head_db"] = held_out
                log(f"held-out ({ev['frames']} frames): PSNR {held_out:.2f} dB inside the head mask, SSIM {ev['ssim_head']:.4f}")
            if step % a.log_every == 0 or step == a.steps:
                el = time.time() - t_start
                write_progress(work, dict(step=step, steps=a.steps, elapsed_s=el, eta_s=(time.time() - t_loop) / max(1, step - start + 1) * (a.steps - step),
                                          loss_image=curve[-1]["loss_image"], gaussians=model.n, held_out_psnr_head_db=held_out))
            if step % a.ckpt_every == 0 or step == a.steps:
                save(step)
            if a.minutes and step % 250 == 0 and step < a.steps:
                fitted = fit_steps_to_budget(a, step, t_start, fit_since)
                fit_since = (time.time(), step)
                if abs(fitted - a.steps) > 0.01 * a.steps:
                    log(f"time budget {a.minutes:g} min: {a.steps} -> {fitted} steps at the recent rate")
                    a.steps = last = fitted
                    if step < densify_until:  # once densification has ended it stays ended
                        densify_until = int(a.densify_until * a.steps)
            step += 1
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the checkpoint short
        save(step - 1)
        log(f"interrupted: step {step - 1} saved to {ckpt_path}; the same command with --resume continues from there")
        return 130
    if bench:
        report_bench(step_ms, parts, model, frames, a, dev, log)
        return 0
    train_s = time.time() - t_start
    model.eval()
    ev_test = evaluate(model, frames, frames.test_ids, background)
    ev_train = evaluate(model, frames, frames.train_ids[:: max(1, len(frames.train_ids) // 20)], background)
    log(f"held-out self-reenactment ({ev_test['frames']} frames): PSNR {ev_test['psnr_head_db']:.2f} dB, SSIM {ev_test['ssim_head']:.4f} "
        f"inside the head mask; whole image {ev_test['psnr_image_db']:.2f} dB (train frames: {ev_train['psnr_head_db']:.2f} dB)")
    name = a.name or f"NPGA avatar from {os.path.basename(a.video)}"
    i_view, view_range = central_view([frames.cams[i] for i in frames.train_ids])
    i_cam = frames.train_ids[i_view]
    training = dict(args=vars(a), steps=a.steps, seconds=round(train_s, 1), device=str(dev), torch=torch.__version__,
                    held_out_frames=[int(frames.frame[frames.test_ids[0]]), int(frames.frame[frames.test_ids[-1]])],
                    data={k: v for k, v in meta.items() if k != "key"}, expression_model=meta.get("expression_model") or "mp468-pca-v1",
                    loss_curve=curve[-50:], pose_fit=pose_fit["summary"] if pose_fit else None,
                    ablations=dict(features=not a.no_features, laplacian=not a.no_laplacian, cnn=not a.no_cnn, g=not a.no_g,
                                   density_control=a.density_control))
    metrics = dict(held_out=ev_test, train=ev_train, head_mask=datamod.HEAD_MASK, lpips=None,
                   lpips_note="not computed: LPIPS needs pretrained AlexNet/VGG weights, which cannot be downloaded here")
    source = dict(files=[os.path.basename(a.video)], video_sha256=meta["video_sha256"],
                  licence=a.licence or "unknown: the licence of the source video",
                  **({"credit": a.credit} if a.credit else {}),
                  default_camera=f"the training frame {int(frames.frame[i_cam])}'s camera, the training view nearest their mean rotation "
                                 "(tracked head pose folded in, world = canonical head frame)")
    model_cpu = model.cpu()
    export_package(model_cpu, a.out, name, frames.cams[i_cam], source, metrics, training, background, view_range_deg=view_range,
                   gaze=dict(frames.gaze_stats, g=bool(a.gaze and model_cpu.G is not None)) if frames.gaze_stats else None)
    log(f"exported {a.out} ({model_cpu.n} Gaussians)")
    frames.z = frames.z.cpu()
    if a.parity_frames > 0:
        ids = frames.test_ids[np.linspace(0, len(frames.test_ids) - 1, min(a.parity_frames, len(frames.test_ids))).round().astype(int)]
        par = runtime_parity(model_cpu, a.out, frames, ids, background, log)
        m = json.load(open(os.path.join(a.out, "avatar.json")))
        m["metrics"]["runtime_parity"] = dict(par, note="`npga render` (C#) vs the PyTorch forward, 8-bit images, held-out "
                                                   "frames; PSNR capped at 99 dB (identical images)")
        with open(os.path.join(a.out, "avatar.json"), "w") as f:
            json.dump(finite_json(m), f, indent=2, allow_nan=False)
            f.write("\n")
    log(f"done in {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
