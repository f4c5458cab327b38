#!/usr/bin/env bash
# The GPU check: on a Linux machine with an NVIDIA GPU and no network, within about 15 minutes, run doctor, the
# training-step profile, the bench's steps and one long-tier shard, and write their tables to <out>.
#
#   scripts/gpu_check.sh <out> [--data-dir DIR] [--shard NAME] [--allow-software] [--quick]
#
# What it needs beside the repository (nothing is downloaded):
#   - Deno in .tools/bin/deno (scripts/setup.sh puts it there), or .carry/deno.zst (zstd -19 of that binary,
#     about a third of its size) when .tools is not carried;
#   - the npm packages in node_modules/ (deno.json's nodeModulesDir), as set-up leaves them;
#   - a Vulkan loader: the system's, or Debian's libvulkan1 .deb in .gl/ (unpacked into / when ldconfig finds no
#     libvulkan.so.1);
#   - the NVIDIA Vulkan driver's ICD file, found in the usual places (or given in VK_DRIVER_FILES);
#   - for the shard, CIFAR-10 under --data-dir (a cifar10/{train,test}/<class>/*.jpg folder or the binary
#     release); without it the shard step is skipped and says so.
# --allow-software runs it on a software adapter too, and --quick shortens the profile and the bench (a dry run of
# the script itself on a machine with no GPU).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-}"
if [ -z "$out" ] || [ "${out:0:2}" = "--" ]; then
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
shift
data_dir=""
shard="small-model-long-relu-seed1"
allow_software=0
quick=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="$2"; shift 2 ;;
    --shard) shard="$2"; shift 2 ;;
    --allow-software) allow_software=1; shift ;;
    --quick) quick=(--quick); shift ;;
    *) echo "gpu_check: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log="$out/gpu_check.log"
say() { printf '[gpu_check] %s\n' "$*" | tee -a "$log" >&2; }
cd "$root"

# 1. The Vulkan loader and the NVIDIA driver.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  if compgen -G ".gl/*.deb" >/dev/null; then
    say "no Vulkan loader on the system: unpacking the carried .gl/*.deb"
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    say "no Vulkan loader (libvulkan.so.1) and no .gl/*.deb carried: cannot reach the GPU through Vulkan"
    exit 1
  fi
fi
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then
      export VK_DRIVER_FILES="$icd"
      break
    fi
  done
fi
if [ -n "${VK_DRIVER_FILES:-}" ]; then
  say "NVIDIA Vulkan driver: $VK_DRIVER_FILES"
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
elif [ "$allow_software" = 1 ]; then
  say "no NVIDIA Vulkan driver found: going on with whatever adapter there is (--allow-software)"
else
  say "no NVIDIA Vulkan driver (nvidia_icd.json) found; set VK_DRIVER_FILES to it, or --allow-software"
  exit 1
fi

# 2. Deno, offline.
deno="$root/.tools/bin/deno"
if [ ! -x "$deno" ] && [ -f .carry/deno.zst ]; then
  mkdir -p "$root/.tools/bin"
  zstd -q -d .carry/deno.zst -o "$deno" && chmod +x "$deno"
fi
if [ ! -x "$deno" ]; then
  say "no Deno: carry .tools/ (scripts/setup.sh) or .carry/deno.zst"
  exit 1
fi
export PATH="$root/.tools/bin:$PATH" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$root/.tools/xdg}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
if [ ! -d node_modules ]; then
  say "no node_modules/: carry it as set-up leaves it (the machine has no network for npm)"
  exit 1
fi

# 3. The checks, each bounded so one that hangs leaves time for the rest.
status=0
step() {
  local name="$1" limit="$2"
  shift 2
  say "$name: $*"
  if timeout --kill-after=10s "$limit" "$@" >"$out/$name.txt" 2>&1; then
    say "$name: done"
  else
    say "$name: FAILED or timed out (see $out/$name.txt)"
    status=1
  fi
}
step doctor 120s deno task doctor
step profile 240s deno task profile "${quick[@]}" --out "$out"
step bench 240s deno task bench "${quick[@]}" --no-tfjs --no-torch --out "$out"
if [ -n "$data_dir" ]; then
  step shard 420s deno task exp small-model --tier long --shard "$shard" --data-dir "$data_dir" \
    --out "$out/results" --progress lines
else
  say "shard: skipped (no --data-dir with CIFAR-10; nothing can be downloaded here)"
fi
grep -h "adapter\|llvmpipe\|NVIDIA" "$out/doctor.txt" 2>/dev/null | head -3 | tee -a "$log" >&2
say "tables in $out: profile.md, the bench's <adapter>.md, shard.txt (and results/ when the shard finished)"
exit "$status"
