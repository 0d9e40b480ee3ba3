"""Losses and regularisers of NPGA's optimisation (Giebenhain et al. 2024, section 4.4, eqs. 10-12) and the metrics.

Images are [3,H,W] floats in [0,1] (linear in the stored 8-bit values); masks [H,W] in {0,1}.
"""
import math

import numpy as np

import torch
import torch.nn.functional as Fn


def _gauss_window(size=11, sigma=1.5, dtype=torch.float32, device="cpu"):
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    g = torch.exp(-x * x / (2 * sigma * sigma))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None].expand(3, 1, size, size).contiguous()


def ssim_map(a, b, size=11, sigma=1.5):
    """Per-pixel SSIM [H,W] of two [3,H,W] images (Gaussian window 11 / 1.5, C1 = 0.01^2, C2 = 0.03^2, zero padding,
    averaged over channels: the 3DGS reference's ssim())."""
    w = _gauss_window(size, sigma, a.dtype, a.device)
    x, y = a[None], b[None]
    pad = size // 2
    mu_x, mu_y = Fn.conv2d(x, w, padding=pad, groups=3), Fn.conv2d(y, w, padding=pad, groups=3)
    sxx = Fn.conv2d(x * x, w, padding=pad, groups=3) - mu_x ** 2
    syy = Fn.conv2d(y * y, w, padding=pad, groups=3) - mu_y ** 2
    sxy = Fn.conv2d(x * y, w, padding=pad, groups=3) - mu_x * mu_y
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return m[0].mean(0)


def photometric(pred, gt, lambda_ssim=0.2):
    """NPGA eq. 10 term for one image: (1 - lambda) L1 + lambda (1 - SSIM) (the 3DGS weighting, lambda = 0.2)."""
    return (1 - lambda_ssim) * (pred - gt).abs().mean() + lambda_ssim * (1 - ssim_map(pred, gt).mean())


def knn_graph(x, k=8):
    """Indices [N,k] of the k nearest other points of x [N,3] (canonical centres, metres): an exact search with
    scipy's k-d tree (O(N log N); the brute-force cdist it replaced took 9 s for 50k points, the tree 0.1 s)."""
    from scipy.spatial import cKDTree
    n = x.shape[0]
    k = min(k, n - 1)
    pts = x.detach().cpu().double().numpy()
    if not np.isfinite(pts).all():
        raise ValueError(f"knn_graph: {int((~np.isfinite(pts)).any(1).sum())} of {n} points are not finite")
    _, idx = cKDTree(pts).query(pts, k=k + 1, workers=-1)
    idx = torch.from_numpy(idx[:, 1:].reshape(n, k)).long()
    # a point coinciding with others may be listed among its own neighbours; take the first other point instead
    own = idx == torch.arange(n)[:, None]
    if own.any():
        _, idx2 = cKDTree(pts).query(pts, k=k + 2, workers=-1)
        idx2 = torch.from_numpy(idx2).long()
        for r in torch.nonzero(own.any(1)).reshape(-1).tolist():
            idx[r] = torch.tensor([j for j in idx2[r].tolist() if j != r][:k])
    return idx.to(x.device)


def laplacian(values, nbr):
    """NPGA eq. 11: mean over Gaussians of ||v_i - mean_{j in kNN(i)} v_j||^2 for values [N,C] on the kNN graph
    nbr [N,k] of the canonical centres (per-Gaussian features f, or G's position offsets)."""
    return ((values - values[nbr].mean(1)) ** 2).sum(-1).mean()


def offset_penalty(gout):
    """NPGA eq. 12: G's offsets should stay small: ||d_mu||^2 (in cm^2, so it is O(1)) + ||d_rot - (1,0,0,0)||^2 +
    ||d_scale||^2 + ||d_opacity||^2, averaged over Gaussians. (SH and latent offsets are left free.)"""
    ident = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=gout["d_rot"].dtype, device=gout["d_rot"].device)
    return ((gout["d_mu"] * 100) ** 2).sum(-1).mean() + ((gout["d_rot"] - ident) ** 2).sum(-1).mean() \
        + (gout["d_scale"] ** 2).sum(-1).mean() + (gout["d_opacity"] ** 2).sum(-1).mean()


def feature_norm(feat):
    """NPGA eq. 12's feature term: mean ||f_i||^2."""
    return (feat ** 2).sum(-1).mean()


def scale_penalty(log_scale, max_scale_m):
    """Keeps Gaussians from growing into large blobs: mean relu(max_axis_scale - s_max)^2 in mm^2."""
    return (torch.relu(torch.exp(log_scale).max(-1).values - max_scale_m) * 1e3).pow(2).mean()


def masked_psnr(pred, gt, mask):
    """PSNR (dB) of [3,H,W] images over the pixels where mask [H,W] is true."""
    m = mask.bool()
    if not m.any():
        return float("nan")
    mse = float(((pred - gt) ** 2)[:, m].mean())
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


def masked_ssim(pred, gt, mask):
    """Mean of the SSIM map [H,W] over the pixels where mask is true."""
    m = mask.bool()
    return float(ssim_map(pred, gt)[m].mean()) if m.any() else float("nan")
