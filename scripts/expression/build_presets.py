#!/usr/bin/python3
"""Builds models/expression/<id>/presets.json: the four corner expressions of the live page's expression pad.

Input: tracks of real driving clips (`npga track --out X.jsonl`, one JSON object per frame with landmarks_px
(468 x 3 pixels), z_exp (K floats, relative to the stream's running neutral) and expression_model).
Per frame the scale-free measures of src/Npga.Live.Tracking/Landmarks/FaceMeasures.cs (distances / outer eye-corner
distance) are taken relative to the clip's median; then, pooled over clips:
  neutral    = 0 (the model's neutral),
  smile      = median z_exp of the 5% widest-mouth frames among frames whose mouth is not open (below its clip median + 0.02),
  open mouth = median z_exp of the 5% most open-mouthed frames,
  surprise   = median z_exp of the 5% highest-brow frames.
Usage: build_presets.py OUT.json TRACKS.jsonl [TRACKS.jsonl ...]
"""
import json
import sys

import numpy as np

EYE_R_OUT, EYE_L_OUT, EYE_R_IN, EYE_L_IN = 33, 263, 133, 362
LIP_UP, LIP_LO, MOUTH_R, MOUTH_L, BROW_R, BROW_L = 13, 14, 61, 291, 105, 334


def measures(lm):
    """lm: (468, 3) pixels -> (mouth_open, brow_raise, mouth_width), each / eye-corner distance."""
    p = lm[:, :2]
    iod = max(np.linalg.norm(p[EYE_R_OUT] - p[EYE_L_OUT]), 1e-6)
    mouth = np.linalg.norm(p[LIP_UP] - p[LIP_LO])
    brow = 0.5 * (np.linalg.norm(p[BROW_R] - 0.5 * (p[EYE_R_OUT] + p[EYE_R_IN]))
                  + np.linalg.norm(p[BROW_L] - 0.5 * (p[EYE_L_OUT] + p[EYE_L_IN])))
    width = np.linalg.norm(p[MOUTH_R] - p[MOUTH_L])
    return mouth / iod, brow / iod, width / iod


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    zs, ms, model = [], [], None
    for path in paths:
        clip_z, clip_m = [], []
        for line in open(path):
            r = json.loads(line)
            if not r.get("face") or r.get("z_exp") is None:
                continue
            model = model or r["expression_model"]
            clip_z.append(r["z_exp"])
            clip_m.append(measures(np.asarray(r["landmarks_px"], dtype=np.float64)))
        clip_m = np.asarray(clip_m)
        zs.append(np.asarray(clip_z))
        ms.append(clip_m - np.median(clip_m, axis=0))
    z, m = np.concatenate(zs), np.concatenate(ms)
    mouth, brow, width = m[:, 0], m[:, 1], m[:, 2]

    def top(values, mask=None, share=0.05):
        idx = np.flatnonzero(np.ones(len(values), bool) if mask is None else mask)
        k = max(1, int(round(share * len(idx))))
        return np.median(z[idx[np.argsort(values[idx])[-k:]]], axis=0)

    presets = [
        ("neutral", np.zeros(z.shape[1])),
        ("smile", top(width, mouth < 0.02)),
        ("open mouth", top(mouth)),
        ("surprise", top(brow)),
    ]
    doc = {
        "expression_model": model,
        "source": "scripts/expression/build_presets.py over tracks of " + ", ".join(p.split("/")[-1] for p in paths),
        "presets": [{"name": n, "z": [round(float(v), 5) for v in c]} for n, c in presets],
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    for n, c in presets:
        print(f"{n:10s} |z| = {np.linalg.norm(c):.2f}")


if __name__ == "__main__":
    main()
