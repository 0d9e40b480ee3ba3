"""Adaptive density control of the canonical Gaussians (3DGS section 5, with NPGA's changes, section 4.4, eq. 13).

Per Gaussian and per training view where it is visible, the view-space positional gradient g_v = ||dL/d(uv)|| is
recorded, converted from pixels to the NDC units of the 3DGS reference (dL/dndc = dL/dpx * size/2) so its threshold
(2e-4) carries over. The densification score is
  vanilla 3DGS:  mean_v g_v
  NPGA eq. 13:   (mean_v g_v^e)^(1/e), e = 2 (a generalised mean: a Gaussian that matters in a few views,
                 e.g. the inside of the mouth, is not averaged away by the many views where it does not)
Gaussians above the threshold are cloned (small: max scale <= percent_dense * extent) or split in two (large: children
sampled from the parent's Gaussian, scales / 1.6). Pruned: opacity < min_opacity, or max scale > max_scale.
Opacity: vanilla resets all opacities to <= 0.01 every `reset_every` steps; NPGA decays them softly instead
(sigma(alpha) <- decay * sigma(alpha) every `decay_every` steps), so no step of the loss is lost to a reset.
The optimiser's Adam moments follow their Gaussians (kept rows keep theirs, new rows start at zero).
"""
import math

import torch

from rasterizer import quat_to_rotmat


class DensityControl:
    def __init__(self, mode="npga", exponent=2.0, grad_threshold=2e-4, percent_dense=0.01, extent_m=0.15, min_opacity=0.005,
                 max_scale_m=0.03, decay=0.995, decay_every=10, reset_every=600, max_gaussians=200_000):
        if mode not in ("npga", "vanilla"):
            raise ValueError(mode)
        self.mode, self.e = mode, exponent
        self.grad_threshold, self.dense_scale = grad_threshold, percent_dense * extent_m
        self.min_opacity, self.max_scale = min_opacity, max_scale_m
        self.decay, self.decay_every, self.reset_every = decay, decay_every, reset_every
        self.max_gaussians = max_gaussians
        self.acc = None
        self.count = None

    def reset_stats(self, n, device):
        self.acc = torch.zeros(n, device=device)
        self.count = torch.zeros(n, device=device)

    def add(self, uv_grad, visible, width, height):
        """uv_grad [N,2] dL/d(pixel position) of one view, visible [N] bool."""
        if self.acc is None or self.acc.shape[0] != uv_grad.shape[0]:
            self.reset_stats(uv_grad.shape[0], uv_grad.device)
        g = (uv_grad * torch.tensor([width / 2.0, height / 2.0], device=uv_grad.device, dtype=uv_grad.dtype)).norm(dim=-1)
        g = torch.where(visible, g, torch.zeros_like(g)).float()
        self.acc += g.pow(self.e) if self.mode == "npga" else g
        self.count += visible.float()

    def score(self):
        mean = self.acc / self.count.clamp_min(1)
        return mean.pow(1.0 / self.e) if self.mode == "npga" else mean

    @torch.no_grad()
    def densify_and_prune(self, model, opt):
        """Clone / split / prune (see the module doc). Returns dict(cloned, split, pruned, n)."""
        p = model.params
        n = model.n
        score = self.score() if self.acc is not None else torch.zeros(n, device=p["mu"].device)
        scale_max = torch.exp(p["log_scale"]).max(-1).values
        hot = score >= self.grad_threshold
        room = max(0, self.max_gaussians - n)
        clone = hot & (scale_max <= self.dense_scale)
        split = hot & (scale_max > self.dense_scale)
        if int(clone.sum()) + int(split.sum()) > room:  # budget: keep the highest scores
            keep_n = room
            order = torch.argsort(torch.where(hot, score, torch.full_like(score, -1.0)), descending=True)
            allowed = torch.zeros_like(hot)
            allowed[order[:keep_n]] = True
            clone, split = clone & allowed, split & allowed
        new = {k: [] for k in p.keys()}
        ci = torch.nonzero(clone).reshape(-1)
        for k in p.keys():
            new[k].append(p[k][ci])
        si = torch.nonzero(split).reshape(-1)
        if si.numel():
            R = quat_to_rotmat(p["rot"][si])
            s = torch.exp(p["log_scale"][si])
            for _ in range(2):
                offs = (R @ (torch.randn_like(s) * s)[..., None])[..., 0]
                for k in p.keys():
                    v = p[k][si]
                    if k == "mu":
                        v = v + offs
                    elif k == "log_scale":
                        v = v - math.log(1.6)
                    new[k].append(v)
        prune = (torch.sigmoid(p["opacity"][:, 0]) < self.min_opacity) | (scale_max > self.max_scale) | split
        keep = ~prune
        extra = {k: torch.cat(v, 0) for k, v in new.items()}
        replace_rows(model, opt, keep, extra)
        self.reset_stats(model.n, p["mu"].device)
        return dict(cloned=int(ci.numel()), split=int(si.numel()), pruned=int((prune & ~split).sum()), n=model.n)

    @torch.no_grad()
    def opacity_step(self, model, opt, step):
        """NPGA: soft decay every decay_every steps; vanilla: hard reset to <= 0.01 every reset_every steps."""
        o = model.params["opacity"]
        if self.mode == "npga" and step % self.decay_every == 0:
            a = torch.sigmoid(o) * self.decay
            o.copy_(torch.logit(a.clamp(1e-6, 1 - 1e-6)))
        elif self.mode == "vanilla" and step % self.reset_every == 0:
            o.copy_(torch.logit(torch.sigmoid(o).clamp_max(0.01)))
            st = opt.state.get(o)
            if st:
                st["exp_avg"].zero_()
                st["exp_avg_sq"].zero_()


def replace_rows(model, opt, keep, extra):
    """Every Gaussian parameter becomes cat(old[keep], extra[k]); Adam moments alike (new rows: zero)."""
    for k, old in list(model.params.items()):
        new_val = torch.cat([old.data[keep], extra[k].to(old.dtype)], 0).contiguous()
        new_p = torch.nn.Parameter(new_val, requires_grad=old.requires_grad)
        for g in opt.param_groups:
            for i, q in enumerate(g["params"]):
                if q is old:
                    g["params"][i] = new_p
                    st = opt.state.pop(old, None)
                    if st:
                        for sk in ("exp_avg", "exp_avg_sq"):
                            st[sk] = torch.cat([st[sk][keep], torch.zeros_like(extra[k], dtype=st[sk].dtype)], 0)
                        opt.state[new_p] = st
        model.params[k] = new_p
