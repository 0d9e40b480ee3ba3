"""A small ONNX interpreter in PyTorch for the graphs this project writes (F, G, CNN of npga-avatar/1 packages).

No onnxruntime for Python exists here; this evaluates the graphs of scripts/deformation/onnx_mlp.py,
scripts/testdata/make_avatar_fixture.py and scripts/training/export.py node by node with torch ops, so a package can
be rendered in PyTorch exactly as the C# runtime composes it (bridge.py), and an export can be checked against the
model it came from. Ops: Add Sub Mul Div MatMul Relu Sigmoid Identity Shape Slice Concat Expand Split Conv Gemm.
Anything else raises NotImplementedError naming the op.
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as Fn
from onnx import numpy_helper


class OnnxModule:
    """Loads an .onnx file; __call__(**inputs as tensors) -> dict of output tensors (float64 if the inputs are)."""

    def __init__(self, path):
        self.model = onnx.load(path)
        g = self.model.graph
        self.inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
        self.inputs = [i.name for i in g.input if i.name not in self.inits]
        self.outputs = [o.name for o in g.output]

    def __call__(self, **feeds):
        dtype = next(iter(feeds.values())).dtype
        env = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in self.inits.items()}
        env.update(feeds)
        for node in self.model.graph.node:
            ins = [env[i] if i else None for i in node.input]
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            outs = self._op(node.op_type, ins, attrs, len(node.output))
            for name, val in zip(node.output, outs):
                env[name] = val
        return {o: env[o] for o in self.outputs}

    @staticmethod
    def _op(op, x, a, n_out):
        if op == "Add":
            return [x[0] + x[1]]
        if op == "Sub":
            return [x[0] - x[1]]
        if op == "Mul":
            return [x[0] * x[1]]
        if op == "Div":
            return [x[0] / x[1]]
        if op == "MatMul":
            return [x[0] @ x[1]]
        if op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            y = a.get("alpha", 1.0) * (A @ B)
            return [y + a.get("beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else y]
        if op == "Relu":
            return [torch.relu(x[0])]
        if op == "Sigmoid":
            return [torch.sigmoid(x[0])]
        if op == "Identity":
            return [x[0]]
        if op == "Shape":
            return [torch.tensor(list(x[0].shape), dtype=torch.int64)]
        if op == "Slice":
            data, starts, ends = x[0], x[1].tolist(), x[2].tolist()
            axes = x[3].tolist() if len(x) > 3 and x[3] is not None else list(range(len(starts)))
            steps = x[4].tolist() if len(x) > 4 and x[4] is not None else [1] * len(starts)
            sl = [slice(None)] * data.dim()
            for s, e, ax, st in zip(starts, ends, axes, steps):
                dim = data.shape[ax]
                s = max(0, min(dim, s + dim if s < 0 else s))
                e = max(0, min(dim, e + dim if e < 0 else e))
                sl[ax] = slice(s, e, st)
            return [data[tuple(sl)]]
        if op == "Concat":
            return [torch.cat(x, a["axis"])]
        if op == "Expand":
            return [torch.broadcast_to(x[0], torch.broadcast_shapes(tuple(x[0].shape), tuple(x[1].tolist())))]
        if op == "Split":
            sizes = x[1].tolist() if len(x) > 1 and x[1] is not None else a.get("split")
            if sizes is None:
                sizes = [x[0].shape[a.get("axis", 0)] // n_out] * n_out
            return list(torch.split(x[0], sizes, a.get("axis", 0)))
        if op == "Conv":
            if a.get("group", 1) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])):
                raise NotImplementedError("Conv with groups or dilations")
            pads = a.get("pads", [0, 0, 0, 0])
            xin = Fn.pad(x[0], (pads[1], pads[3], pads[0], pads[2]))
            return [Fn.conv2d(xin, x[1], x[2] if len(x) > 2 else None, stride=a.get("strides", [1, 1]))]
        raise NotImplementedError(f"ONNX op {op} is not in onnx_torch's subset")


def check_same(path, torch_fn, feeds, atol):
    """Max |ONNX(feeds) - torch_fn(feeds)| over all outputs (dict name -> tensor); raises when above atol."""
    got = OnnxModule(path)(**feeds)
    want = torch_fn(**feeds)
    err = max(float((got[k] - want[k]).abs().max()) for k in got)
    if not np.isfinite(err) or err > atol:
        raise AssertionError(f"{path}: ONNX vs torch max |diff| {err:.3e} > {atol:.1e}")
    return err
