"""Hand-built ONNX graphs (opset 17, float32, dynamic N) of the deformation prior's MLP F.

F(mu, feat; z) = out_scale * W_L act(... act(W_1 act(h0 + W_z z) + b_1) ...) + b_L
with h0 = W_mu (mu - center) / half + W_f feat + b_0  (the first layer without its z term).

Only standard ops that ONNX Runtime's CPU provider runs: Sub, Mul, MatMul, Add, Relu / Sigmoid.
Three graphs share the same weights:
  F.onnx       mu [N,3], feat [N,C], z_exp [1,K] -> d_mu [N,3]
  F_pre.onnx   mu [N,3], feat [N,C]              -> h0 [N,H]    (per avatar, once)
  F_post.onnx  h0 [N,H], z_exp [1,K]             -> d_mu [N,3]  (per frame)
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class _G:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name))
        return name

    def op(self, typ, ins, out=None, **kw):
        self.n += 1
        out = out or f"{typ.lower()}_{self.n}"
        self.nodes.append(helper.make_node(typ, ins, [out], name=f"{typ}_{self.n}", **kw))
        return out

    def act(self, x, kind, out=None):
        if kind == "relu":
            return self.op("Relu", [x], out)
        if kind == "silu":
            return self.op("Mul", [x, self.op("Sigmoid", [x])], out)
        raise ValueError(kind)


def _head(g, w, mu, feat):
    """h0 = ((mu - center) * inv_half) @ W_mu + feat @ W_f + b0."""
    x = g.op("Mul", [g.op("Sub", [mu, g.const("center", w["center"][None])]), g.const("inv_half", 1.0 / w["half"][None])])
    h = g.op("Add", [g.op("MatMul", [x, g.const("W_mu", w["W_mu"])]), g.op("MatMul", [feat, g.const("W_f", w["W_f"])])])
    return g.op("Add", [h, g.const("b0", w["b0"][None])])


def _tail(g, w, h0, z, act, out="d_mu"):
    """d_mu = out_scale * MLP(act(h0 + z @ W_z))."""
    h = g.op("Add", [h0, g.op("MatMul", [z, g.const("W_z", w["W_z"])])])  # [1,H] broadcast to [N,H]
    h = g.act(h, act)
    n_hidden = len(w["Ws"])
    for i, (W, b) in enumerate(zip(w["Ws"], w["bs"])):
        h = g.op("Add", [g.op("MatMul", [h, g.const(f"W{i + 1}", W)]), g.const(f"b{i + 1}", b[None])])
        if i < n_hidden - 1:
            h = g.act(h, act)
    # the output scale is folded into the last layer (W_L, b_L already multiplied by it)
    g.nodes[-1].output[0] = out
    return out


def _model(g, inputs, outputs, name, doc):
    graph = helper.make_graph(g.nodes, name, inputs, outputs, g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="npga-live scripts/deformation", doc_string=doc)
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def _vi(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def build(w, act="relu", doc=""):
    """w: dict of float32 numpy arrays: center [3], half [3], W_mu [3,H], W_f [C,H], b0 [H], W_z [K,H],
    Ws [list of [H,H]..., last [H,3] with the output scale folded in], bs [...]. Returns (F, F_pre, F_post)."""
    H = w["b0"].shape[0]
    C = w["W_f"].shape[0]
    K = w["W_z"].shape[0]
    g = _G()
    h0 = _head(g, w, "mu", "feat")
    _tail(g, w, h0, "z_exp", act)
    F = _model(g, [_vi("mu", ["N", 3]), _vi("feat", ["N", C]), _vi("z_exp", [1, K])], [_vi("d_mu", ["N", 3])], "F", doc)
    g = _G()
    h0 = _head(g, w, "mu", "feat")
    g.nodes[-1].output[0] = "h0"
    F_pre = _model(g, [_vi("mu", ["N", 3]), _vi("feat", ["N", C])], [_vi("h0", ["N", H])], "F_pre", doc)
    g = _G()
    _tail(g, w, "h0", "z_exp", act)
    F_post = _model(g, [_vi("h0", ["N", H]), _vi("z_exp", [1, K])], [_vi("d_mu", ["N", 3])], "F_post", doc)
    return F, F_pre, F_post


def random_weights(H=64, hidden=3, C=8, K=15, seed=0):
    r = np.random.default_rng(seed)
    f = lambda *s: (r.standard_normal(s) * 0.2).astype(np.float32)
    return dict(center=np.zeros(3, np.float32), half=np.ones(3, np.float32), W_mu=f(3, H), W_f=f(C, H), b0=f(H),
                W_z=f(K, H), Ws=[f(H, H) for _ in range(hidden - 1)] + [f(H, 3)], bs=[f(H) for _ in range(hidden - 1)] + [f(3)])


if __name__ == "__main__":
    # benchmark graphs: python3 onnx_mlp.py OUTDIR  -> OUTDIR/bench_H{H}_L{L}_{act}_{F,F_pre,F_post}.onnx
    import os, sys
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for H, L in [(32, 3), (48, 3), (64, 3), (64, 4), (96, 3), (128, 3)]:
        for act in ("relu", "silu"):
            for name, m in zip(("F", "F_pre", "F_post"), build(random_weights(H, L), act)):
                onnx.save(m, f"{out}/bench_H{H}_L{L}_{act}_{name}.onnx")
