#!/usr/bin/env python3
"""How much of a trained avatar's error is the tracked code's: per frame, with the avatar frozen, optimise the frame's
code z = (z_exp, gaze) and, with --pose, a rigid correction of the head pose against the frame itself (analysis by
synthesis, as photometric trackers do), then score PSNR and SSIM inside the head mask before and after.

    fit_codes.py --out RUN [--split held-out|train] [--every 4] [--iters 40] [--pose]

RUN is a trainer output folder (its work/checkpoint.pt and work/data). The fitted code may leave the train frames'
distribution: the figure is what the avatar can draw with some code, an upper bound on what any tracker could give it,
not a held-out score. Prints one line per frame and the means; writes RUN/work/fit_codes_<split>.json.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import data as datamod  # noqa: E402
from losses import masked_psnr, masked_ssim  # noqa: E402
from posefit import fit_frame, render  # noqa: E402
import train  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--split", choices=["held-out", "train"], default="held-out")
    ap.add_argument("--every", type=int, default=4, help="every n-th frame of the split")
    ap.add_argument("--limit", type=int, default=0, help="at most this many frames (0: all)")
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--lr", type=float, default=0.05, help="Adam step of the code (its components' std over the train frames is ~1)")
    ap.add_argument("--pose", action="store_true", help="also fit a rigid head-pose correction")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads or len(os.sched_getaffinity(0)))
    work = os.path.join(args.out, "work")
    ck = torch.load(os.path.join(work, "checkpoint.pt"), map_location="cpu")
    a = argparse.Namespace(**ck["args"])
    d = datamod.load(os.path.join(work, "data", "frames.npz"))
    gaze = datamod.gaze(a.video, work, d, print) if (a.gaze and not a.no_g) or a.eyes else None
    meta = json.load(open(os.path.join(work, "data", "data.json")))
    frames = train.Frames(d, meta, torch.device("cpu"), (0.0, 0.0, 0.0), gaze)
    latent = 0 if a.no_cnn else a.latent_dim
    model = train.build_model(a, train.checkpoint_gaussians(ck["n"], a.sh_degree, latent), latent, frames, torch.device("cpu"))
    model.load_state_dict(ck["model"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    ids = (frames.test_ids if args.split == "held-out" else frames.train_ids)[::args.every]
    ids = ids[:args.limit] if args.limit else ids
    z_std = frames.z[frames.train_ids].std(0).clamp_min(1e-3)
    centre = model.canonical()["mu"].mean(0).detach()
    rows = []
    t0 = time.time()
    for i in ids:
        gt, head, cam = frames.gt[i], frames.head[i], frames.cams[i]
        with torch.no_grad():
            before = render(model, frames.z[i], cam, train.RENDER[0]).clamp(0, 1)
        z, w, sh = fit_frame(model, frames.z[i], cam, gt, train.RENDER[0], centre, args.iters, args.lr, args.pose)
        with torch.no_grad():
            after = render(model, z, cam, train.RENDER[0], (w, sh) if args.pose else None, centre).clamp(0, 1)
        r = dict(frame=int(frames.frame[i]), psnr_tracked=masked_psnr(before, gt, head), psnr_fitted=masked_psnr(after, gt, head),
                 ssim_tracked=masked_ssim(before, gt, head), ssim_fitted=masked_ssim(after, gt, head),
                 code_moved_std=float(((z - frames.z[i]) / z_std).norm() / np.sqrt(z.numel())))
        if args.pose:
            r.update(turn_deg=float(w.norm()) * 180 / np.pi, shift_mm=float(sh.norm()) * 1e3,
                     rotvec_rad=[float(v) for v in w], shift_m=[float(v) for v in sh])
        rows.append(r)
        print(f"frame {r['frame']:5d}: {r['psnr_tracked']:.2f} -> {r['psnr_fitted']:.2f} dB, code moved {r['code_moved_std']:.2f} std"
              + (f", turn {r['turn_deg']:.2f} deg, shift {r['shift_mm']:.2f} mm" if args.pose else "") + f"  [{time.time() - t0:.0f}s]", flush=True)
    mean = lambda k: float(np.mean([r[k] for r in rows]))
    summary = dict(split=args.split, frames=len(rows), iters=args.iters, pose=args.pose, psnr_tracked=mean("psnr_tracked"),
                   psnr_fitted=mean("psnr_fitted"), ssim_tracked=mean("ssim_tracked"), ssim_fitted=mean("ssim_fitted"),
                   psnr_fitted_median=float(np.median([r["psnr_fitted"] for r in rows])), centre_m=[float(v) for v in centre], rows=rows)
    print(f"{args.split}, {len(rows)} frames: PSNR {summary['psnr_tracked']:.2f} dB with the tracked codes, {summary['psnr_fitted']:.2f} "
          f"fitted (median {summary['psnr_fitted_median']:.2f}); SSIM {summary['ssim_tracked']:.4f} -> {summary['ssim_fitted']:.4f}")
    name = f"fit_codes_{args.split}{'_pose' if args.pose else ''}.json"
    json.dump(summary, open(os.path.join(work, name), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
