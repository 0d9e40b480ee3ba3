"""Photometric fitting of a frame's code and head pose against the frame, with the avatar frozen (analysis by synthesis,
as photometric face trackers refine FLAME's parameters).

The tracker's head pose R, t comes from FaceMesh landmarks and a perspective PnP fit of the expression model's mesh; seen
by a trained avatar it is off by 1-5 degrees and 1-8 mm, smoothly along the clip (fit_codes.py, docs/TRAINING.md). Used
twice: by fit_codes.py, to measure how much of an avatar's error the tracked code and pose cost, and by the trainer
(--fit-poses-at), which fits the train frames' poses once with the avatar it has so far and trains on with the corrected
cameras: an avatar whose frames agree on where the head is averages less over misalignment.

A pose correction is a rotation vector w [3] (radians) about a fixed centre c [3] and a shift s [3] (metres), in the
avatar's head frame: posed means mu' = c + R(w)(mu - c) + s, rotations q' = q(w) (x) q. Seen by a camera x = R mu' + t it is
the camera R' = R R(w), t' = t + R (c - R(w) c + s) (corrected_camera).
"""
import dataclasses

import numpy as np
import torch

from kernels.loss import photometric as fused_photometric
from model import quat_mul


def rotvec_quat(w):
    """Rotation vector [3] (radians) -> unit quaternion (w, x, y, z) [4]; smooth at 0."""
    th = torch.sqrt((w * w).sum() + 1e-12)
    return torch.cat([torch.cos(th / 2)[None], w * (torch.sin(th / 2) / th)])


def turn_head(posed, rotvec, shift, centre):
    """A posed avatar (model.compose's dict) turned rigidly by rotvec [3] about centre [3] and moved by shift [3] (see the
    module notes). Means and rotations move; SH coefficients stay (a turn of a few degrees)."""
    q = rotvec_quat(rotvec)
    w, v = q[0], q[1:]
    p = posed["mu"] - centre
    vp = torch.cross(v.expand_as(p), p, dim=1)  # Rodrigues through the quaternion: p' = p + 2w (v x p) + 2 v x (v x p)
    return dict(posed, mu=centre + p + 2 * w * vp + 2 * torch.cross(v.expand_as(p), vp, dim=1) + shift,
                rot=quat_mul(q.expand_as(posed["rot"]), posed["rot"]))


def render(model, z, cam, render_fn, pose=None, centre=None, max_elems=1 << 23):
    """Final image [3,H,W] (the CNN's when the model has one) for code z [C] seen by cam, the head turned by pose = (w, s)
    when given; background black. render_fn is the splatting function (train.RENDER[0])."""
    posed, _, _ = model.pose(z)
    if pose is not None:
        posed = turn_head(posed, pose[0], pose[1], centre)
    lat = posed["latent"] if model.cnn is not None and model.latent_dim > 0 else None
    raw, _ = render_fn(posed["mu"], posed["rot"], posed["log_scale"], posed["opacity"], posed["sh"], cam, (0.0, 0.0, 0.0), lat,
                       max_elems=max_elems)
    return model.cnn(raw[None])[0] if model.cnn is not None else raw[:3]


def fit_frame(model, z0, cam, gt, render_fn, centre, iters=40, lr_code=0.05, pose=True, max_elems=1 << 23):
    """Fits the code (from z0 [C]) and, with pose, a head-pose correction to the frame gt [3,H,W] (composited on black) by
    Adam on the training loss ((1 - 0.2) L1 + 0.2 (1 - SSIM)); the model's parameters must not require gradients.
    Returns (z [C], w [3] radians, s [3] metres) detached (w, s zero without pose)."""
    z = z0.detach().clone().requires_grad_(True)
    w = torch.zeros(3, device=z0.device, requires_grad=pose)
    s = torch.zeros(3, device=z0.device, requires_grad=pose)
    groups = [dict(params=[z], lr=lr_code)] + ([dict(params=[w], lr=2e-3), dict(params=[s], lr=5e-4)] if pose else [])
    opt = torch.optim.Adam(groups)
    for _ in range(iters):
        opt.zero_grad()
        img = render(model, z, cam, render_fn, (w, s) if pose else None, centre, max_elems)
        fused_photometric(img, gt).backward()
        opt.step()
    return z.detach(), w.detach(), s.detach()


def rodrigues(w):
    """Rotation vector [3] (numpy, radians) -> rotation matrix [3,3]."""
    th = float(np.linalg.norm(w))
    if th < 1e-12:
        return np.eye(3)
    k = np.asarray(w, np.float64) / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * K + (1 - np.cos(th)) * K @ K


def corrected_camera(cam, w, s, centre):
    """The camera (camera.Camera) that sees the uncorrected avatar as cam sees it turned by (w, s) about centre (numpy)."""
    Rd = rodrigues(w)
    R = np.asarray(cam.R, np.float64)
    c = np.asarray(centre, np.float64)
    return dataclasses.replace(cam, R=R @ Rd, t=np.asarray(cam.t, np.float64) + R @ (c - Rd @ c + np.asarray(s, np.float64)))


def interpolate(frames_fitted, rows, frames_all):
    """Per frame of frames_all, the corrections rows [F,6] (w, s) of the fitted frames frames_fitted [F] (frame numbers,
    increasing) interpolated linearly in the frame number (held at the ends) -> [len(frames_all), 6]."""
    rows = np.asarray(rows, np.float64)
    return np.stack([np.interp(frames_all, frames_fitted, rows[:, k]) for k in range(rows.shape[1])], 1)
