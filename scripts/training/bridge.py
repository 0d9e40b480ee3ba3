#!/usr/bin/python3
"""The bridge between training and the C# runtime: render one npga-avatar/1 package for one code and camera both
with the PyTorch forward (F, G, CNN evaluated from the package's ONNX files by onnx_torch, NPGA eq. 6 composed by
model.compose, splatted by rasterizer.render or, with --rasterizer fused, by the training kernels) and with
`scripts/npga render`, and report the PSNR between them.

    /usr/bin/python3 scripts/training/bridge.py --avatar DIR [--expr codes.json] [--width 64 --height 64]
        [--no-cnn] [--float64] [--out-dir DIR] [--min-psnr 45] [--rasterizer dense|fused]
    /usr/bin/python3 scripts/training/bridge.py --avatar DIR --held-out DIR/work/data/frames.npz [--frames 5]

The second form checks a trained package (e.g. one trained on a GPU machine with --parity-frames 0) on its held-out
frames: each frame's camera (tracked head pose folded in) becomes the default camera of a temporary view of the package.

The camera is the package's default camera resized to W x H (Camera.Resized), no head pose, the code z_exp
composed with the manifest's rest_code as AvatarDynamics does (F(r) - F(0) + F(z)). Both images are compared as the 8-bit PNGs they become (clamp to
[0,1], x255, round). Prints one JSON line {psnr_db (capped at 99: identical images), identical, max_abs_diff_255, ...};
exit 1 when below --min-psnr.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from camera import Camera  # noqa: E402
from eyes import turn  # noqa: E402
from lids import LidRig  # noqa: E402
from model import close_lids, compose  # noqa: E402
from onnx_torch import OnnxModule  # noqa: E402
from package import gaussians_from_ply, load_manifest, npga_command  # noqa: E402
import rasterizer  # noqa: E402
from kernels import splat  # noqa: E402

RENDERERS = {"dense": rasterizer.render, "fused": splat.render}


def to_u8(img):
    """[3,H,W] float -> [H,W,3] uint8 as AvatarFrameRenderer.PlanesToImage / RenderTarget.ToRgbImage (clamp, x255, +0.5)."""
    a = img.detach().cpu().double().clamp(0, 1).permute(1, 2, 0).numpy()
    return np.floor(a * 255.0 + 0.5).astype(np.uint8)


def psnr_u8(a, b, mask=None):
    """PSNR (dB) of two uint8 images [H,W,3], optionally inside a boolean mask [H,W]; inf when equal."""
    d = (a.astype(np.float64) - b.astype(np.float64)) / 255.0
    if mask is not None:
        d = d[mask]
    mse = float((d ** 2).mean()) if d.size else 0.0
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


def torch_render_package(pkg, z, cam, use_cnn=True, dtype=torch.float32, rasterizer_name="dense"):
    """The PyTorch forward of a package: image [3,H,W] (before 8-bit conversion), and the raw render [3+L,H,W].
    rasterizer_name: 'dense' (rasterizer.py) or 'fused' (the training kernels)."""
    render = RENDERERS[rasterizer_name]
    m = load_manifest(pkg)
    net = m["networks"]
    g = gaussians_from_ply(os.path.join(pkg, "canonical.ply"), m["sh_degree"], m["feature_dim"], m["latent_dim"])
    g = {k: v.to(dtype) for k, v in g.items()}
    # z: z_exp [K], then the gaze code when the avatar has one (F takes z_exp, G z_exp and, when gaze.g, the gaze code)
    K = m["expression_model"]["K"]
    code = torch.as_tensor(z, dtype=dtype).reshape(1, -1).clone()
    zt = code[:, :K]
    F = OnnxModule(os.path.join(pkg, net["F"]))
    dF = F(mu=g["mu"], feat=g["feat"], z_exp=zt)["d_mu"]
    if m.get("rest_code") is not None:
        # A rest code r composes additively (AvatarDynamics): F(r) - F(0) + F(z); G sees r + z.
        rest = torch.tensor(m["rest_code"], dtype=dtype).reshape(1, -1)
        dF = dF + F(mu=g["mu"], feat=g["feat"], z_exp=rest)["d_mu"] - F(mu=g["mu"], feat=g["feat"], z_exp=torch.zeros_like(rest))["d_mu"]
        code[:, :K] = zt + rest
    g_dim = K + (m["gaze"]["dim"] if m.get("gaze") and m["gaze"].get("g", True) else 0)
    gout = OnnxModule(os.path.join(pkg, net["G"]))(mu=g["mu"], feat=g["feat"], z_exp=code[:, :g_dim]) if net.get("G") else None
    eye = package_eyes(m, g["mu"], code[0, K:])
    fade = None
    if m.get("lids"):  # the lids' closure (lids.py) from the manifest's lids block, as AvatarLids reads it
        w, tag = package_members(m, g["mu"].shape[0])
        if eye is None:
            eye = (torch.zeros_like(g["mu"]), torch.tensor([1.0, 0, 0, 0], dtype=dtype).repeat(g["mu"].shape[0], 1))
        lids = LidRig.from_json(m["lids"], [e["centre"] for e in m["eyes"]["eyes"]])
        dF, eye, fade = close_lids(g["mu"], dF, w, eye, lids, tag, zt[0])
    posed = compose(g, dF, gout, eye)
    if fade is not None:
        posed["opacity"] = posed["opacity"] + fade[:, None]
    cnn = use_cnn and bool(net.get("cnn"))
    lat = posed["latent"] if cnn and m["latent_dim"] > 0 else None
    with torch.no_grad():
        raw, _ = render(posed["mu"], posed["rot"], posed["log_scale"], posed["opacity"], posed["sh"], cam,
                        background=m.get("background", [0, 0, 0]), latents=lat)
        if cnn:
            out = OnnxModule(os.path.join(pkg, net["cnn"]))(image=raw[None])["rgb"][0]
        else:
            out = raw[:3]
    return out, raw


def package_members(m, n):
    """A manifest's eyeball weights [2,n] (the eyes block) and lid-cap tags [n] (the lids block; zeros without one)."""
    w = torch.zeros(2, n, dtype=torch.float32)
    for k, e in enumerate(m["eyes"]["eyes"]):
        w[k, torch.tensor(e["members"], dtype=torch.long)] = torch.tensor(e["weights"], dtype=torch.float32)
    tag = torch.zeros(n, dtype=torch.long)
    for k, e in enumerate(m.get("lids", {}).get("eyes", [])):
        tag[torch.tensor(e["cap"], dtype=torch.long)] = 1 + k
    return w, tag


