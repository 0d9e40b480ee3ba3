#!/usr/bin/env bash
# Builds what scripts/gpu/check.sh runs on a lent GPU machine (no dotnet, no NuGet, no internet there) and packs it into
# artifacts/gpu/npga-gpu.tar.xz, the one path to carry:
#
#   npga-gpu/bin/            tools/Npga.Live.GpuCheck published self-contained for linux-x64, the framework trimmed
#                            (TrimMode partial: ILGPU, ONNX Runtime's managed API and the project's assemblies kept whole),
#                            with the ONNX Runtime CPU library; ILGPU needs only the driver's libcuda.so.1 on the machine
#   npga-gpu/fixture-npga/   a fixture package with NPGA-size networks (F and G of 6x256, the CNN; random weights, made by
#                            scripts/testdata/make_avatar_fixture.py); the check replaces its Gaussians by 100k
#   npga-gpu/BUILD           commit, date, SDK, sizes
#
# The shipped avatars are not packed: they travel with the working tree (models/avatars).
#
#   bash scripts/gpu/pack.sh [--trim partial|full|none] [--max-mib 30]
#
# --trim: how the framework is trimmed (partial, the default, is the one checked end to end; none and full are there to
# measure the options: see scripts/gpu/README.md). The build happens in artifacts/gpu-build/ (a copy of the projects it
# needs), so the worktree's own bin/ and obj/ are left alone, and artifacts/gpu/ holds the archive only (it is what the
# device tool carries). Fails when the archive is over --max-mib MiB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

trim=partial
max_mib=30
while [[ $# -gt 0 ]]; do
    case "$1" in
        --trim) trim="$2"; shift 2 ;;
        --max-mib) max_mib="$2"; shift 2 ;;
        *) echo "pack.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$trim" in partial|full|none) ;; *) echo "pack.sh: --trim must be partial, full or none" >&2; exit 2 ;; esac

out="$root/artifacts/gpu"
build="$root/artifacts/gpu-build/src"
stage="$root/artifacts/gpu-build/stage"
archive="$out/npga-gpu.tar.xz"
mkdir -p "$out" "$build"
rm -rf "$out"/*   # only the archive lives here

# 1. A private copy of the projects the tool needs (sources only; bin/ and obj/ of the copy persist between packs).
projects=(src/Npga.Live.Core src/Npga.Live.Onnx src/Npga.Live.Avatar src/Npga.Live.Rendering src/Npga.Live.Refine
          src/Npga.Live.Tracking src/Npga.Live.Pipeline tools/Npga.Live.GpuCheck)
cp Directory.Build.props "$build/"
for p in "${projects[@]}"; do
    mkdir -p "$build/$p"
    find "$build/$p" -mindepth 1 -maxdepth 1 ! -name bin ! -name obj -exec rm -rf {} +
    tar -C "$p" --exclude=./bin --exclude=./obj -cf - . | tar -C "$build/$p" -xf -
done
mkdir -p "$build/tests/Npga.Live.Rendering.Tests"   # the tool compiles in the rendering tests' scene generator
cp tests/Npga.Live.Rendering.Tests/TestScenes.cs "$build/tests/Npga.Live.Rendering.Tests/"

# 2. Publish: self-contained linux-x64, trimmed as asked.
publish_args=(-c Release -r linux-x64 --self-contained true -nologo -v quiet -p:DebugType=none -p:GenerateDocumentationFile=false
              -p:EnableTrimAnalyzer=false)
case "$trim" in
    partial) publish_args+=(-p:PublishTrimmed=true) ;;
    full) publish_args+=(-p:PublishTrimmed=true -p:TrimMode=full) ;;
    none) publish_args+=(-p:PublishTrimmed=false) ;;
esac
rm -rf "$stage"
mkdir -p "$stage/npga-gpu"
echo "pack.sh: dotnet publish tools/Npga.Live.GpuCheck (self-contained linux-x64, trim $trim)"
nice -n 10 dotnet publish "$build/tools/Npga.Live.GpuCheck/Npga.Live.GpuCheck.csproj" "${publish_args[@]}" -o "$stage/npga-gpu/bin"
rm -f "$stage/npga-gpu/bin/"*.pdb "$stage/npga-gpu/bin/"*.xml
# Native parts of the runtime a run never loads: the crash-dump writer, the LTTng trace provider (loaded only when present),
# the debugger and diagnostics libraries, and the two standalone GCs (used only when DOTNET_GCName names one): 7 MB.
# And OpenCV's native library (109 MB; Core's image codecs and overlays, which the check never calls).
for f in createdump libcoreclrtraceptprovider.so libmscordbi.so libmscordaccore.so libclrgc.so libclrgcexp.so libOpenCvSharpExtern.so; do
    rm -f "$stage/npga-gpu/bin/$f"
done
test -x "$stage/npga-gpu/bin/npga-gpu-check" || { echo "pack.sh: publish left no npga-gpu-check executable" >&2; exit 1; }

# 3. The NPGA-size networks (a few Gaussians only: the check makes the 100k cloud itself).
echo "pack.sh: fixture package (F, G of 6x256, CNN) with scripts/testdata/make_avatar_fixture.py"
/usr/bin/python3 scripts/testdata/make_avatar_fixture.py --out "$stage/npga-gpu/fixture-npga" --n 64 --hidden 256 --layers 6 \
    --sh-degree 3 --feature-dim 8 --latent-dim 4 --K 15 --seed 7

# 4. Pack.
bin_bytes=$(du -sb "$stage/npga-gpu/bin" | cut -f1)
fixture_bytes=$(du -sb "$stage/npga-gpu/fixture-npga" | cut -f1)
{
    echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown)$([[ -n "$(git status --porcelain -- src tools scripts/testdata Directory.Build.props 2>/dev/null)" ]] && echo ' with uncommitted changes')"
    echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/gpu/pack.sh --trim $trim"
    echo "sdk $(dotnet --version)"
    echo "bin $bin_bytes bytes, fixture $fixture_bytes bytes (unpacked)"
} > "$stage/npga-gpu/BUILD"
echo "pack.sh: xz -9 (unpacked: bin $((bin_bytes / 1048576)) MiB, fixture $((fixture_bytes / 1048576)) MiB)"
tar -C "$stage" -cf - npga-gpu | nice -n 10 xz -9 -T2 > "$archive.tmp"
mv "$archive.tmp" "$archive"
bytes=$(stat -c %s "$archive")
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "pack.sh: $archive: $bytes bytes ($mib MiB), trim $trim"
if (( bytes > max_mib * 1048576 )); then
    echo "pack.sh: FAILED: the archive is $mib MiB, over the $max_mib MiB limit (the device tool carries 64 MiB in all with the ~30 MiB working tree)" >&2
    exit 1
fi
