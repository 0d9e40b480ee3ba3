"""Export of a trained AvatarModel to an `npga-avatar/1` package (docs/architecture.md; issue 7, part 4).

  canonical.ply   the canonical Gaussians A_c with feat_* (f) and latent_* (h)
  F.onnx          mu [N,3], feat [N,D], z_exp [1,K] -> d_mu [N,3]; F_pre/F_post splits (scripts/deformation/onnx_mlp.py)
  G.onnx          mu, feat, z_exp [1,K+g] (the code: z_exp, then the gaze code, g = 4 values, when the manifest has a gaze
                  block, else g = 0) -> d_mu, d_rot, d_scale, d_opacity, d_sh [N,3k], d_latent [N,L]; G_pre/G_post splits
                  (the same graph builder, then a Split of the last layer; scale and identity folded into it)
  cnn.onnx        image [1,3+L,H,W] -> rgb [1,3,H,W] (H, W dynamic)
  avatar.json     manifest with source, intrinsics, default camera (a held-out view), training record and metrics

Every ONNX file is checked against the torch module it came from (onnx_torch) before the manifest is written.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from package import ROOT, FORMAT, gaussians_to_ply  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts", "deformation"))
import onnx_mlp  # noqa: E402
from onnx_torch import check_same  # noqa: E402

TOOL = "scripts/train_avatar"
TOOL_VERSION = "1"


def g_graphs(G, doc):
    """(G, G_pre, G_post) ONNX models of a model.DetailMLP, built with onnx_mlp's graph pieces plus a Split."""
    w = G.export_weights()
    sizes = [(n, int(s)) for n, s in G.sizes]
    C, K, H = w["W_f"].shape[0], w["W_z"].shape[0], w["b0"].shape[0]

    def split(g):
        g.inits.append(numpy_helper.from_array(np.array([s for _, s in sizes], np.int64), "split_sizes"))
        g.nodes.append(helper.make_node("Split", ["g_all", "split_sizes"], [n for n, _ in sizes], axis=1, name="Split_out"))

    outs = [onnx_mlp._vi(n, ["N", s]) for n, s in sizes]
    g = onnx_mlp._G()
    onnx_mlp._tail(g, w, onnx_mlp._head(g, w, "mu", "feat"), "z_exp", "silu", out="g_all")
    split(g)
    whole = onnx_mlp._model(g, [onnx_mlp._vi("mu", ["N", 3]), onnx_mlp._vi("feat", ["N", C]), onnx_mlp._vi("z_exp", [1, K])], outs, "G", doc)
    g = onnx_mlp._G()
    onnx_mlp._head(g, w, "mu", "feat")
    g.nodes[-1].output[0] = "h0"
    pre = onnx_mlp._model(g, [onnx_mlp._vi("mu", ["N", 3]), onnx_mlp._vi("feat", ["N", C])], [onnx_mlp._vi("h0", ["N", H])], "G_pre", doc)
    g = onnx_mlp._G()
    onnx_mlp._tail(g, w, "h0", "z_exp", "silu", out="g_all")
    split(g)
    post = onnx_mlp._model(g, [onnx_mlp._vi("h0", ["N", H]), onnx_mlp._vi("z_exp", [1, K])], outs, "G_post", doc)
    return whole, pre, post


