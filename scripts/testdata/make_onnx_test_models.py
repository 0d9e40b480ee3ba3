#!/usr/bin/python3
"""Writes the small ONNX models that tests/Npga.Live.Onnx.Tests runs through the project's ORT adapter (Npga.Live.Onnx).

Run with Debian's interpreter (python3-onnx, python3-numpy), not a pyenv one:

    /usr/bin/python3 scripts/testdata/make_onnx_test_models.py [output_dir]

Every weight is a closed-form function of its indices, so the C# tests recompute the same math in
managed code without reading the model back. The output is deterministic (same bytes every run).

Models (float32 unless noted; N is a symbolic, dynamic batch dimension):
  affine.onnx       x [N,4] -> y [N,3];  y = x·W + b,  W[i,j] = 0.5·(i+1) - 0.25·j,  b = (0.1, -0.2, 0.3)
  mlp.onnx          x [N,32] -> y [N,8]; h = relu(x·W1 + b1), y = h·W2 + b2 (see mlp_weights below)
  two_outputs.onnx  a [3,2] float, idx [K] int64 -> rows [K,2] = a[idx, :] (Gather axis 0),
                    idx_doubled [K] int64 = 2·idx
  unknown_op.onnx   a well-formed protobuf whose graph uses an operator no runtime knows
  not_onnx.onnx     a text file, not a protobuf
  truncated.onnx    the first half of affine.onnx's bytes
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8  # understood by every ONNX Runtime since 1.10


def affine_weights():
    w = np.array([[0.5 * (i + 1) - 0.25 * j for j in range(3)] for i in range(4)], dtype=np.float32)
    b = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    return w, b


def mlp_weights():
    # Mirrored in tests/Npga.Live.Onnx.Tests/TestModels.cs (MlpW1 etc.); change both together.
    w1 = np.array([[0.1 * math.sin(0.37 * i + 0.11 * j) for j in range(64)] for i in range(32)], dtype=np.float32)
    b1 = np.array([0.01 * (j % 7) - 0.02 for j in range(64)], dtype=np.float32)
    w2 = np.array([[0.1 * math.cos(0.23 * i - 0.17 * j) for j in range(8)] for i in range(64)], dtype=np.float32)
    b2 = np.array([0.05 * j for j in range(8)], dtype=np.float32)
    return w1, b1, w2, b2


def make_model(graph):
    model = helper.make_model(graph, producer_name="npga-live-testdata",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def affine_model():
    w, b = affine_weights()
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])],
        "affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")])
    return make_model(graph)


def mlp_model():
    w1, b1, w2, b2 = mlp_weights()
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W1"], ["h0"]), helper.make_node("Add", ["h0", "b1"], ["h1"]),
         helper.make_node("Relu", ["h1"], ["h"]),
         helper.make_node("MatMul", ["h", "W2"], ["y0"]), helper.make_node("Add", ["y0", "b2"], ["y"])],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
        [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "W2"), numpy_helper.from_array(b2, "b2")])
    return make_model(graph)


def two_outputs_model():
    two = numpy_helper.from_array(np.array(2, dtype=np.int64), "two")
    graph = helper.make_graph(
        [helper.make_node("Gather", ["a", "idx"], ["rows"], axis=0),
         helper.make_node("Mul", ["idx", "two"], ["idx_doubled"])],
        "two_outputs",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, 2]),
         helper.make_tensor_value_info("idx", TensorProto.INT64, ["K"])],
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["K", 2]),
         helper.make_tensor_value_info("idx_doubled", TensorProto.INT64, ["K"])],
        [two])
    return make_model(graph)


def unknown_op_model():
    graph = helper.make_graph(
        [helper.make_node("NoSuchOperatorXyz", ["x"], ["y"])],
        "unknown_op",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, producer_name="npga-live-testdata",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model  # deliberately not checked: the checker rejects the unknown operator


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "Npga.Live.Onnx.Tests", "models")
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(data)
        print(f"wrote {path} ({len(data)} bytes)")

    affine = affine_model().SerializeToString()
    write("affine.onnx", affine)
    write("mlp.onnx", mlp_model().SerializeToString())
    write("two_outputs.onnx", two_outputs_model().SerializeToString())
    write("unknown_op.onnx", unknown_op_model().SerializeToString())
    write("not_onnx.onnx", b"this is a text file, not an ONNX model\n")
    write("truncated.onnx", affine[: len(affine) // 2])


if __name__ == "__main__":
    main()
