#!/usr/bin/python3
"""Builds the project's expression model (format npga-expression/1) from real landmark tracks.

Input: tracks.jsonl files written by `npga track --no-expression` (468 MediaPipe landmarks per frame,
image pixels), one file per person/clip. Output: models/expression/<id>/expression_model.json and
README.md (provenance, explained variance, what each component does).

Method
1. Landmarks are flipped to a right-handed frame (x, -y, -z): x right, y up, z towards the camera.
2. Per clip, generalised Procrustes analysis (similarity, Horn/Umeyama) aligns all frames; the clip's
   neutral is the per-landmark median of its aligned frames. Alignment is redone on the "stable"
   landmarks (lowest expression variance) once those are known.
3. The canonical shape C is the mean of the clips' neutrals, placed in the canonical head frame
   (docs/architecture.md): +x from the right to the left outer eye corner, +y from chin to forehead
   (orthogonalised), +z = x × y out of the face; metres, with the outer eye corners 89 mm apart
   (adult mean exocanthion distance, Farkas' anthropometric tables: ~87-91 mm); origin 85 mm behind and 20 mm below
   the eye-corner midpoint, i.e. near the head's centre.
4. Expression residuals (aligned frame minus its own clip's neutral: identity removed) of all clips,
   each clip weighted equally, go through PCA. K is the smallest number of components explaining
   at least --variance of the residual variance. Basis vectors are scaled by the component standard
   deviation so that z_exp has unit variance; the ridge weight is the probabilistic-PCA noise
   variance (mean variance of the discarded components per coordinate).
5. Triangulation: Delaunay triangulation of MediaPipe's UV layout (UV468 from @vladmandic/human),
   with triangles inside the eye openings and the inner-lip contour removed, and long boundary
   slivers dropped.
"""
import argparse, datetime, json, os, re, sys
import numpy as np
from scipy.spatial import Delaunay

N = 468
R_EYE_OUT, L_EYE_OUT, FOREHEAD, CHIN = 33, 263, 10, 152
INNER_LIPS = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95]
RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7]
LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249]
EYE_CORNER_DISTANCE_M = 0.089


def load_tracks(path):
    frames = []
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            if o.get("face") and o.get("landmarks_px"):
                p = np.asarray(o["landmarks_px"], dtype=np.float64)
                if p.shape == (N, 3) and np.isfinite(p).all():
                    frames.append(p * np.array([1.0, -1.0, -1.0]))
    return np.stack(frames) if frames else np.zeros((0, N, 3))


def similarity(x, y, idx):
    """s, R, t minimising sum |y - (s R x + t)|^2 over idx (Umeyama 1991)."""
    xs, ys = x[idx], y[idx]
    mx, my = xs.mean(0), ys.mean(0)
    a, b = xs - mx, ys - my
    u, d, vt = np.linalg.svd(b.T @ a)
    sgn = np.sign(np.linalg.det(u @ vt))
    e = np.diag([1.0, 1.0, sgn])
    r = u @ e @ vt
    s = np.trace(np.diag(d) @ e) / (a * a).sum()
    return s, r, my - s * r @ mx


def align_to(ref, shapes, idx):
    """Each shape mapped onto ref by the inverse similarity fitted on idx."""
    out = np.empty_like(shapes)
    for i, y in enumerate(shapes):
        s, r, t = similarity(ref, y, idx)       # y ~ s R ref + t
        out[i] = ((y - t) @ r) / s              # back into ref's frame
    return out


def gpa(shapes, idx, iters=4):
    ref = shapes[0]
    for _ in range(iters):
        aligned = align_to(ref, shapes, idx)
        ref = aligned.mean(0)
    return aligned


