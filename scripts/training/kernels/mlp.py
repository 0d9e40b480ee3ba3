"""The per-Gaussian MLPs (F, NPGA eq. 4; G, eq. 5) on the fused CPU kernel (mlp_cpu.cpp), with torch's own ops as the
fallback and the judge.

    y = mlp(x, [(W0, b0), (W1, b1), ...], act="silu")     # x [N,Din]; W [out,in], b [out] (nn.Linear layout)

act after every layer but the last. The fused path takes CPU float32 tensors whose hidden widths are multiples of 16;
anything else runs the same layers with torch.
"""
import torch
import torch.nn.functional as Fn

from . import build

ACTS = {"silu": 0, "relu": 1}


class _MLP(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, act, *params):
        Ws, bs = list(params[0::2]), list(params[1::2])
        outs = build("cpu").mlp_forward(x, Ws, bs, act)
        ctx.n_layers, ctx.act = len(Ws), act
        ctx.save_for_backward(x, *Ws, *outs[1:])
        return outs[0]

    @staticmethod
    def backward(ctx, gy):
        saved = ctx.saved_tensors
        L = ctx.n_layers
        x, Ws, acts = saved[0], list(saved[1:1 + L]), list(saved[1 + L:])
        res = build("cpu").mlp_backward(gy, x, Ws, acts, ctx.act)
        return (res[0], None, *res[1:])


def fusable(x, layers):
    """True when the fused CPU kernel can run these layers on x."""
    return (x.device.type == "cpu" and x.dtype == torch.float32 and all(W.dtype == torch.float32 for W, _ in layers)
            and all(W.shape[0] % 16 == 0 for W, _ in layers[:-1]))


def mlp(x, layers, act="silu", fused=True):
    """The MLP's output [N,Dout]; gradients flow to x and to every W, b."""
    if fused and fusable(x, layers):
        params = [t for W, b in layers for t in (W, b)]
        return _MLP.apply(x.contiguous(), ACTS[act], *params)
    h = x
    for i, (W, b) in enumerate(layers):
        h = Fn.linear(h, W, b)
        if i < len(layers) - 1:
            h = Fn.silu(h) if act == "silu" else Fn.relu(h)
    return h
