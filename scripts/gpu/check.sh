#!/usr/bin/env bash
# The GPU check of issue 24 ("the GPU path, measured"): the one command a session runs on a lent GPU machine, from the
# repository root, with artifacts/gpu carried (made here by scripts/gpu/pack.sh):
#
#   device tool: command "bash scripts/gpu/check.sh", carry ["artifacts/gpu"], timeout_s 540
#
# The machine has no dotnet, no NuGet and no internet: the check is the self-contained linux-x64 build in
# artifacts/gpu/npga-gpu.tar.xz, unpacked into a temporary folder. ONNX Runtime's CUDA provider
# (Microsoft.ML.OnnxRuntime.Gpu.Linux, 314 MB of native libraries) does not fit the carry, so on the GPU machine F, G and the
# CNN run on ORT's CPU provider (16 cores there; the thread count is stated with every figure) and only the splatting runs
# on CUDA, through ILGPU, which emits PTX and needs nothing but the driver's libcuda.so.1.
#
# What it measures, each part its own process under its own time limit (a failing or hanging part leaves the others'
# figures; the whole check stays under 8 minutes):
#   info      the GPU (nvidia-smi), ILGPU's CUDA device, ONNX Runtime
#   ptx       every renderer kernel compiled to PTX for sm_90 by the packed build
#   parity    every shipped avatar (models/avatars/*) rendered by ILGPU on CUDA against the CPU renderer at 512x512, and
#             random scenes up to 100k Gaussians: PSNR and max abs diff, pass at >= 50 dB
#   fps       the shipped avatars at 512x512 and 550x802, deform + render + refine, with the render stage's own ms
#             (ILGPU with 1 and with every ORT thread; the CPU renderer as the baseline)
#   full      NPGA's full size (100k Gaussians, F and G of 6x256, the CNN) at 550x802 and 512x512: render only (ILGPU,
#             and the CPU renderer) apart from the whole frame (F and G on ORT's CPU provider dominate it)
#   sessions  N = 1, 2, 4, ... 32 concurrent 512x512 sessions (each its own thread and ILGPU renderer) for 10 s a step,
#             until the mean per-session rate falls below 30 fps: the largest N that holds (render only)
# Results: $OUT/summary.txt and $OUT/summary.json (every part's PART.json, PART.txt and PART.log beside them), plus
# nvidia-smi.txt and exit-codes.txt. $OUT is the device tool's output folder; elsewhere it defaults to
# artifacts/gpu-check-out.
#
# NPGA_GPU_CHECK_DRY=1: a stand-in run on a machine without a GPU: the ILGPU kernels on ILGPU's CPU accelerator at tiny
# sizes and short times (avatars thinned to ~1200 Gaussians, 3000 instead of 100k, sessions at 32x32 up to N = 2);
# what needs CUDA is skipped with a message. Its figures are not GPU figures.
# NPGA_GPU_ARCHIVE=PATH: another archive than artifacts/gpu/npga-gpu.tar.xz.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
t0=$(date +%s)
deadline=$((t0 + 475))   # the whole check, seconds (the device tool's limit is 540)
OUT="${OUT:-$root/artifacts/gpu-check-out}"
mkdir -p "$OUT"
dry="${NPGA_GPU_CHECK_DRY:-0}"
archive="${NPGA_GPU_ARCHIVE:-$root/artifacts/gpu/npga-gpu.tar.xz}"
: > "$OUT/exit-codes.txt"
: > "$OUT/check.log"
say() { echo "check.sh: $*" | tee -a "$OUT/check.log"; }

[[ "$dry" == 1 ]] && say "DRY RUN (NPGA_GPU_CHECK_DRY=1): ILGPU's CPU accelerator, tiny sizes; CUDA-only steps are skipped"
say "F, G and the CNN run on ONNX Runtime's CPU provider (its CUDA provider is not in the carried build); the splatting runs on CUDA through ILGPU"

# 1. Unpack the self-contained build.
if [[ ! -f "$archive" ]]; then
    say "FAILED: no $archive (run scripts/gpu/pack.sh on the development machine and carry artifacts/gpu)"
    exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/npga-gpu.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# tar's -J needs the xz program; where it is missing, Python's tarfile (lzma) unpacks the archive instead.
if command -v xz > /dev/null 2>&1; then
    tar -C "$work" -xJf "$archive"
else
    say "no xz program: unpacking with Python's tarfile"
    python3 - "$archive" "$work" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as t:
    try:
        t.extractall(sys.argv[2], filter="fully_trusted")
    except TypeError:  # Python before 3.12: no filter argument
        t.extractall(sys.argv[2])
PY
fi
if [[ ! -x "$work/npga-gpu/bin/npga-gpu-check" ]]; then
    say "FAILED: cannot unpack $archive"
    exit 1