def cnn_graph(cnn, c_in, doc):
    """model.ScreenCNN -> ONNX: rgb = image[:, :3] + conv_n(relu(... relu(conv_1(image)))), 'same' pads, H and W dynamic."""
    t = lambda x: numpy_helper.from_array(x.detach().cpu().float().numpy().copy(), None)
    inits, nodes = [], []
    convs = cnn.convs()
    x = "image"
    for i, c in enumerate(convs):
        name, k = f"c{i + 1}", c.kernel_size[0]
        wt, bt = t(c.weight), t(c.bias)
        wt.name, bt.name = f"{name}_w", f"{name}_b"
        inits += [wt, bt]
        y = "res" if i == len(convs) - 1 else f"y{i + 1}"
        nodes.append(helper.make_node("Conv", [x, f"{name}_w", f"{name}_b"], [y], kernel_shape=[k, k], pads=[k // 2] * 4, name=y))
        if i < len(convs) - 1:
            nodes.append(helper.make_node("Relu", [y], [f"r{i + 1}"], name=f"r{i + 1}"))
            x = f"r{i + 1}"
    for nm, v in (("s0", 0), ("s3", 3), ("s_axis", 1)):
        inits.append(numpy_helper.from_array(np.array([v], np.int64), nm))
    nodes += [helper.make_node("Slice", ["image", "s0", "s3", "s_axis"], ["rgb_in"], name="rgb_in"),
              helper.make_node("Add", ["rgb_in", "res"], ["rgb"], name="rgb")]
    graph = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, c_in, "H", "W"])],
                              [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, "H", "W"])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", onnx_mlp.OPSET)], producer_name="npga-live " + TOOL, doc_string=doc)
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def finite_json(v):
    """JSON has no NaN or infinity (System.Text.Json rejects them): non-finite floats become null."""
    if isinstance(v, dict):
        return {k: finite_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [finite_json(x) for x in v]
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


@torch.no_grad()
def export_package(model, out, name, default_cam, source, metrics, training, background=(0.0, 0.0, 0.0), view_range_deg=None,
                   gaze=None):
    """Writes the package into `out` (created). default_cam: camera.Camera; view_range_deg: how far the head may turn from
    it (camera.central_view), or None. Returns the manifest dict."""
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # a re-export replaces the networks it no longer has
        if f.endswith(".onnx"):
            os.remove(os.path.join(out, f))
    model = model.cpu().float()
    c = model.canonical()
    gaussians_to_ply(os.path.join(out, "canonical.ply"), dict(mu=c["mu"], sh=c["sh"], opacity=c["opacity"], log_scale=c["log_scale"],
                                                                rot=c["rot"], feat=c["feat"], latent=c["latent"]), model.sh_degree)
    doc = f"NPGA avatar '{name}' trained by {TOOL} (scripts/training)"
    F, F_pre, F_post = onnx_mlp.build(model.F.export_weights(), model.F_act, doc)
    networks = {"F": "F.onnx", "G": None, "cnn": None, "F_split": ["F_pre.onnx", "F_post.onnx"]}
    for nm, m in (("F", F), ("F_pre", F_pre), ("F_post", F_post)):
        onnx.save(m, os.path.join(out, nm + ".onnx"))
    z = torch.randn(1, model.K + model.gaze_dim, generator=torch.Generator().manual_seed(1))
    feeds = dict(mu=c["mu"], feat=c["feat"], z_exp=z[:, :model.K])
    checks = {"F_max_abs_diff_m": check_same(os.path.join(out, "F.onnx"), lambda mu, feat, z_exp: {"d_mu": model.F(mu, feat, z_exp)}, feeds, 1e-5)}
    feeds = dict(feeds, z_exp=z[:, :model.g_dim])  # G's code: z_exp, then the gaze code when G takes it
    if model.G is not None:
        for nm, m in zip(("G", "G_pre", "G_post"), g_graphs(model.G, doc)):
            onnx.save(m, os.path.join(out, nm + ".onnx"))
        networks["G"], networks["G_split"] = "G.onnx", ["G_pre.onnx", "G_post.onnx"]
        checks["G_max_abs_diff"] = check_same(os.path.join(out, "G.onnx"), lambda mu, feat, z_exp: model.G(mu, feat, z_exp), feeds, 1e-4)
    if model.cnn is not None:
        onnx.save(cnn_graph(model.cnn, 3 + model.latent_dim, doc), os.path.join(out, "cnn.onnx"))
        networks["cnn"] = "cnn.onnx"
        img = torch.rand(1, 3 + model.latent_dim, 24, 20, generator=torch.Generator().manual_seed(2))
        checks["cnn_max_abs_diff"] = check_same(os.path.join(out, "cnn.onnx"), lambda image: {"rgb": model.cnn(image)}, dict(image=img), 1e-4)
    manifest = {
        "format": FORMAT,
        "name": name,
        "created_by": {"tool": TOOL, "version": TOOL_VERSION},
        "source": source,
        "expression_model": {"id": training.get("expression_model", "mp468-pca-v1"), "K": model.K},
        "sh_degree": model.sh_degree,
        "feature_dim": model.feature_dim,
        "latent_dim": model.latent_dim,
        "networks": networks,
        "default_camera": default_cam.to_json(),
        "background": [float(v) for v in background],
        **({"view_range_deg": round(float(view_range_deg), 2)} if view_range_deg else {}),
        **({"gaze": gaze} if gaze else {}),
        **({"eyes": model.eyes.to_json(model.eye_weights(c))} if model.eyes is not None else {}),
        **({"lids": model.lids.to_json(model.lid_tags().cpu())} if model.lids is not None else {}),
        "metrics": dict(metrics, gaussians=model.n, deformation_prior=model.prior_id, export_checks=checks),
        "training": training,
    }
    manifest = finite_json(manifest)
    with open(os.path.join(out, "avatar.json"), "w") as f:
        json.dump(manifest, f, indent=2, allow_nan=False)
        f.write("\n")
    return manifest
