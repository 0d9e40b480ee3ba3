"""Rewrites only the `triangles` of an existing expression model with build_expression_model.build_triangles (the
basis, canonical shape and everything else are kept byte for byte in value), so a triangulation fix does not change
the expression space that trackers, priors and avatars share.

  /usr/bin/python3 scripts/expression/retriangulate.py models/expression/mp468-pca-v1/expression_model.json
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_expression_model import build_triangles, read_uv  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="expression_model.json to update in place")
    ap.add_argument("--human", default="node_modules/@vladmandic/human")
    args = ap.parse_args()
    with open(args.model) as f:
        model = json.load(f)
    before = len(model["triangles"])
    model["triangles"] = build_triangles(read_uv(args.human))
    with open(args.model, "w") as f:
        json.dump(model, f, separators=(",", ":"))
    print(json.dumps({"triangles_before": before, "triangles": len(model["triangles"])}))


if __name__ == "__main__":
    main()