fi
app="$work/npga-gpu/bin/npga-gpu-check"
# The parts' temporary files (the 100k package, thinned dry-run avatars) go under $work too, removed on exit even when a
# part is killed at its limit.
mkdir -p "$work/tmp"
export TMPDIR="$work/tmp"
fixture="$work/npga-gpu/fixture-npga"
say "unpacked $(stat -c %s "$archive") bytes in $(( $(date +%s) - t0 )) s: $(head -1 "$work/npga-gpu/BUILD")"

# 2. The CUDA driver library: ILGPU resolves libcuda.so / libcuda.so.1 through the loader; add its folder to the loader path
#    when it is not in the cache.
ldconfig_bin="$(command -v ldconfig || echo /sbin/ldconfig)"
libcuda="$("$ldconfig_bin" -p 2>/dev/null | awk '/libcuda\.so\.1[[:space:]]/ { print $NF; exit }')"
if [[ -z "$libcuda" ]]; then
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/wsl/lib /usr/local/cuda/compat; do
        if [[ -e "$d/libcuda.so.1" ]]; then
            libcuda="$d/libcuda.so.1"
            export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
            break
        fi
    done
fi
if [[ -n "$libcuda" ]]; then
    say "libcuda.so.1: $libcuda"
else
    say "libcuda.so.1: not found (ldconfig -p and the usual folders)$([[ "$dry" == 1 ]] && echo '; a dry run does not need it')"
fi

# 3. The GPU.
if command -v nvidia-smi > /dev/null 2>&1; then
    nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm,power.limit --format=csv,noheader > "$OUT/gpu.txt" 2>&1
    say "GPU: $(cat "$OUT/gpu.txt")"
    cat "$OUT/nvidia-smi.txt"
else
    say "nvidia-smi: not found$([[ "$dry" == 1 ]] && echo ' (dry run: skipped)')"
    echo "none (nvidia-smi not found)" > "$OUT/gpu.txt"
fi

# 4. The parts. run_part NAME CAP_SECONDS [ARGS...]: at most CAP seconds, and never past the deadline (less what the later
#    parts are guaranteed: RESERVE); the part's own budget (when it stops starting new measurements) is 15 s under its limit.
common=(--out "$OUT" --avatars "$root/models/avatars")
[[ "$dry" == 1 ]] && common+=(--dry)
run_part() {
    local name="$1" cap="$2" reserve="$3"; shift 3
    local now left
    now=$(date +%s)
    left=$((deadline - now - reserve))
    (( cap > left )) && cap=$left
    if (( cap < 20 )); then
        say "$name: SKIPPED, no time left (${left}s before the deadline)"
        echo "$name skipped 0" >> "$OUT/exit-codes.txt"
        return
    fi
    say "$name: up to ${cap}s"
    local start=$(date +%s)
    timeout -k 5 "$cap" "$app" "$name" "${common[@]}" --budget $((cap - 15)) "$@" 2>&1 | tee "$OUT/$name.log"
    local rc=${PIPESTATUS[0]}
    local secs=$(( $(date +%s) - start ))
    echo "$name $rc $secs" >> "$OUT/exit-codes.txt"
    case $rc in
        0) say "$name: done in ${secs}s" ;;
        124|137) say "$name: KILLED at its ${cap}s limit (figures so far kept in $name.json)" ;;
        3) say "$name: no CUDA device" ;;
        *) say "$name: exit code $rc after ${secs}s (see $name.log)" ;;
    esac
    return $rc
}

# Limits (seconds) and what each part leaves to the ones after it: 30 + 20 + 75 + 120 + 100 + 125 = 470.
run_part info 30 440
info_rc=$(awk '$1 == "info" { print $2 }' "$OUT/exit-codes.txt")
run_part ptx 20 420
if [[ "$info_rc" == 3 ]]; then
    say "ILGPU found no CUDA device: parity, fps, full and sessions are skipped (they need CUDA; NPGA_GPU_CHECK_DRY=1 runs them on ILGPU's CPU accelerator)"
    for p in parity fps full sessions; do echo "$p skipped-no-cuda 0" >> "$OUT/exit-codes.txt"; done
else
    run_part parity 75 345
    run_part fps 120 225
    run_part full 100 125 --fixture "$fixture"
    run_part sessions 125 0
fi

# 5. The summary (summary.txt, summary.json).
"$app" summary --out "$OUT" $([[ "$dry" == 1 ]] && echo --dry) > /dev/null || say "summary: failed"
sed '/^---- /,$d' "$OUT/summary.txt"
say "done in $(( $(date +%s) - t0 )) s; results in $OUT (summary.txt, summary.json)"