def canonical_frame(shape):
    x = shape[L_EYE_OUT] - shape[R_EYE_OUT]
    scale = EYE_CORNER_DISTANCE_M / np.linalg.norm(x)
    x /= np.linalg.norm(x)
    y = shape[FOREHEAD] - shape[CHIN]
    y -= x * (x @ y)
    y /= np.linalg.norm(y)
    z = np.cross(x, y)
    rot = np.stack([x, y, z])                   # rows: canonical axes in the input frame
    mid = 0.5 * (shape[L_EYE_OUT] + shape[R_EYE_OUT])
    origin_offset = np.array([0.0, -0.020, -0.085])
    def apply(p):
        return ((p - mid) @ rot.T) * scale - origin_offset
    return apply




def point_in_polygon(p, poly):
    inside = False
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        if (a[1] > p[1]) != (b[1] > p[1]):
            x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if p[0] < x:
                inside = not inside
    return inside


# Upper and lower rims of the openings (corners excluded): in MediaPipe's UV layout the mouth is closed, so the
# inner-lip polygon is degenerate there and a centroid test misses triangles that bridge the lips.
UPPER_LIP = [191, 80, 81, 82, 13, 312, 311, 310, 415]
LOWER_LIP = [95, 88, 178, 87, 14, 317, 402, 318, 324]
RIGHT_UPPER_LID = [246, 161, 160, 159, 158, 157, 173]
RIGHT_LOWER_LID = [7, 163, 144, 145, 153, 154, 155]
LEFT_UPPER_LID = [466, 388, 387, 386, 385, 384, 398]
LEFT_LOWER_LID = [249, 390, 373, 374, 380, 381, 382]


def bridges(t):
    """True when a triangle joins the upper and the lower rim of the mouth or of an eye."""
    s = set(int(v) for v in t)
    return any(s & set(up) and s & set(lo) for up, lo in
               ((UPPER_LIP, LOWER_LIP), (RIGHT_UPPER_LID, RIGHT_LOWER_LID), (LEFT_UPPER_LID, LEFT_LOWER_LID)))


# The row of the lower lip just below its inner rim (MediaPipe's "lower semi-inner" lip), index-matched to LOWER_LIP.
LOWER_LIP_BELOW = [96, 89, 179, 86, 15, 316, 403, 319, 325]


def open_mouth(uv):
    """UV with the lower inner lip moved halfway towards the row below it. In MediaPipe's layout the inner rims of the
    lips lie 0.003 apart while the next lower row is 0.009 away, so a plain Delaunay joins the upper inner rim straight
    to that row: the triangles span the mouth opening and the lower inner rim is left in no triangle (the lower lip of
    an avatar sampled on the mesh then reaches into its open mouth). Opened this way, the rims are joined only by
    triangles that bridges() removes, and the lower inner rim is joined to the lower lip."""
    out = uv.copy()
    for a, b in zip(LOWER_LIP, LOWER_LIP_BELOW):
        out[a, 1] = 0.5 * (uv[a, 1] + uv[b, 1])
    return out


def build_triangles(uv):
    uv = open_mouth(uv)
    tri = Delaunay(uv).simplices
    holes = [RIGHT_EYE, LEFT_EYE, INNER_LIPS]
    edge = lambda a, b: np.linalg.norm(uv[a] - uv[b])
    lengths = np.array([max(edge(t[0], t[1]), edge(t[1], t[2]), edge(t[2], t[0])) for t in tri])
    limit = 4.0 * np.median(lengths)
    keep = []
    for t, longest in zip(tri, lengths):
        c = uv[t].mean(0)
        if any(point_in_polygon(c, uv[h]) for h in holes) or bridges(t):
            continue                            # inside or across an eye opening or the mouth
        if longest > limit:
            continue                            # sliver across the concave outline
        # orient counter-clockwise in UV (u right, v down => front-facing normals point out of the face)
        a, b, cc = uv[t[0]], uv[t[1]], uv[t[2]]
        cross = (b[0] - a[0]) * (cc[1] - a[1]) - (b[1] - a[1]) * (cc[0] - a[0])
        keep.append([int(t[0]), int(t[2]), int(t[1])] if cross > 0 else [int(t[0]), int(t[1]), int(t[2])])
    return keep


