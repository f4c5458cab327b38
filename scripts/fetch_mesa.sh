#!/usr/bin/env bash
# Downloads Debian's lavapipe (mesa-vulkan-drivers and the libdrm it needs) from a suite, default
# bookworm-backports, into .cache/mesa/<version>/ without installing it, and prints the path of a Vulkan
# manifest for it: `deno task mesa-ab --icd <that path>` times it against the installed Mesa.
# Uses its own apt lists, so the system's sources and packages are left as they are.
set -euo pipefail
suite="${1:-bookworm-backports}"
case "$suite" in -h | --help)
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  echo "Usage: scripts/fetch_mesa.sh [suite]"
  exit 0
  ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
: > "$work/status" # as if nothing were installed: the suite's own versions, whatever this machine has
echo "deb http://deb.debian.org/debian $suite main" > "$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=$(id -un)")
apt-get "${apt_opts[@]}" update -qq >&2
version="$(apt-cache "${apt_opts[@]}" show mesa-vulkan-drivers | sed -n 's/^Version: //p' | head -1)"
[ -n "$version" ] || { echo "fetch_mesa: no mesa-vulkan-drivers in $suite" >&2; exit 1; }
dest="$root/.cache/mesa/$version"
mkdir -p "$dest"
(cd "$work" && apt-get "${apt_opts[@]}" download mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 >&2)
for deb in "$work"/*.deb; do dpkg -x "$deb" "$dest/root"; done
lib="$dest/root/usr/lib/x86_64-linux-gnu"
[ -f "$lib/libvulkan_lvp.so" ] || { echo "fetch_mesa: the package holds no libvulkan_lvp.so" >&2; exit 1; }
printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' \
  "$lib/libvulkan_lvp.so" > "$dest/lvp_icd.json"
echo "$dest/lvp_icd.json"