def package_eyes(m, mu, gaze_code):
    """The eyeballs' turn (eyes.turn) from a manifest's eyes block (its member lists and weights, not the trainer's
    geometry) for gaze code [4] -> (d_mu, q) or None (no eyes block, or no gaze code given)."""
    if not m.get("eyes") or len(gaze_code) == 0:
        return None
    eyes = m["eyes"]["eyes"]
    w, _ = package_members(m, mu.shape[0])
    delta = gaze_code.to(mu.dtype) * torch.tensor(m["gaze"]["std"], dtype=mu.dtype)
    return turn(mu, w, delta, [e["centre"] for e in eyes], [float(e["width_m"]) for e in eyes],
                m["eyes"]["radius_m"], m["eyes"]["max_tilt"])


def csharp_render(pkg, z, width, height, out_png, use_cnn=True):
    """Runs `scripts/npga render --avatar pkg --expr codes.json --width W --height H --out out_png` -> [H,W,3] uint8."""
    from PIL import Image
    codes = out_png + ".codes.json"
    with open(codes, "w") as f:
        json.dump([float(v) for v in np.asarray(z).ravel()], f)
    cmd = npga_command() + ["render", "--avatar", pkg, "--expr", codes, "--width", str(width), "--height", str(height), "--out", out_png]
    if not use_cnn:
        cmd.append("--no-cnn")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}{r.stdout}")
    return np.asarray(Image.open(out_png).convert("RGB"))


def compare(pkg, z, width, height, use_cnn=True, dtype=torch.float32, out_dir=None, rasterizer_name="dense"):
    """Both renders of one frame; -> dict(psnr_db, max_abs_diff_255, mean_abs_diff_255, torch_u8, csharp_u8)."""
    m = load_manifest(pkg)
    cam = Camera.from_json(m["default_camera"]).resized(width, height)
    img, _ = torch_render_package(pkg, z, cam, use_cnn, dtype, rasterizer_name)
    a = to_u8(img)
    tmp = out_dir or tempfile.mkdtemp(prefix="npga-bridge-")
    b = csharp_render(pkg, z, width, height, os.path.join(tmp, "csharp.png"), use_cnn)
    diff = np.abs(a.astype(int) - b.astype(int))
    if out_dir:
        from PIL import Image
        Image.fromarray(a).save(os.path.join(out_dir, "torch.png"))
    return dict(psnr_db=psnr_u8(a, b), max_abs_diff_255=int(diff.max()), mean_abs_diff_255=float(diff.mean()),
                torch_u8=a, csharp_u8=b)


