#!/usr/bin/python3
"""Writes a small, valid npga-avatar/1 package of random data: a TEST FIXTURE, not a face.

Run with Debian's interpreter (python3-onnx, python3-numpy), not a pyenv one:

    /usr/bin/python3 scripts/testdata/make_avatar_fixture.py --out DIR [--n 2000] [--sh-degree 3]
        [--feature-dim 8] [--latent-dim 4] [--K 15] [--expression-model mp468-pca-v1]
        [--hidden 64] [--layers 3] [--no-g] [--no-cnn] [--gaze-dim G] [--eyes [--lids]] [--seed 0] [--zero-offsets]
        [--weights-json PATH]

    /usr/bin/python3 scripts/testdata/make_avatar_fixture.py --stubs SPEC.json

The package (docs/architecture.md, "Avatar package, format npga-avatar/1"):
  avatar.json    manifest; name "fixture-...", source says it is random test data (never ship it)
  canonical.ply  N random Gaussians in a head-sized ellipsoid (metres, canonical head frame)
  F.onnx         mu [N,3], feat [N,D], z_exp [1,K] -> d_mu [N,3]; an MLP on concat(mu, feat, z_exp
                 repeated N times), `--layers` hidden layers of `--hidden` units with ReLU, then a linear
                 output layer: what a plain trainer export looks like
  F_pre.onnx     mu, feat -> h0 [N,H] = [mu, feat]·W0[:3+D] + b0: the z-independent part of layer 1
  F_post.onnx    h0, z_exp -> d_mu: relu(h0 + z_exp·W0[3+D:]), remaining layers (same weights as F.onnx)
  G.onnx         same inputs -> d_mu [N,3], d_rot [N,4], d_scale [N,3], d_opacity [N,1], d_sh [N,3(d+1)^2]
                 (coefficient-major, RGB innermost), d_latent [N,L] (absent when L = 0); one MLP whose
                 last layer is split; the d_rot bias holds the identity (1,0,0,0), so small weights give
                 near-neutral rotation offsets
  G_pre.onnx, G_post.onnx  the split parts of G
  cnn.onnx       image [1,3+L,H,W] -> rgb [1,3,H,W] = image[:, :3] + Conv3x3(16->3)(ReLU(Conv3x3(3+L->16)(image)))
                 (H, W dynamic)

--zero-offsets zeroes the output layers of F and G (bias too, except d_rot's identity bias): the posed
avatar is then the canonical one moved by the head pose only.

--weights-json PATH writes every MLP weight (float32 values) for tests that recompute F and G in managed
code: {"F": {"inputs": ["mu","feat","z_exp"], "outputs": [["d_mu",3]], "layers": [{"in","out","W" (row-major
[in,out]), "b"}...]}, "G": ...}; hidden layers use ReLU, the last layer none; the first layer's input is
concat(mu, feat, z_exp).

--stubs SPEC.json writes contract-testing stub models (for damaged-package tests), one per entry of a JSON
list: {"out": path, "inputs": [[name, dims, type?], ...], "outputs": [[name, dims], ...]}, dims a list of ints
or symbol strings, type "float" (default) or "int64". Each output is zeros of its declared shape; a symbolic
output dimension takes its size from the first input dimension with the same symbol.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8  # understood by every ONNX Runtime since 1.10
FORMAT = "npga-avatar/1"
TOOL_VERSION = "1"


# ---------------------------------------------------------------- models

def make_model(graph):
    model = helper.make_model(graph, producer_name="npga-live-avatar-fixture",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def float_input(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def init(name, array):
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


class Mlp:
    """Weights of an MLP: hidden layers with ReLU, a linear output layer. W[l] is [in, out]."""

    def __init__(self, rng, din, hidden, layers, out_scales, out_bias):
        self.W, self.b = [], []
        d = din
        for _ in range(layers):
            self.W.append(rng.normal(0.0, np.sqrt(2.0 / d), (d, hidden)).astype(np.float32))
            self.b.append(rng.normal(0.0, 0.05, hidden).astype(np.float32))
            d = hidden
        scales = np.asarray(out_scales, dtype=np.float32)
        self.W.append((rng.normal(0.0, 1.0, (d, scales.size)) / np.sqrt(d) * scales).astype(np.float32))
        self.b.append((rng.normal(0.0, 1.0, scales.size) * scales * 0.1 + out_bias).astype(np.float32))

    def zero_output(self, out_bias):
        self.W[-1][:] = 0
        self.b[-1][:] = np.asarray(out_bias, dtype=np.float32)

    def to_json(self, inputs, outputs):
        return {"inputs": inputs, "outputs": [[n, int(w)] for n, w in outputs], "activation": "relu",
                "layers": [{"in": int(w.shape[0]), "out": int(w.shape[1]),
                            "W": [float(v) for v in w.ravel()], "b": [float(v) for v in b]}
                           for w, b in zip(self.W, self.b)]}


def tail_nodes(mlp, h, prefix, first_layer):
    """Layers first_layer.. of the MLP applied to h (already activated); returns (nodes, inits, output name)."""
    nodes, inits = [], []
    last = len(mlp.W) - 1
    for l in range(first_layer, len(mlp.W)):
        inits += [init(f"{prefix}W{l}", mlp.W[l]), init(f"{prefix}b{l}", mlp.b[l])]
        nodes += [helper.make_node("MatMul", [h, f"{prefix}W{l}"], [f"{prefix}mm{l}"]),
                  helper.make_node("Add", [f"{prefix}mm{l}", f"{prefix}b{l}"], [f"{prefix}pre{l}"])]
        if l < last:
            nodes.append(helper.make_node("Relu", [f"{prefix}pre{l}"], [f"{prefix}h{l}"]))
            h = f"{prefix}h{l}"
        else:
            h = f"{prefix}pre{l}"
    return nodes, inits, h


def output_nodes(out, outputs):
    """Splits the last layer's [N, sum] into the named outputs (or renames a single one)."""
    if len(outputs) == 1:
        return [helper.make_node("Identity", [out], [outputs[0][0]])], []
    sizes = np.array([w for _, w in outputs], dtype=np.int64)
    return [helper.make_node("Split", [out, "split_sizes"], [n for n, _ in outputs], axis=1)], \
        [init("split_sizes", sizes)]


