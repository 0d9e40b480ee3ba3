"""NPGA eq. 10's photometric term, (1 - lambda) L1 + lambda (1 - SSIM), on the fused CPU kernel (loss_cpu.cpp: loss
and gradient in one pass, separable 11-tap windows), with losses.photometric (conv2d, autograd) as the fallback and
the judge."""
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
