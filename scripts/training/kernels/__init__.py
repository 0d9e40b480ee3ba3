"""The training kernels, as PyTorch C++ extensions:

  splat  fused Gaussian splatting, projection and tile rasterisation, forward and backward (splat_math.h for the math,
         host and device functions; splat_cpu.cpp with OpenMP); rasterizer.py is the reference it must match
  mlp    the per-Gaussian MLPs F and G, forward and backward (mlp_cpu.cpp: oneDNN sgemm and fused activations)
  loss   NPGA eq. 10's photometric term, L1 + SSIM, with its gradient (loss_cpu.cpp)
  adam   torch.optim.Adam's update in one pass per tensor (optim_cpu.cpp)

Building: `build(device)` compiles the extension for 'cpu' or 'cuda' with torch.utils.cpp_extension into
artifacts/kernels/<device>-torch<version>/ (ninja; 30-60 s the first time, then cached and rebuilt only when a source
changes). scripts/setup.sh builds the CPU one (needs Debian's libtorch-dev, pybind11-dev, libdnnl-dev, ninja-build).
The CUDA build of splat_math.h's functions (per-tile blocks as in the 3DGS reference) is not written yet: no GPU was
lent to check it, so on CUDA devices the trainer uses the dense rasteriser and torch's own layers (cuBLAS).
"""
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
_MODULES = {}


def build(device="cpu", verbose=False):
    """The compiled CPU extension (built once per process, cached on disk). Raises RuntimeError with the compiler's
    output when the build fails, and for 'cuda' (not written yet)."""
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    if kind in _MODULES:
        return _MODULES[kind]
    if kind == "cuda":
        raise RuntimeError("the CUDA build of the training kernels is not written yet; use the dense rasteriser on GPUs")
    from torch.utils.cpp_extension import load
    out = os.path.join(ROOT, "artifacts", "kernels", f"{kind}-torch{torch.__version__}")
    os.makedirs(out, exist_ok=True)
    if kind == "cpu":
        sources = [os.path.join(HERE, f) for f in ("bindings.cpp", "splat_cpu.cpp", "mlp_cpu.cpp", "loss_cpu.cpp", "optim_cpu.cpp")]
        mod = load(name="npga_kernels_cpu", sources=sources, build_directory=out, verbose=verbose,
                   extra_cflags=["-std=c++17", "-O3", "-march=native", "-mprefer-vector-width=512", "-fno-trapping-math",
                                 "-fno-math-errno", "-fopenmp", "-Wno-psabi"],
                   extra_ldflags=["-fopenmp", "-ldnnl"])
    _MODULES[kind] = mod
    return mod