def out_infos(outputs):
    return [float_input(n, ["N", w]) for n, w in outputs]


def whole_model(mlp, name, d, k, outputs):
    """mu, feat, z_exp -> outputs: the MLP on concat(mu, feat, z_exp expanded to N rows)."""
    nodes = [
        helper.make_node("Shape", ["mu"], ["mu_shape"]),
        helper.make_node("Slice", ["mu_shape", "zero1", "one1"], ["n1"]),
        helper.make_node("Concat", ["n1", "k1"], ["z_shape"], axis=0),
        helper.make_node("Expand", ["z_exp", "z_shape"], ["z_rep"]),
        helper.make_node("Concat", ["mu", "feat", "z_rep"], ["x"], axis=1),
        helper.make_node("MatMul", ["x", "W0"], ["mm0"]),
        helper.make_node("Add", ["mm0", "b0"], ["pre0"]),
        helper.make_node("Relu", ["pre0"], ["h0"]),
    ]
    inits = [init("zero1", np.array([0], np.int64)), init("one1", np.array([1], np.int64)),
             init("k1", np.array([k], np.int64)), init("W0", mlp.W[0]), init("b0", mlp.b[0])]
    tn, ti, out = tail_nodes(mlp, "h0", "", 1)
    on, oi = output_nodes(out, outputs)
    graph = helper.make_graph(nodes + tn + on, name,
                              [float_input("mu", ["N", 3]), float_input("feat", ["N", d]), float_input("z_exp", [1, k])],
                              out_infos(outputs), inits + ti + oi)
    return make_model(graph)


