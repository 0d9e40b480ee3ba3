"""Gaussian splatting on the fused kernels (splat_cpu.cpp, math in splat_math.h) behind a thin autograd
wrapper with the dense rasteriser's interface (rasterizer.py, the judge: same projection, same tile rules, same
compositing constants).

    from kernels.splat import render, project, rasterize        # same signatures as rasterizer.py
"""
import torch

from . import build


def _cam_args(cam):
    R = torch.as_tensor(cam.R, dtype=torch.float64).reshape(3, 3)
    t = torch.as_tensor(cam.t, dtype=torch.float64).reshape(3)
    return R, t, float(cam.fx), float(cam.fy), float(cam.cx), float(cam.cy), int(cam.width), int(cam.height), float(cam.near)


class _Project(torch.autograd.Function):
    @staticmethod
    def forward(ctx, means, quats, log_scales, logits, sh, cam):
        ext = build(means.device)
        args = _cam_args(cam)
        uv, depth, conic, opacity, colour, radius, rect, valid = ext.project_forward(means, quats, log_scales, logits, sh, *args)
        ctx.save_for_backward(means, quats, log_scales, logits, sh, valid)
        ctx.cam_args = args
        ctx.mark_non_differentiable(depth, radius, rect, valid)
        return uv, depth, conic, opacity, colour, radius, rect, valid

    @staticmethod
    def backward(ctx, g_uv, g_depth, g_conic, g_opacity, g_colour, g_radius, g_rect, g_valid):
        means, quats, log_scales, logits, sh, valid = ctx.saved_tensors
        n = means.shape[0]
        z = lambda g, shape: g if g is not None else means.new_zeros(shape)
        grads = build(means.device).project_backward(means, quats, log_scales, logits, sh, *ctx.cam_args, valid,
                                                     z(g_uv, (n, 2)), z(g_conic, (n, 3)), z(g_opacity, (n,)), z(g_colour, (n, 3)))
        return (*grads, None)


class _Rasterize(torch.autograd.Function):
    @staticmethod
    def forward(ctx, uv, conic, opacity, features, depth, rect, valid, width, height, background):
        ext = build(uv.device)
        image, tfinal, offsets, lists, last = ext.rasterize_forward(uv, conic, opacity, features, depth, rect, valid, width,
                                                                    height, background)
        ctx.save_for_backward(uv, conic, opacity, features, background, offsets, lists, last, tfinal)
        return image, tfinal

    @staticmethod
    def backward(ctx, g_image, g_tfinal):
        uv, conic, opacity, features, background, offsets, lists, last, tfinal = ctx.saved_tensors
        if g_image is None:
            g_image = torch.zeros((features.shape[1],) + tuple(tfinal.shape), dtype=uv.dtype, device=uv.device)
        d_uv, d_conic, d_op, d_feat = build(uv.device).rasterize_backward(uv, conic, opacity, features, background, offsets,
                                                                          lists, last, tfinal, g_image, g_tfinal)
        return d_uv, d_conic, d_op, d_feat, None, None, None, None, None, None


def project(means, quats, log_scales, opacity_logits, sh, cam):
    """rasterizer.project on the fused kernel: the same dict (uv [N,2] px, depth [N] m, conic [N,3], opacity [N],
    colour [N,3], radius [N], rect [N,4] int32 tiles, valid [N] bool). Gradients flow to every input through uv, conic,
    opacity and colour (not through depth, radius, rect, valid)."""
    uv, depth, conic, opacity, colour, radius, rect, valid = _Project.apply(means, quats, log_scales, opacity_logits, sh, cam)
    return dict(uv=uv, depth=depth, conic=conic, opacity=opacity, colour=colour, radius=radius, rect=rect, valid=valid)


def rasterize(proj, features, cam, background, max_elems=None):
    """rasterizer.rasterize on the fused kernel: features [N,3+L] (None: the projected colour) -> (image [3+L,H,W],
    final transmittance [H,W]); background added to the colour channels. max_elems is accepted and ignored."""
    feats = proj["colour"] if features is None else features
    bg = torch.as_tensor(background, dtype=feats.dtype).reshape(3).to(feats.device)
    return _Rasterize.apply(proj["uv"], proj["conic"], proj["opacity"], feats.contiguous(), proj["depth"], proj["rect"],
                            proj["valid"], int(cam.width), int(cam.height), bg)


def render(means, quats, log_scales, opacity_logits, sh, cam, background=(0.0, 0.0, 0.0), latents=None, max_elems=None):
    """rasterizer.render on the fused kernels: (image [3+L,H,W], proj dict with 'transmittance' [H,W])."""
    proj = project(means, quats, log_scales, opacity_logits, sh, cam)
    feats = None if latents is None or latents.shape[1] == 0 else torch.cat([proj["colour"], latents], 1)
    img, tfin = rasterize(proj, feats, cam, background)
    proj["transmittance"] = tfin
    return img, proj