def measures(p):
    """Scale-free measures (as FaceMeasures.cs), from landmarks [F, 468, 3] in a y-up frame."""
    d = lambda a, b: np.linalg.norm(p[:, a, :2] - p[:, b, :2], axis=1)
    iod = d(R_EYE_OUT, L_EYE_OUT)
    mid = lambda a, b: 0.5 * (p[:, a, :2] + p[:, b, :2])
    brow = 0.5 * (np.linalg.norm(p[:, 105, :2] - mid(33, 133), axis=1) + np.linalg.norm(p[:, 334, :2] - mid(263, 362), axis=1))
    return {
        "mouth_open": d(13, 14) / iod,
        "eye_open": 0.5 * (d(159, 145) + d(386, 374)) / iod,
        "brow_raise": brow / iod,
        "mouth_width": d(61, 291) / iod,
    }


def read_uv(human_dir):
    src = open(os.path.join(human_dir, "src", "face", "facemeshcoords.ts")).read()
    body = src[src.index("export const UV468"):]
    body = body[body.index("= [") + 2: body.index("];") + 1]
    nums = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|-?\d+", body)]
    uv = np.asarray(nums, dtype=np.float64).reshape(-1, 2)
    assert uv.shape == (N, 2), uv.shape
    return uv


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tracks", nargs="+", help="tracks.jsonl files, one per person/clip (name=path to set the clip name)")
    ap.add_argument("--id", default="mp468-pca-v1")
    ap.add_argument("--out", default="models/expression")
    ap.add_argument("--variance", type=float, default=0.99, help="share of residual variance K must explain")
    ap.add_argument("--max-k", type=int, default=32)
    ap.add_argument("--stable-share", type=float, default=0.25, help="share of landmarks used for the pose fit")
    ap.add_argument("--human", default="node_modules/@vladmandic/human")
    args = ap.parse_args()

    clips = []
    for spec in args.tracks:
        name, path = spec.split("=", 1) if "=" in spec else (os.path.splitext(os.path.basename(spec))[0], spec)
        shapes = load_tracks(path)
        if len(shapes) < 10:
            sys.exit(f"{path}: only {len(shapes)} frames with a face")
        clips.append((name, path, shapes))
        print(f"{name}: {len(shapes)} frames with a face", file=sys.stderr)

    every = np.arange(N)
    # Pass 1: align on all landmarks, find the stable ones from the expression variance.
    stable = every
    for it in range(2):
        per_clip = []
        for name, path, shapes in clips:
            aligned = gpa(shapes, stable)
            scale = np.linalg.norm(aligned.mean(0)[L_EYE_OUT] - aligned.mean(0)[R_EYE_OUT])
            aligned = aligned / scale                              # eye-corner distance 1
            neutral = np.median(aligned, axis=0)
            per_clip.append((aligned, neutral))
        var = np.zeros(N)
        for aligned, neutral in per_clip:
            var += ((aligned - neutral) ** 2).sum(2).mean(0) / len(per_clip)
        stable = np.argsort(var)[: int(args.stable_share * N)]

    neutrals = np.stack([n for _, n in per_clip])
    neutrals = gpa(neutrals, stable)
    mean_neutral = neutrals.mean(0)
    to_canon = canonical_frame(mean_neutral)
    canonical = to_canon(mean_neutral)

    residuals, weights, owner, raw_all = [], [], [], []
    for ci, ((aligned, neutral), (name, path, shapes)) in enumerate(zip(per_clip, clips)):
        # neutral of this clip onto the mean neutral (stable points), then the same map for its frames
        s, r, t = similarity(mean_neutral, neutral, stable)
        frames_in_mean = ((aligned - t) @ r) / s
        neutral_in_mean = ((neutral - t) @ r) / s
        canon_frames = to_canon(frames_in_mean)
        d = canon_frames - to_canon(neutral_in_mean)
        residuals.append(d.reshape(len(d), -1))
        weights.append(np.full(len(d), 1.0 / len(d)))
        owner += [ci] * len(d)
        neutral_canon = to_canon(neutral_in_mean)[None]
        raw_all.append((canon_frames, neutral_canon))
    D = np.concatenate(residuals)
    w = np.concatenate(weights)
    w /= w.sum()
    mean_res = (D * w[:, None]).sum(0)
    Dc = (D - mean_res) * np.sqrt(w)[:, None]
    _, sv, vt = np.linalg.svd(Dc, full_matrices=False)
    eig = sv ** 2
    ratio = np.cumsum(eig) / eig.sum()
    K = int(min(args.max_k, np.searchsorted(ratio, args.variance) + 1))
    std = np.sqrt(eig[:K])
    basis = vt[:K] * std[:, None]                                   # metres per unit z
    noise_var = eig[K:].sum() / D.shape[1]                          # PPCA noise per coordinate (m^2)

    # Component scores of every frame and their relation to the expression measures.
    scores = (D - mean_res) @ vt[:K].T / std
    # Measures on the pose-normalised shapes (canonical frame, x-y plane) minus the same measure on the
    # clip's neutral: the expression part that z_exp is meant to carry, without identity.
    meas = {k: np.concatenate([measures(f)[k] - measures(n)[k] for f, n in raw_all]) for k in ("mouth_open", "eye_open", "brow_raise", "mouth_width")}
    semantics = {}
    for k, m in meas.items():
        c = np.array([np.corrcoef(scores[:, j], m)[0, 1] for j in range(K)])
        order = np.argsort(-np.abs(c))[:3]
        fit = np.linalg.lstsq(np.c_[scores, np.ones(len(m))], m, rcond=None)[0]
        pred = np.c_[scores, np.ones(len(m))] @ fit
        semantics[k] = {
            "top_components": [{"k": int(j), "correlation": round(float(c[j]), 3)} for j in order],
            "r2_all_components": round(float(1 - ((m - pred) ** 2).sum() / ((m - m.mean()) ** 2).sum()), 3),
        }

    uv = read_uv(args.human)
    triangles = build_triangles(uv)

    out_dir = os.path.join(args.out, args.id)
    os.makedirs(out_dir, exist_ok=True)
    r6 = lambda a: [round(float(v), 7) for v in a]
    model = {
        "format": "npga-expression/1",
        "id": args.id,
        "K": K,
        "units": "metres",
        "frame": "canonical head frame: right-handed, +y up, +z out of the face, +x to the face's left; origin near the head's centre",
        "landmarks": "MediaPipe FaceMesh 468",
        "canonical": [r6(p) for p in canonical],
        "basis": [r6(b) for b in basis],
        "stable_indices": sorted(int(i) for i in stable),
        "triangles": triangles,
        "regularization": float(noise_var),
        "explained_variance_ratio": r6(eig[:K] / eig.sum()),
        "explained_variance_cumulative": round(float(ratio[K - 1]), 4),
        "component_semantics": semantics,
        "provenance": {
            "built_by": "scripts/expression/build_expression_model.py",
            "built_on": datetime.date.today().isoformat(),
            "tracks": [{"clip": n, "file": os.path.basename(p), "frames": int(len(s))} for n, p, s in clips],
            "source_footage": "../shared/data/driving (KwaiVGI/LivePortrait example assets, MIT)",
            "landmark_model": "MediaPipe FaceMesh via @vladmandic/human 3.3.6 (Apache-2.0)",
            "eye_corner_distance_m": EYE_CORNER_DISTANCE_M,
            "variance_threshold": args.variance,
        },
    }
    with open(os.path.join(out_dir, "expression_model.json"), "w") as f:
        json.dump(model, f, separators=(",", ":"))
    print(json.dumps({"K": K, "explained": round(float(ratio[K - 1]), 4), "ratios": r6(eig[:12] / eig.sum()),
                      "noise_var_m2": noise_var, "triangles": len(triangles), "stable": len(stable),
                      "semantics": semantics}, indent=1))


if __name__ == "__main__":
    main()
