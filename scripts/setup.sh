#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine with Node and npm:
#   1. Deno (pinned) from npm into .tools/, outside the project root so Deno keeps its own node_modules mode;
#   2. a WebGPU adapter: Mesa's software Vulkan driver (lavapipe) when no adapter exists, on Debian bookworm
#      from bookworm-backports (faster, the same numbers);
#   3. the project's npm dependencies, exactly as deno.lock pins them.
set -euo pipefail
DENO_VERSION=2.9.6
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
deno="$tools/node_modules/@deno/linux-x64-glibc/deno"
say() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v npm >/dev/null 2>&1; then
  say "npm is missing: install Node.js and npm first (Debian: apt-get install nodejs npm)."
  exit 1
fi
if [ ! -x "$deno" ] || [ "$("$deno" --version 2>/dev/null | head -n1 | cut -d' ' -f2)" != "$DENO_VERSION" ]; then
  say "installing Deno $DENO_VERSION from npm into .tools/"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >&2
fi
if [ ! -x "$deno" ]; then
  say "Deno's npm package did not provide $deno (only linux-x64-glibc is wired up here)."
  exit 1
fi
mkdir -p "$tools/bin"
ln -sf "$deno" "$tools/bin/deno"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$tools/xdg}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

cd "$root"
probe() { "$deno" run --quiet --allow-read --allow-env lib/webgpu/probe.ts >/dev/null 2>&1; }
# Without a Vulkan driver wgpu may still find Mesa's OpenGL one, which runs our kernels about 10x slower.
has_vulkan() { compgen -G "/usr/share/vulkan/icd.d/*.json" >/dev/null || compgen -G "/etc/vulkan/icd.d/*.json" >/dev/null; }
pkgs="mesa-vulkan-drivers libvulkan1"
if ! probe || ! has_vulkan; then
  if probe; then why="no Vulkan driver found (WebGPU would run on OpenGL, much slower)"; else why="no WebGPU adapter found"; fi
  if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    say "$why: installing Debian's $pkgs (software Vulkan, lavapipe)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >&2
    if ! probe; then
      say "still no WebGPU adapter after installing $pkgs; run 'deno task doctor' for details."
      exit 1
    fi
  elif probe; then
    say "warning: $why. For speed install: $pkgs (Debian/Ubuntu, as root)"
  else
    say "$why. Install a GPU driver with Vulkan support, or the software one:"
    say "  Debian/Ubuntu (as root): apt-get install $pkgs"
    exit 1
  fi
fi
# Debian bookworm's own Mesa (22.3) trains our models more slowly than bookworm-backports' (25.0), which
# computes bit-identical numbers (results/bench/mesa.md, `deno task mesa-ab`): on bookworm lavapipe comes from
# backports, pinned so that no other package does. RECTIFIERS_SYSTEM_MESA=1 keeps the installed one.
mesa_from_backports() {
  [ -f /etc/os-release ] && grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release || return 0
  [ "$(id -u)" = 0 ] && [ "${RECTIFIERS_SYSTEM_MESA:-}" != 1 ] || return 0
  case "$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null)" in 2[5-9].* | [3-9]*.*) return 0 ;; esac
  say "installing lavapipe from bookworm-backports (Mesa 25: faster than bookworm's 22.3, the same numbers)"
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: bookworm-backports" "Components: main" \
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" > /etc/apt/sources.list.d/rectifiers-backports.sources
  fi
  printf '%s\n' "Package: *" "Pin: release n=bookworm-backports" "Pin-Priority: 100" \
    > /etc/apt/preferences.d/rectifiers-backports
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >&2; }; then
    say "warning: could not install Mesa from bookworm-backports; keeping the installed one (slower, same numbers)"
  fi
}
mesa_from_backports
# Fashion-MNIST (the transfer experiment's target, and the fallback when CIFAR-10 is missing) from Debian's
# package when possible; elsewhere the experiments download it from its official address when asked.
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
  say "installing Debian's dataset-fashion-mnist (the transfer experiment's target task)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >&2; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >&2 ||
      say "warning: could not install dataset-fashion-mnist; 'deno task data fashion-mnist' downloads it"
  fi
fi
"$deno" install --frozen --quiet >&2
say "ready: Deno $DENO_VERSION, WebGPU adapter present"