def held_out_parity(pkg, npz, n_frames, use_cnn=True):
    """PyTorch forward of the package vs `npga render` on n_frames held-out frames of a prepared frames.npz."""
    import shutil
    with np.load(npz) as d:
        test = np.nonzero(~d["train"])[0]
        R, t, z, frame = d["R"], d["t"], d["z"], d["frame"]
    meta = json.load(open(os.path.join(os.path.dirname(npz), "data.json")))
    W, H = meta["size"]
    intr = meta["intrinsics"]
    ids = test[np.linspace(0, len(test) - 1, min(n_frames, len(test))).round().astype(int)]
    tracks = [json.loads(l) for l in open(os.path.join(os.path.dirname(npz), "tracks.jsonl")) if l.strip()]
    tmp = tempfile.mkdtemp(prefix="npga-bridge-")
    out = []
    try:
        for i in ids:
            view = os.path.join(tmp, f"f{i}")
            os.makedirs(view)
            for f in os.listdir(pkg):
                if f != "avatar.json" and os.path.isfile(os.path.join(pkg, f)):
                    os.symlink(os.path.abspath(os.path.join(pkg, f)), os.path.join(view, f))
            m = load_manifest(pkg)
            m["default_camera"] = Camera(W, H, intr["fx"], intr["fy"], intr["cx"], intr["cy"], R[i], t[i]).to_json()
            json.dump(m, open(os.path.join(view, "avatar.json"), "w"))
            code = z[i]
            if m.get("gaze"):  # the gaze code as training built it: the tracker's gaze against the train frames' mean and spread
                gz = m["gaze"]
                g = (np.asarray(tracks[int(frame[i])]["gaze"]) - np.asarray(gz["mean"])) / np.asarray(gz["std"])
                code = np.concatenate([z[i], np.clip(g, -gz["clip"], gz["clip"])]).astype(np.float32)
            r = compare(view, code, W, H, use_cnn)
            out.append(dict(frame=int(frame[i]), psnr_db=min(r["psnr_db"], 99.0), max_abs_diff_255=r["max_abs_diff_255"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--avatar", required=True)
    ap.add_argument("--expr", help="JSON array of K floats, K + 4 for an avatar with a gaze code (default: zeros)")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--height", type=int, default=64)
    ap.add_argument("--no-cnn", action="store_true")
    ap.add_argument("--float64", action="store_true")
    ap.add_argument("--out-dir")
    ap.add_argument("--min-psnr", type=float, default=45.0)
    ap.add_argument("--held-out", help="frames.npz of the package's training data: check its held-out frames instead")
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--rasterizer", default="dense", choices=sorted(RENDERERS), help="the PyTorch side's splatting: the "
                    "dense reference or the fused training kernels")
    a = ap.parse_args()
    if a.held_out:
        res = held_out_parity(a.avatar, a.held_out, a.frames, not a.no_cnn)
        worst = min(r["psnr_db"] for r in res)
        print(json.dumps(dict(frames=res, psnr_db_min=worst)))
        return 0 if worst >= a.min_psnr else 1
    m = load_manifest(a.avatar)
    z = np.asarray(json.load(open(a.expr)), np.float32) if a.expr else np.zeros(m["expression_model"]["K"] + (m["gaze"]["dim"] if m.get("gaze") else 0), np.float32)
    if a.out_dir:
        os.makedirs(a.out_dir, exist_ok=True)
    r = compare(a.avatar, z, a.width, a.height, not a.no_cnn, torch.float64 if a.float64 else torch.float32, a.out_dir, a.rasterizer)
    lit = sum(1 for v in r["torch_u8"].reshape(-1, 3) if v.any())
    rep = dict(psnr_db=min(r["psnr_db"], 99.0), identical=bool(r["max_abs_diff_255"] == 0), max_abs_diff_255=r["max_abs_diff_255"], mean_abs_diff_255=r["mean_abs_diff_255"],
               lit_pixels=lit, width=a.width, height=a.height, cnn=not a.no_cnn, rasterizer=a.rasterizer)
    print(json.dumps(rep))
    return 0 if r["psnr_db"] >= a.min_psnr else 1


if __name__ == "__main__":
    sys.exit(main())