def pre_model(mlp, name, d):
    """mu, feat -> h0 = [mu, feat]·W0[:3+D] + b0 (the first layer's pre-activation without the z_exp term)."""
    hidden = mlp.W[0].shape[1]
    nodes = [helper.make_node("Concat", ["mu", "feat"], ["x"], axis=1),
             helper.make_node("MatMul", ["x", "W0_mf"], ["mm0"]),
             helper.make_node("Add", ["mm0", "b0"], ["h0"])]
    inits = [init("W0_mf", mlp.W[0][:3 + d]), init("b0", mlp.b[0])]
    graph = helper.make_graph(nodes, name, [float_input("mu", ["N", 3]), float_input("feat", ["N", d])],
                              [float_input("h0", ["N", hidden])], inits)
    return make_model(graph)


def post_model(mlp, name, d, k, outputs):
    """h0, z_exp -> outputs: relu(h0 + z_exp·W0[3+D:]), then the remaining layers."""
    hidden = mlp.W[0].shape[1]
    nodes = [helper.make_node("MatMul", ["z_exp", "W0_z"], ["zt"]),
             helper.make_node("Add", ["h0", "zt"], ["pre0"]),
             helper.make_node("Relu", ["pre0"], ["act0"])]
    inits = [init("W0_z", mlp.W[0][3 + d:])]
    tn, ti, out = tail_nodes(mlp, "act0", "", 1)
    on, oi = output_nodes(out, outputs)
    graph = helper.make_graph(nodes + tn + on, name,
                              [float_input("h0", ["N", hidden]), float_input("z_exp", [1, k])],
                              out_infos(outputs), inits + ti + oi)
    return make_model(graph)


