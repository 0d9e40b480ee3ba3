"""Reading and writing `npga-avatar/1` packages (docs/architecture.md) on the Python side.

canonical.ply columns (binary little-endian float32, 3DGS names): x y z | f_dc_0..2 | f_rest_* (channel-major:
c*((d+1)^2-1) + k-1) | opacity (logit) | scale_0..2 (log m) | rot_0..3 (w,x,y,z) | feat_* | latent_*.
The writer and the property-name rule are the fixture script's (scripts/testdata/make_avatar_fixture.py), imported.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "testdata"))
from make_avatar_fixture import ply_property_names, write_ply  # noqa: E402,F401

FORMAT = "npga-avatar/1"


def npga_command():
    """The `npga` CLI as an argv prefix: $NPGA_CLI (e.g. "dotnet exec /path/npga.dll", as the xunit tests set it) or
    scripts/npga (which builds the CLI when it is missing or stale)."""
    import shlex
    env = os.environ.get("NPGA_CLI")
    return shlex.split(env) if env else [os.path.join(ROOT, "scripts", "npga")]


def read_ply(path):
    """-> (names [P], data [N,P] float32). Only the binary little-endian all-float layout the project writes."""
    with open(path, "rb") as f:
        header = []
        while True:
            line = f.readline().decode("ascii").strip()
            header.append(line)
            if line == "end_header":
                break
        n = next(int(l.split()[2]) for l in header if l.startswith("element vertex"))
        names = [l.split()[2] for l in header if l.startswith("property float")]
        data = np.frombuffer(f.read(n * len(names) * 4), dtype="<f4").reshape(n, len(names))
    return names, data.copy()


def gaussians_from_ply(path, sh_degree, feature_dim, latent_dim):
    """-> dict of float32 tensors: mu [N,3], sh [N,(d+1)^2,3] (coefficient-major, RGB innermost, as GaussianCloud.Sh),
    opacity [N,1] logit, log_scale [N,3], rot [N,4], feat [N,D], latent [N,L]."""
    names, d = read_ply(path)
    col = {n: i for i, n in enumerate(names)}
    take = lambda prefix, k: torch.tensor(d[:, [col[f"{prefix}{i}"] for i in range(k)]])
    coeffs = (sh_degree + 1) ** 2
    dc = take("f_dc_", 3)[:, None, :]
    rest = take("f_rest_", 3 * (coeffs - 1)).reshape(-1, 3, coeffs - 1).transpose(1, 2)  # channel-major -> [N,k,3]
    return dict(mu=torch.tensor(d[:, [col["x"], col["y"], col["z"]]]), sh=torch.cat([dc, rest], 1),
                opacity=torch.tensor(d[:, [col["opacity"]]]), log_scale=take("scale_", 3), rot=take("rot_", 4),
                feat=take("feat_", feature_dim), latent=take("latent_", latent_dim))


def gaussians_to_ply(path, g, sh_degree):
    """Inverse of gaussians_from_ply (tensors or arrays, detached)."""
    a = {k: (v.detach().cpu().numpy() if torch.is_tensor(v) else np.asarray(v)).astype(np.float32) for k, v in g.items()}
    n = a["mu"].shape[0]
    coeffs = (sh_degree + 1) ** 2
    sh = a["sh"].reshape(n, coeffs, 3)
    rest = sh[:, 1:, :].transpose(0, 2, 1).reshape(n, -1)
    cols = np.concatenate([a["mu"], sh[:, 0, :], rest, a["opacity"].reshape(n, 1), a["log_scale"], a["rot"],
                           a["feat"].reshape(n, -1), a["latent"].reshape(n, -1)], 1)
    names = ply_property_names(sh_degree, a["feat"].reshape(n, -1).shape[1], a["latent"].reshape(n, -1).shape[1])
    write_ply(path, cols, names)


def load_manifest(pkg):
    with open(os.path.join(pkg, "avatar.json")) as f:
        m = json.load(f)
    if m.get("format") != FORMAT:
        raise ValueError(f"{pkg}: format {m.get('format')!r} is not {FORMAT}")
    return m


class ReluMlp(torch.nn.Module):
    """The fixture script's MLP (its --weights-json): x = concat(mu, feat, z_exp repeated N times), hidden layers
    Linear + ReLU, a linear output layer whose columns split into the named outputs."""

    def __init__(self, spec):
        super().__init__()
        self.outputs = [(n, int(w)) for n, w in spec["outputs"]]
        self.W = [torch.tensor(np.asarray(l["W"], np.float32).reshape(l["in"], l["out"])) for l in spec["layers"]]
        self.b = [torch.tensor(np.asarray(l["b"], np.float32)) for l in spec["layers"]]

    def forward(self, mu, feat, z):
        h = torch.cat([mu, feat, z.reshape(1, -1).expand(mu.shape[0], -1)], 1)
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            h = h @ W.to(h.dtype) + b.to(h.dtype)
            if i < len(self.W) - 1:
                h = torch.relu(h)
        return dict(zip([n for n, _ in self.outputs], torch.split(h, [w for _, w in self.outputs], 1)))
