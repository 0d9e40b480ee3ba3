"""Expression codes from real tracks (`npga track` JSONL) and their time split."""
import hashlib
import json
import os

import numpy as np

CLIPS = ["d0", "d3", "d6", "d9", "d14"]
HOLDOUT_FRACTION = 0.2


def load_track(path):
    z, t = [], []
    with open(path) as fh:
        for line in fh:
            r = json.loads(line)
            if r.get("face") and r.get("z_exp") is not None:
                z.append(r["z_exp"])
                t.append(r.get("time_s", len(t)))
    return np.asarray(z, np.float32), np.asarray(t, np.float64)


def load_codes(track_dir, clips=CLIPS, holdout=HOLDOUT_FRACTION):
    """Per clip: frames sorted by time, the first (1-holdout) for training, the last `holdout` held out.
    Returns (z_train [n,K], z_test [m,K], provenance dict)."""
    tr, te, prov = [], [], []
    for c in clips:
        p = os.path.join(track_dir, f"{c}.jsonl")
        z, t = load_track(p)
        order = np.argsort(t, kind="stable")
        z = z[order]
        n_tr = int(round(len(z) * (1.0 - holdout)))
        tr.append(z[:n_tr])
        te.append(z[n_tr:])
        prov.append(dict(clip=c, track=p, sha256=hashlib.sha256(open(p, "rb").read()).hexdigest(),
                         frames_with_face=int(len(z)), train=int(n_tr), held_out=int(len(z) - n_tr),
                         held_out_from_time_s=float(t[order][n_tr]) if n_tr < len(z) else None))
    return np.concatenate(tr), np.concatenate(te), prov
