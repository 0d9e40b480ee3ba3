"""The NPGA avatar being optimised: canonical Gaussians A_c, the deformation prior F, the detail network G and the
screen-space CNN (Giebenhain et al. 2024, eqs. 3-7).

Frames and units: canonical head frame (right-handed, metres, +y up, +z out of the face); log-scales in log
metres, opacities as logits, SH coefficients [N,(d+1)^2,3] in the 3DGS convention (colour = SH + 0.5).

  A_c = {mu [N,3], q [N,4] (w,x,y,z), s [N,3], alpha [N,1], SH [N,(d+1)^2,3], f [N,D], h [N,L]}  (eq. 3)
  d_mu_F = F(mu, f; z_exp)                                          (eq. 4, the distilled prior, imported)
  (d_mu, d_rot, d_scale, d_opacity, d_sh, d_latent) = G(mu, f; z)   (eq. 5)
  mu_p = mu + d_mu_F + d_mu_G; q_p = d_rot (x) q; s, alpha, SH, h add their offsets  (eq. 6)
  I = CNN([rasterised RGB, rasterised latents])                     (eq. 7)
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as Fn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "deformation"))
from prior_model import BOUNDS_MAX, BOUNDS_MIN, OUT_SCALE_M, FeatureField, PriorMLP  # noqa: E402

sys.path.insert(0, HERE)
from kernels.mlp import mlp  # noqa: E402
from eyes import EyeRig  # noqa: E402
from lids import LidRig  # noqa: E402

DEFAULT_PRIOR = os.path.join(ROOT, "models", "deformation", "mp468-prior-v1")
GAUSSIAN_KEYS = ("mu", "rot", "log_scale", "opacity", "sh_dc", "sh_rest", "feat", "latent")


def quat_mul(a, b):
    """Hamilton product a (x) b of [N,4] (w,x,y,z) quaternions (Rotation.Multiply of the C# runtime)."""
    aw, ax, ay, az = a.unbind(-1)
    bw, bx, by, bz = b.unbind(-1)
    return torch.stack([aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
                        aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw], -1)


def compose(canon, dF, gout=None, eye=None):
    """NPGA eq. 6 (AvatarDynamics.Compose without the head pose, which the camera carries), then the eyeballs' turn.

    canon: dict mu [N,3], rot [N,4], log_scale [N,3], opacity [N,1], sh [N,k,3], latent [N,L]; dF [N,3] m;
    gout: None or dict d_mu [N,3], d_rot [N,4] (identity = (1,0,0,0)), d_scale [N,3], d_opacity [N,1],
    d_sh [N,3k] (coefficient-major, RGB innermost), d_latent [N,L] (absent when L = 0); eye: None or (d_mu [N,3] m,
    q [N,4]) from eyes.EyeRig.offsets, added to the posed centres and composed onto the rotations last. -> posed dict."""
    out = dict(mu=canon["mu"] + dF, rot=canon["rot"], log_scale=canon["log_scale"], opacity=canon["opacity"],
               sh=canon["sh"], latent=canon["latent"])
    if gout is not None:
        n, k = canon["sh"].shape[:2]
        out["mu"] = out["mu"] + gout["d_mu"]
        out["rot"] = quat_mul(gout["d_rot"], canon["rot"])
        out["log_scale"] = canon["log_scale"] + gout["d_scale"]
        out["opacity"] = canon["opacity"] + gout["d_opacity"]
        out["sh"] = canon["sh"] + gout["d_sh"].reshape(n, k, 3)
        if canon["latent"].shape[1] > 0:
            out["latent"] = canon["latent"] + gout["d_latent"]
    if eye is not None:
        out["mu"] = out["mu"] + eye[0]
        out["rot"] = quat_mul(eye[1], out["rot"])
    return out


def close_lids(mu, dF, w, eye, lids=None, tag=None, z_exp=None):
    """The lids' part of the pose (lids.py), shared by the trainer (AvatarModel.compose) and a package's reference forward
    (bridge.py): mu [N,3] canonical centres, dF [N,3] F's displacement, w [2,N] the eyeballs' weights, eye (d_mu [N,3],
    q [N,4]) their turn, lids a lids.LidRig or None, tag [N] the caps' tags, z_exp [K] -> (dF with F withheld from the
    eyeballs' and the caps' Gaussians, (d_mu, q) of eyeballs and caps, opacity-logit offsets [N]); without lids
    (dF, eye, None) unchanged."""
    if lids is None:
        return dF, eye, None
    closure = lids.closure(z_exp)
    d_lid, q_lid = lids.offsets(mu, tag, closure)
    fade = lids.fade(mu.detach() + eye[0], w, closure)
    still = torch.maximum(w.sum(0).clamp(max=1).to(dF), (tag > 0).to(dF))
    return dF * (1 - still)[:, None], (eye[0] + d_lid, quat_mul(q_lid, eye[1])), fade


def mlp_layers(net, mu, feat, z):
    """PriorMLP's and DetailMLP's shared layout as one MLP on x = [normalised mu, f] [N,3+C]: the first layer's weight
    [H,3+C] is (W_mu | W_f) and its bias b0 + W_z z (one code per frame); then the hidden and output layers.
    Returns (x, [(W, b), ...]) for kernels.mlp.mlp."""
    x = torch.cat([(mu - net.center) / net.half_extent, feat], 1)
    W0 = torch.cat([net.first_mu.weight, net.first_f.weight], 1)
    b0 = net.first_mu.bias + net.first_z(z.reshape(1, -1)).reshape(-1)
    return x, [(W0, b0)] + [(l.weight, l.bias) for l in net.layers]


def run_F(F, mu, feat, z, fused=True):
    """d_mu_F [N,3] metres = F(mu, f; z) (NPGA eq. 4) through kernels.mlp (the fused CPU kernel where it applies); the
    same function as PriorMLP.forward."""
    x, layers = mlp_layers(F, mu, feat, z)
    return mlp(x, layers, F.act_name, fused) * OUT_SCALE_M


class DetailMLP(nn.Module):
    """G(mu, f; z) (NPGA eq. 5): PriorMLP's layout (first layer split into W_mu, W_f, W_z so the export can precompute
    the z-independent part; mu normalised to the prior's box), SiLU, and one linear output layer of width
    3 + 4 + 3 + 1 + 3k + L split into (d_mu [m], d_rot, d_scale [log], d_opacity [logit], d_sh, d_latent).
    The output layer starts at zero and d_rot carries the identity (1,0,0,0): G starts as 'no change'."""

    def __init__(self, C, K, sh_coeffs, latent_dim, H=64, hidden=3, mu_scale_m=0.01):
        super().__init__()
        lo, hi = torch.tensor(BOUNDS_MIN), torch.tensor(BOUNDS_MAX)
        self.register_buffer("center", (lo + hi) / 2)
        self.register_buffer("half_extent", (hi - lo) / 2)
        self.first_mu = nn.Linear(3, H)
        self.first_f = nn.Linear(C, H, bias=False)
        self.first_z = nn.Linear(K, H, bias=False)
        self.sizes = [("d_mu", 3), ("d_rot", 4), ("d_scale", 3), ("d_opacity", 1), ("d_sh", 3 * sh_coeffs)]
        if latent_dim > 0:
            self.sizes.append(("d_latent", latent_dim))
        width = sum(w for _, w in self.sizes)
        self.layers = nn.ModuleList([nn.Linear(H, H) for _ in range(hidden - 1)] + [nn.Linear(H, width)])
        nn.init.zeros_(self.layers[-1].weight)
        nn.init.zeros_(self.layers[-1].bias)
        scale = torch.ones(width)
        scale[:3] = mu_scale_m  # d_mu's unit: 1 = 1 cm, as F's
        self.register_buffer("out_scale", scale)
        ident = torch.zeros(width)
        ident[3] = 1.0
        self.register_buffer("out_ident", ident)

    def forward(self, mu, feat, z, fused=True):
        x, layers = mlp_layers(self, mu, feat, z)
        h = mlp(x, layers, "silu", fused) * self.out_scale + self.out_ident
        return dict(zip([n for n, _ in self.sizes], torch.split(h, [w for _, w in self.sizes], 1)))

    def export_weights(self):
        """The dict scripts/deformation/onnx_mlp.py's graph builders take, with the output scale and the identity folded."""
        t = lambda x: x.detach().cpu().float().numpy().copy()
        Ws = [t(l.weight).T.copy() for l in self.layers]
        bs = [t(l.bias) for l in self.layers]
        Ws[-1] = Ws[-1] * t(self.out_scale)[None]
        bs[-1] = bs[-1] * t(self.out_scale) + t(self.out_ident)
        return dict(center=t(self.center), half=t(self.half_extent), W_mu=t(self.first_mu.weight).T.copy(),
                    W_f=t(self.first_f.weight).T.copy(), b0=t(self.first_mu.bias), W_z=t(self.first_z.weight).T.copy(), Ws=Ws, bs=bs)


class ScreenCNN(nn.Module):
    """The screen-space refinement CNN (NPGA eq. 7): image [1,3+L,H,W] -> rgb [1,3,H,W] = image[:, :3] + residual,
    residual = conv_n(ReLU(... ReLU(conv_1(image)))) with kernel sizes `kernels` (odd, 'same' padding), `hidden`
    channels between, 3 out; the last conv starts at zero (CNN = identity on RGB). Default (3, 3, 3); (3, 1) is the
    light one a live frame can afford on 2 cores (one 3x3 layer, then a per-pixel decoder)."""

    def __init__(self, c_in, hidden=32, kernels=(3, 3, 3)):
        super().__init__()
        if len(kernels) < 1 or any(k % 2 == 0 for k in kernels):
            raise ValueError(f"CNN kernels must be odd sizes, got {kernels}")
        self.kernels = tuple(int(k) for k in kernels)
        chans = [c_in] + [hidden] * (len(kernels) - 1) + [3]
        for i, k in enumerate(self.kernels):
            setattr(self, f"c{i + 1}", nn.Conv2d(chans[i], chans[i + 1], k, padding=k // 2))
        last = self.convs()[-1]
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    def convs(self):
        return [getattr(self, f"c{i + 1}") for i in range(len(self.kernels))]

    def forward(self, image):
        h = image
        convs = self.convs()
        for i, c in enumerate(convs):
            h = c(h)
            if i < len(convs) - 1:
                h = Fn.relu(h)
        return image[:, :3] + h


def load_prior(prior_dir=DEFAULT_PRIOR):
    """The distilled prior (models/deformation/<id>/checkpoint.pt): (FeatureField, PriorMLP, its training args)."""
    ck = torch.load(os.path.join(prior_dir, "checkpoint.pt"), map_location="cpu")
    a = ck["args"]
    field = FeatureField(a["feature_dim"], a["resolution"])
    field.load_state_dict(ck["field"])
    net = PriorMLP(a["feature_dim"], 15, a["hidden"], a["layers"], a["act"])
    net.load_state_dict(ck["net"])
    return field, net, a


class AvatarModel(nn.Module):
    """All trainable parts. Gaussian attributes live in `self.params` (name -> nn.Parameter, see GAUSSIAN_KEYS);
    density control replaces them (density.py), so optimisers are rebuilt from `gaussian_groups()`."""

    def __init__(self, init, sh_degree=0, latent_dim=4, K=15, prior_dir=DEFAULT_PRIOR, use_g=True, use_cnn=True,
                 g_hidden=64, g_layers=3, cnn_hidden=32, learn_features=True, cnn_kernels=(3, 3, 3), gaze_dim=0,
                 g_gaze=True, gaze_std=None, lids=False):
        super().__init__()
        field, F, a = load_prior(prior_dir)
        self.prior_id = os.path.basename(os.path.normpath(prior_dir))
        self.field = field.requires_grad_(False)
        self.F = F
        self.feature_dim = a["feature_dim"]
        self.F_act = a["act"]
        # the code z = [z_exp (K), gaze code (gaze_dim)]: F takes z_exp, G z_exp and (g_gaze) the gaze code; with
        # gaze_std (the gaze block's std, eye widths) the eyeballs turn by the gaze code x gaze_std (eyes.EyeRig)
        self.sh_degree, self.latent_dim, self.K, self.gaze_dim = sh_degree, latent_dim, K, gaze_dim
        self.g_dim = K + (gaze_dim if g_gaze else 0)
        self.eyes = EyeRig() if gaze_std is not None else None
        # the upper lids' caps (lids.py; with the eyeballs only): the `lid` parameter tags each cap's Gaussians (1 + eye)
        self.lids = LidRig(self.eyes) if lids and self.eyes is not None else None
        self.register_buffer("gaze_std", torch.tensor(gaze_std if gaze_std is not None else [], dtype=torch.float32),
                             persistent=False)
        self.learn_features = learn_features
        coeffs = (sh_degree + 1) ** 2
        n = init["mu"].shape[0]
        with torch.no_grad():
            feat = field(init["mu"].float())
        p = dict(mu=init["mu"], rot=init["rot"], log_scale=init["log_scale"], opacity=init["opacity"],
                 sh_dc=init["sh"][:, :1], sh_rest=init["sh"][:, 1:coeffs] if coeffs > 1 else torch.zeros(n, 0, 3),
                 feat=feat, latent=init.get("latent", torch.zeros(n, latent_dim)))
        if self.lids is not None:
            p["lid"] = init.get("lid", torch.zeros(n, 1))
        self.params = nn.ParameterDict({k: nn.Parameter(v.float().clone().contiguous()) for k, v in p.items()})
        self.params["feat"].requires_grad_(learn_features)
        if self.lids is not None:
            self.params["lid"].requires_grad_(False)
        self.G = DetailMLP(self.feature_dim, self.g_dim, coeffs, latent_dim, g_hidden, g_layers) if use_g else None
        self.cnn = ScreenCNN(3 + latent_dim, cnn_hidden, cnn_kernels) if use_cnn else None

    @property
    def n(self):
        return self.params["mu"].shape[0]

    def canonical(self):
        p = self.params
        return dict(mu=p["mu"], rot=p["rot"], log_scale=p["log_scale"], opacity=p["opacity"],
                    sh=torch.cat([p["sh_dc"], p["sh_rest"]], 1), latent=p["latent"], feat=p["feat"])

    def eye_weights(self, c):
        """The eyeballs' weights [2,N] on canonical dict c (none on a lid cap's Gaussians), or None without eyes."""
        if self.eyes is None:
            return None
        w = self.eyes.weights(c["mu"])
        return w * (self.lid_tags() == 0).to(w)[None].cpu() if self.lids is not None else w

    def lid_tags(self):
        """The lid caps' tags [N] long (0: none, 1 + e: eye e's cap), or None without lids."""
        return self.params["lid"][:, 0].detach().round().long() if self.lids is not None else None

    def compose(self, c, z, dF, gout):
        """NPGA eq. 6, the eyeballs' turn and the lids' closure for code z [1,K + gaze_dim] on canonical dict c, given F's
        dF [N,3] and G's outputs (or None) -> posed dict."""
        if self.eyes is None:
            return compose(c, dF, gout)
        w = self.eye_weights(c)
        eye = self.eyes.offsets(c["mu"], w, z[0, self.K:self.K + self.gaze_dim] * self.gaze_std)
        dF, eye, fade = close_lids(c["mu"], dF, w, eye, self.lids, self.lid_tags(), z[0, :self.K])
        posed = compose(c, dF, gout, eye)
        if fade is not None:
            posed["opacity"] = posed["opacity"] + fade[:, None]
        return posed

    def pose(self, z):
        """z [K + gaze_dim] or [1,K + gaze_dim] -> (posed dict (eq. 6 and the eyeballs), dF [N,3], G outputs or None)."""
        c = self.canonical()
        z = z.reshape(1, -1).to(c["mu"].dtype)
        dF = run_F(self.F, c["mu"], c["feat"], z[:, :self.K])
        gout = self.G(c["mu"], c["feat"], z[:, :self.g_dim]) if self.G is not None else None
        return self.compose(c, z, dF, gout), dF, gout
