"""Pinhole cameras of the C# runtime (src/Npga.Live.Core/Gaussians/Camera.cs) and the tracker's head poses.

Conventions (docs/architecture.md):
  * camera: OpenCV axes (x right, y down, z forward); a world point X (metres) maps to x_c = R X + t, then to
    pixels u = fx x_c/z_c + cx, v = fy y_c/z_c + cy; pixel centres at +0.5, origin at the top-left corner.
  * world = the canonical head frame when the head pose is folded into the camera (AvatarFrameRenderer):
    R' = R_cam R_head, t' = R_cam t_head + t_cam.
  * tracker (`npga track`): `rotation` R_gl and `translation` t_gl map the head frame to an OpenGL camera
    frame (x right, y up, looking along -z); OpenCV = D * OpenGL with D = diag(1, -1, -1), so the training
    camera of a frame is R = D R_gl, t = D t_gl, with the tracker's intrinsics (f = max(W, H), cx = W/2,
    cy = H/2 unless given) scaled to the training image size.
"""
from dataclasses import dataclass, field, replace

import numpy as np
import torch

GL_TO_CV = np.diag([1.0, -1.0, -1.0])


@dataclass
class Camera:
    """One view. R [3,3] world->camera rotation, t [3] metres, intrinsics in pixels of a width x height image."""
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    R: np.ndarray = field(default_factory=lambda: np.eye(3))
    t: np.ndarray = field(default_factory=lambda: np.zeros(3))
    near: float = 0.2

    def resized(self, width, height):
        """Camera.Resized of the C# runtime: focal lengths scale by height/self.height, the principal point keeps its
        (scaled) offset from the image centre; extrinsics unchanged."""
        s = height / self.height
        return replace(self, width=width, height=height, fx=self.fx * s, fy=self.fy * s,
                       cx=width / 2.0 + (self.cx - self.width / 2.0) * s, cy=height / 2.0 + (self.cy - self.height / 2.0) * s)

    def scaled(self, sx, sy, width, height):
        """The camera for the same view resampled to width x height (intrinsics scaled per axis, pixel-edge aligned)."""
        return replace(self, width=width, height=height, fx=self.fx * sx, fy=self.fy * sy, cx=self.cx * sx, cy=self.cy * sy)

    def with_object_pose(self, R_obj, t_obj):
        """Camera.WithObjectPose: rendering an object in its own frame with the result equals rendering it moved by
        x_world = R_obj x + t_obj with this camera."""
        R_obj, t_obj = np.asarray(R_obj, np.float64).reshape(3, 3), np.asarray(t_obj, np.float64).reshape(3)
        return replace(self, R=self.R @ R_obj, t=self.R @ t_obj + self.t)

    @property
    def centre(self):
        """Camera centre in world coordinates, -R^T t (metres)."""
        return -self.R.T @ self.t

    def to_json(self):
        """The manifest's `default_camera` object (R row-major)."""
        return dict(width=int(self.width), height=int(self.height), fx=float(self.fx), fy=float(self.fy), cx=float(self.cx),
                    cy=float(self.cy), R=[float(v) for v in np.asarray(self.R).ravel()], t=[float(v) for v in np.asarray(self.t).ravel()])

    @staticmethod
    def from_json(d):
        return Camera(int(d["width"]), int(d["height"]), float(d["fx"]), float(d["fy"]), float(d["cx"]), float(d["cy"]),
                      np.asarray(d["R"], np.float64).reshape(3, 3), np.asarray(d["t"], np.float64).reshape(3))

    def torch_extrinsics(self, dtype=torch.float32, device="cpu"):
        return (torch.tensor(np.asarray(self.R), dtype=dtype, device=device),
                torch.tensor(np.asarray(self.t), dtype=dtype, device=device))


def camera_from_track(rec, video_w, video_h, out_w, out_h):
    """The training camera of one tracked frame (world = canonical head frame), resampled to out_w x out_h.

    rec: one line of `npga track` (needs `rotation` [9] row-major, `translation` [3], `intrinsics` [fx, fy, cx, cy]);
    intrinsics missing -> f = max(W, H), cx = W/2, cy = H/2 (the tracker's own assumption)."""
    f0 = float(max(video_w, video_h))
    fx, fy, cx, cy = [float(v) for v in (rec.get("intrinsics") or (f0, f0, video_w / 2.0, video_h / 2.0))]
    R = GL_TO_CV @ np.asarray(rec["rotation"], np.float64).reshape(3, 3)
    t = GL_TO_CV @ np.asarray(rec["translation"], np.float64).reshape(3)
    cam = Camera(video_w, video_h, fx, fy, cx, cy, R, t)
    return cam.scaled(out_w / video_w, out_h / video_h, out_w, out_h)


def rotation_angle_deg(Ra, Rb):
    """The angle of Ra Rb^T (degrees, 0..180): how far apart two rotations are."""
    c = (np.trace(np.asarray(Ra) @ np.asarray(Rb).T) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def central_view(cams, percentile=95.0):
    """The view a trained avatar is shown from, and how far it may turn: the camera (head pose folded in) whose rotation is
    nearest the chordal L2 mean of all `cams`' rotations (the projection of their sum onto SO(3)), and the `percentile`
    of the angles between every camera's rotation and that one's (degrees; the manifest's `view_range_deg`).
    Returns (index into cams, range_deg)."""
    Rs = np.stack([np.asarray(c.R, np.float64) for c in cams])
    U, _, Vt = np.linalg.svd(Rs.sum(0))
    mean = U @ np.diag([1.0, 1.0, np.sign(np.linalg.det(U @ Vt))]) @ Vt
    i = int(np.argmin([rotation_angle_deg(R, mean) for R in Rs]))
    spread = [rotation_angle_deg(R, Rs[i]) for R in Rs]
    return i, max(float(np.percentile(spread, percentile)), 1.0)