def cnn_model(rng, latent_dim):
    c_in = 3 + latent_dim
    w1 = (rng.normal(0, 1, (16, c_in, 3, 3)) * 0.05).astype(np.float32)
    b1 = np.zeros(16, np.float32)
    w2 = (rng.normal(0, 1, (3, 16, 3, 3)) * 0.01).astype(np.float32)
    b2 = np.zeros(3, np.float32)
    nodes = [helper.make_node("Conv", ["image", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Slice", ["image", "s0", "s3", "s_axis"], ["rgb_in"]),
             helper.make_node("Add", ["rgb_in", "c2"], ["rgb"])]
    inits = [init("w1", w1), init("b1", b1), init("w2", w2), init("b2", b2),
             init("s0", np.array([0], np.int64)), init("s3", np.array([3], np.int64)),
             init("s_axis", np.array([1], np.int64))]
    graph = helper.make_graph(nodes, "cnn", [float_input("image", [1, c_in, "H", "W"])],
                              [float_input("rgb", [1, 3, "H", "W"])], inits)
    return make_model(graph)


# ---------------------------------------------------------------- Gaussians and PLY

def ply_property_names(sh_degree, feature_dim, latent_dim):
    rest = 3 * ((sh_degree + 1) ** 2 - 1)
    return (["x", "y", "z"] + [f"f_dc_{i}" for i in range(3)] + [f"f_rest_{i}" for i in range(rest)] +
            ["opacity"] + [f"scale_{i}" for i in range(3)] + [f"rot_{i}" for i in range(4)] +
            [f"feat_{i}" for i in range(feature_dim)] + [f"latent_{i}" for i in range(latent_dim)])


def random_gaussians(rng, n, sh_degree, feature_dim, latent_dim):
    """Columns in PLY order. Means fill an ellipsoid of radii (8, 11, 10) cm round the origin."""
    direction = rng.normal(0, 1, (n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    radius = rng.uniform(0, 1, (n, 1)) ** (1.0 / 3.0)
    means = direction * radius * np.array([0.08, 0.11, 0.10])
    coeffs = (sh_degree + 1) ** 2
    dc = rng.normal(0, 0.5, (n, 3))
    rest = rng.normal(0, 0.05, (n, 3 * (coeffs - 1)))  # channel-major as in 3DGS: c*(coeffs-1) + (k-1)
    opacity = rng.normal(0, 1.5, (n, 1))
    scale = np.log(rng.uniform(0.001, 0.005, (n, 3)))
    rot = rng.normal(0, 1, (n, 4))
    rot /= np.linalg.norm(rot, axis=1, keepdims=True)
    feat = rng.normal(0, 1, (n, feature_dim))
    latent = rng.normal(0, 0.5, (n, latent_dim))
    return np.concatenate([means, dc, rest, opacity, scale, rot, feat, latent], axis=1).astype("<f4")


def write_ply(path, columns, names):
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {columns.shape[0]}"]
    header += [f"property float {name}" for name in names]
    header.append("end_header")
    with open(path, "wb") as f:
        f.write(("\n".join(header) + "\n").encode("ascii"))
        f.write(np.ascontiguousarray(columns, dtype="<f4").tobytes())


# ---------------------------------------------------------------- package

def g_outputs(sh_degree, latent_dim):
    outs = [("d_mu", 3), ("d_rot", 4), ("d_scale", 3), ("d_opacity", 1), ("d_sh", 3 * (sh_degree + 1) ** 2)]
    if latent_dim > 0:
        outs.append(("d_latent", latent_dim))
    return outs


def g_scales_and_bias(sh_degree, latent_dim):
    scales, bias = [], []
    per = {"d_mu": 0.001, "d_rot": 0.02, "d_scale": 0.05, "d_opacity": 0.1, "d_sh": 0.02, "d_latent": 0.05}
    for name, width in g_outputs(sh_degree, latent_dim):
        scales += [per[name]] * width
        bias += [1.0, 0.0, 0.0, 0.0] if name == "d_rot" else [0.0] * width
    return scales, bias


def default_camera():
    # Camera.Orbit(512, 512, 0.6 m, yaw 0, pitch 0): at (0, 0, 0.6) looking at the origin; OpenCV axes.
    return {"width": 512, "height": 512, "fx": 1024.0, "fy": 1024.0, "cx": 256.0, "cy": 256.0,
            "R": [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, -1.0], "t": [0.0, 0.0, 0.6]}


def write_package(a):
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    d, l, k = a.feature_dim, a.latent_dim, a.K
    names = ply_property_names(a.sh_degree, d, l)
    write_ply(os.path.join(a.out, "canonical.ply"), random_gaussians(rng, a.n, a.sh_degree, d, l), names)

    din = 3 + d + k
    f = Mlp(rng, din, a.hidden, a.layers, [0.002] * 3, [0.0] * 3)
    if a.zero_offsets:
        f.zero_output([0.0] * 3)
    f_out = [("d_mu", 3)]
    onnx.save(whole_model(f, "F", d, k, f_out), os.path.join(a.out, "F.onnx"))
    onnx.save(pre_model(f, "F_pre", d), os.path.join(a.out, "F_pre.onnx"))
    onnx.save(post_model(f, "F_post", d, k, f_out), os.path.join(a.out, "F_post.onnx"))
    networks = {"F": "F.onnx", "G": None, "cnn": None, "F_split": ["F_pre.onnx", "F_post.onnx"]}
    weights = {"F": f.to_json(["mu", "feat", "z_exp"], f_out)}

    if not a.no_g:
        outs = g_outputs(a.sh_degree, l)
        scales, bias = g_scales_and_bias(a.sh_degree, l)
        kg = k + a.gaze_dim  # G's code: z_exp, then the gaze code
        g = Mlp(rng, din + a.gaze_dim, a.hidden, a.layers, scales, bias)
        if a.zero_offsets:
            g.zero_output(bias)
        onnx.save(whole_model(g, "G", d, kg, outs), os.path.join(a.out, "G.onnx"))
        onnx.save(pre_model(g, "G_pre", d), os.path.join(a.out, "G_pre.onnx"))
        onnx.save(post_model(g, "G_post", d, kg, outs), os.path.join(a.out, "G_post.onnx"))
        networks["G"] = "G.onnx"
        networks["G_split"] = ["G_pre.onnx", "G_post.onnx"]
        weights["G"] = g.to_json(["mu", "feat", "z_exp"], outs)

    if not a.no_cnn:
        onnx.save(cnn_model(rng, l), os.path.join(a.out, "cnn.onnx"))
        networks["cnn"] = "cnn.onnx"

    manifest = {
        "format": FORMAT,
        "name": f"fixture-s{a.seed}-n{a.n}" + ("-zero" if a.zero_offsets else ""),
        "created_by": {"tool": "scripts/testdata/make_avatar_fixture.py", "version": TOOL_VERSION},
        "source": {"files": [], "licence": "CC0-1.0",
                   "note": "random Gaussians and random-weight networks: a test fixture, not a face; never ship it"},
        "expression_model": {"id": a.expression_model, "K": k},
        "sh_degree": a.sh_degree,
        "feature_dim": d,
        "latent_dim": l,
        "networks": networks,
        "default_camera": default_camera(),
        "background": [0.0, 0.0, 0.0],
        "metrics": {"fixture": True, "seed": a.seed, "hidden": a.hidden, "layers": a.layers},
    }
    if a.gaze_dim:
        if a.no_g:
            raise SystemExit("--gaze-dim needs G")
        manifest["gaze"] = {"dim": a.gaze_dim, "mean": [0.1 * (j + 1) for j in range(a.gaze_dim)],
                            "std": [0.05] * a.gaze_dim, "clip": 5.0}
    if a.eyes:
        if a.gaze_dim not in (0, 4):
            raise SystemExit("--eyes takes a gaze of 4 values (--gaze-dim 0 or 4)")
        manifest["gaze"] = {"dim": 4, "mean": [0.02, -0.01, -0.02, -0.01], "std": [0.05] * 4, "clip": 5.0, "g": bool(a.gaze_dim)}
        manifest["eyes"] = fixture_eyes(rng, read_means(os.path.join(a.out, "canonical.ply")))
    if a.lids:
        if not a.eyes:
            raise SystemExit("--lids needs --eyes")
        manifest["lids"] = fixture_lids(rng, read_means(os.path.join(a.out, "canonical.ply")), manifest["eyes"], k)
    with open(os.path.join(a.out, "avatar.json"), "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    if a.weights_json:
        with open(a.weights_json, "w") as fh:
            json.dump(weights, fh)


def read_means(path):
    """The x, y, z columns [N,3] of a canonical.ply this script wrote."""
    with open(path, "rb") as f:
        header = []
        while not header or header[-1] != "end_header":
            header.append(f.readline().decode("ascii").strip())
        n = next(int(h.split()[2]) for h in header if h.startswith("element vertex"))
        props = [h.split()[2] for h in header if h.startswith("property float")]
        data = np.frombuffer(f.read(), dtype="<f4").reshape(n, len(props))
    return data[:, [props.index("x"), props.index("y"), props.index("z")]].astype(np.float64)


def fixture_eyes(rng, mu):
    """An eyes block (docs/architecture.md) over random Gaussians: two eyeballs in front of the cloud's centre, each
    turning the Gaussians within 3 cm of its front point, with random weights in (0.2, 1]."""
    eyes, taken = [], np.zeros(len(mu), bool)
    for x in (-0.03, 0.03):
        centre = np.array([x, 0.02, 0.03])
        near = (np.linalg.norm(mu - (centre + [0, 0, 0.011]), axis=1) < 0.03) & ~taken
        taken |= near
        idx = np.nonzero(near)[0]
        eyes.append({"centre": centre.tolist(), "width_m": 0.028, "members": idx.tolist(),
                     "weights": [round(float(w), 6) for w in rng.uniform(0.2, 1.0, len(idx))]})
    return {"radius_m": 0.011, "max_tilt": 0.7, "eyes": eyes}


def fixture_lids(rng, mu, eyes, k):
    """A lids block (scripts/training/lids.py) over random Gaussians: per eye, lid lines 28 mm wide round the eyeball's
    centre (upper 6 mm above it at the middle, lower 3 mm below), a cap of the 60 Gaussians nearest a point 8 mm above and
    10 mm in front of the centre that the eyes block does not list, the lid gap 8.9 + b.z mm with b ~ N(0, 1), open at
    8.8 mm and shut at 4.4."""
    lids, taken = [], np.zeros(len(mu), bool)
    for e in eyes["eyes"]:
        taken[e["members"]] = True
    for e in eyes["eyes"]:
        c = np.array(e["centre"])
        xs = c[0] + np.linspace(-0.014, 0.014, 9)
        bump = 1 - ((xs - c[0]) / 0.014) ** 2
        d = np.where(taken, np.inf, np.linalg.norm(mu - (c + [0, 0.008, 0.010]), axis=1))
        near = np.zeros(len(mu), bool)
        near[np.argsort(d)[:min(60, int((~taken).sum()) // 3)]] = True
        taken |= near
        lids.append({"gap_a_mm": 8.9, "gap_b_mm": [round(float(v), 6) for v in rng.normal(0, 1, k)], "open_mm": 8.8, "shut_mm": 4.4,
                     "line_x": xs.tolist(), "line_upper_y": (c[1] + 0.006 * bump).tolist(), "line_lower_y": (c[1] - 0.003 * bump).tolist(),
                     "cap": np.nonzero(near)[0].tolist()})
    return {"cap_rho_m": 0.012, "fade_m": 0.0004, "closure_min": -0.25, "eyes": lids}


# ---------------------------------------------------------------- stubs

def stub_model(spec):
    types = {"float": TensorProto.FLOAT, "int64": TensorProto.INT64}
    inputs = [helper.make_tensor_value_info(i[0], types[i[2] if len(i) > 2 else "float"], i[1]) for i in spec["inputs"]]
    nodes, inits = [], []
    for j, (name, dims) in enumerate(spec["outputs"]):
        parts = []
        for axis, dim in enumerate(dims):
            part = f"o{j}_d{axis}"
            if isinstance(dim, int):
                inits.append(init(part, np.array([dim], np.int64)))
            else:
                src = next(((i[0], a) for i in spec["inputs"] for a, s in enumerate(i[1]) if s == dim), None)
                if src is None:
                    raise SystemExit(f"stub {spec['out']}: output symbol {dim} names no input dimension")
                nodes += [helper.make_node("Shape", [src[0]], [f"{part}_shape"]),
                          helper.make_node("Slice", [f"{part}_shape", f"{part}_a", f"{part}_b"], [part])]
                inits += [init(f"{part}_a", np.array([src[1]], np.int64)),
                          init(f"{part}_b", np.array([src[1] + 1], np.int64))]
            parts.append(part)
        nodes += [helper.make_node("Concat", parts, [f"o{j}_shape"], axis=0),
                  helper.make_node("ConstantOfShape", [f"o{j}_shape"], [name],
                                   value=helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]))]
    outputs = [float_input(name, dims) for name, dims in spec["outputs"]]
    return make_model(helper.make_graph(nodes, "stub", inputs, outputs, inits))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--sh-degree", type=int, default=3, choices=[0, 1, 2, 3])
    p.add_argument("--feature-dim", type=int, default=8)
    p.add_argument("--latent-dim", type=int, default=4)
    p.add_argument("--K", type=int, default=15)
    p.add_argument("--expression-model", default="mp468-pca-v1")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=3, help="hidden layers (each Linear + ReLU), then a linear output layer")
    p.add_argument("--no-g", action="store_true")
    p.add_argument("--gaze-dim", type=int, default=0, help="G also takes a gaze code of this many values after z_exp "
                   "(the manifest's gaze block: mean 0.1, 0.2, ..., std 0.05, clip 5)")
    p.add_argument("--eyes", action="store_true", help="a gaze block and an eyes block (eyeballs turning the Gaussians near "
                   "two points in front of the cloud); G takes the gaze code only with --gaze-dim 4")
    p.add_argument("--lids", action="store_true", help="with --eyes: a lids block (upper-lid caps of the Gaussians above the "
                   "eyeballs, closing with the code)")
    p.add_argument("--no-cnn", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--zero-offsets", action="store_true")
    p.add_argument("--weights-json")
    p.add_argument("--stubs", help="JSON list of stub model specs (see the module doc)")
    a = p.parse_args()
    if a.stubs:
        with open(a.stubs) as fh:
            for spec in json.load(fh):
                onnx.save(stub_model(spec), spec["out"])
        return 0
    if not a.out:
        p.error("--out is required")
    if a.n < 1 or a.feature_dim < 1 or a.latent_dim < 0 or a.K < 1 or a.hidden < 1 or a.layers < 1:
        p.error("need n, feature-dim, K, hidden, layers >= 1 and latent-dim >= 0")
    write_package(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
