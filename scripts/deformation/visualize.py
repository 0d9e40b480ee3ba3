"""Visual sanity check of F: canonical mesh vertices displaced by F vs the expression model's own posed
mesh, for a few held-out codes (most mouth-open, most closed/crossing lips, median). Writes a PNG (numpy
+ zlib, no matplotlib) and prints per-region numbers.

  /usr/bin/python3 scripts/deformation/visualize.py --ckpt models/deformation/mp468-prior-v1/checkpoint.pt --png out.png

Per row (one code): front view (x right = avatar's left, y up), side view (z to the right, y up), and a
zoomed front view of the mouth. Grey: posed mesh edges (C + Bz); red: posed vertices; green: C + F(C);
light blue: canonical vertices C; black: the error vector from C + Bz to C + F(C).
"""
import argparse
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backward import ExpressionMesh  # noqa: E402
from prior_model import FeatureField, PriorMLP  # noqa: E402
from sampling import INNER_LIPS, LIPS, LEFT_EYE, RIGHT_EYE  # noqa: E402
from tracks import load_codes  # noqa: E402


def write_png(path, img):
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].astype(np.uint8).tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


class Canvas:
    def __init__(self, w, h):
        self.img = np.full((h, w, 3), 255, np.uint8)

    def dot(self, x, y, col, r=1):
        h, w, _ = self.img.shape
        for px, py in zip(np.round(x).astype(int), np.round(y).astype(int)):
            if not (0 <= px < w and 0 <= py < h):
                continue
            self.img[max(0, py - r):min(h, py + r + 1), max(0, px - r):min(w, px + r + 1)] = col

    def line(self, x0, y0, x1, y1, col):
        for a, b, c, d in zip(x0, y0, x1, y1):
            n = int(max(abs(c - a), abs(d - b))) + 1
            t = np.linspace(0, 1, n)
            self.dot(a + (c - a) * t, b + (d - b) * t, col, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--tracks", default="/tmp/prior")
    ap.add_argument("--png", required=True)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    ck = torch.load(args.ckpt)
    a = ck["args"]
    mesh = ExpressionMesh()
    field = FeatureField(a["feature_dim"], a["resolution"])
    field.load_state_dict(ck["field"])
    net = PriorMLP(a["feature_dim"], mesh.K, a["hidden"], a["layers"], a["act"])
    net.load_state_dict(ck["net"])
    _, z_te, _ = load_codes(args.tracks)
    Vall = mesh.posed_vertices(torch.tensor(z_te))
    gap = (Vall[:, 13, 1] - Vall[:, 14, 1]).numpy()
    picks = [("most mouth-open held-out code", int(np.argmax(gap))), ("median-gap held-out code", int(np.argsort(gap)[len(gap) // 2])),
             ("most closed held-out code (lips crossing)", int(np.argmin(gap)))]
    C = mesh.C.numpy()
    T = mesh.T.numpy()
    E = np.unique(np.sort(np.concatenate([T[:, [0, 1]], T[:, [1, 2]], T[:, [2, 0]]]), 1), axis=0)
    S, W, H = 2200.0, 380, 420  # pixels per metre, panel size
    canvas = Canvas(3 * W, len(picks) * H)
    report = []
    with torch.no_grad():
        featC = field(mesh.C)
        for row, (label, i) in enumerate(picks):
            z = torch.tensor(z_te[i])[None]
            Vp = mesh.posed_vertices(z)[0].numpy()
            Vf = (mesh.C + net(mesh.C, featC, z)).numpy()
            err = np.linalg.norm(Vf - Vp, axis=1) * 1e3
            disp = np.linalg.norm(Vp - C, axis=1) * 1e3
            regions = dict(all=slice(None), lips=LIPS, inner_lips=INNER_LIPS, eyes=RIGHT_EYE + LEFT_EYE)
            rep = dict(label=label, held_out_index=i, lip_gap_mm=float(gap[i] * 1e3), z0=float(z_te[i, 0]))
            for k, r in regions.items():
                rep[k] = dict(mean_err_mm=float(err[r].mean()), max_err_mm=float(err[r].max()), mean_displacement_mm=float(disp[r].mean()))
            report.append(rep)
            print(f"{label} (held-out #{i}, z0 = {z_te[i, 0]:+.2f}, lip gap {gap[i] * 1e3:.1f} mm): "
                  + "; ".join(f"{k}: |C+F - (C+Bz)| mean {v['mean_err_mm']:.2f} max {v['max_err_mm']:.2f} mm "
                              f"(displacement mean {v['mean_displacement_mm']:.2f})" for k, v in rep.items() if isinstance(v, dict)))
            oy = row * H
            views = [((0, 1), (W / 2, oy + H / 2 + 10), S, None), ((2, 1), (W + W / 2 - 0.085 * S, oy + H / 2 + 10), S, None),
                     ((0, 1), (2 * W + W / 2, oy + H / 2), S * 2.6, C[INNER_LIPS].mean(0))]
            for k, ((ax, ay), (cx, cy), s, c0) in enumerate(views):
                c0 = np.zeros(3) if c0 is None else c0
                def P(V, cx=cx, cy=cy, s=s, c0=c0, ax=ax, ay=ay, k=k):  # clipped to the panel
                    x, y = cx + (V[:, ax] - c0[ax]) * s, cy - (V[:, ay] - c0[ay]) * s
                    bad = (x < k * W + 1) | (x >= (k + 1) * W - 1) | (y < oy + 1) | (y >= oy + H - 1)
                    return np.where(bad, -1e9, x), np.where(bad, -1e9, y)
                x0, y0 = P(Vp[E[:, 0]])
                x1, y1 = P(Vp[E[:, 1]])
                keep = (x0 > -1e8) & (x1 > -1e8)
                x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
                canvas.line(x0, y0, x1, y1, (205, 205, 205))
                canvas.dot(*P(C), (150, 190, 255), 1)
                canvas.dot(*P(Vp), (220, 30, 30), 2 if s > S else 1)
                (ax_, ay_), (bx_, by_) = P(Vp), P(Vf)
                keep = (ax_ > -1e8) & (bx_ > -1e8)
                canvas.line(ax_[keep], ay_[keep], bx_[keep], by_[keep], (0, 0, 0))
                canvas.dot(*P(Vf), (0, 170, 0), 1)
            canvas.img[oy:oy + 1, :] = 0
        canvas.img[:, W:W + 1] = 0
        canvas.img[:, 2 * W:2 * W + 1] = 0
    write_png(args.png, canvas.img)
    print(f"wrote {args.png}")
    if args.json:
        json.dump(report, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
