"""NPGA's image and smoothness terms on the fused CPU kernels (loss_cpu.cpp: loss and gradient in one pass), with
losses.py (autograd) as the fallback and the judge:

  photometric(pred, gt, lambda)  eq. 10: (1 - lambda) L1 + lambda (1 - SSIM), separable 11-tap windows
  laplacian(values, nbr)         eq. 11: mean_i ||v_i - mean_j v_nbr(i,j)||^2 on the kNN graph
"""
import torch

from . import build


class _Photometric(torch.autograd.Function):
    @staticmethod
    def forward(ctx, pred, gt, lambda_ssim):
        loss, grad = build("cpu").photometric_forward(pred, gt, float(lambda_ssim))
        ctx.save_for_backward(grad)
        return loss

    @staticmethod
    def backward(ctx, g):
        (grad,) = ctx.saved_tensors
        return grad * g, None, None


def photometric(pred, gt, lambda_ssim=0.2):
    """pred, gt [3,H,W] in [0,1] -> scalar loss; gradient to pred only. CPU: the fused kernel; elsewhere losses.photometric."""
    if pred.device.type == "cpu":
        return _Photometric.apply(pred, gt.detach(), lambda_ssim)
    from losses import photometric as reference
    return reference(pred, gt, lambda_ssim)


class _Laplacian(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, nbr):
        loss, grad = build("cpu").laplacian_forward(values, nbr)
        ctx.save_for_backward(grad)
        return loss

    @staticmethod
    def backward(ctx, g):
        (grad,) = ctx.saved_tensors
        return grad * g, None


def laplacian(values, nbr):
    """values [N,C], nbr [N,k] int64 -> scalar (NPGA eq. 11); gradient to values. CPU: the fused kernel."""
    if values.device.type == "cpu":
        return _Laplacian.apply(values, nbr)
    from losses import laplacian as reference
    return reference(values, nbr)
