#!/usr/bin/env bash
# The gpujs suites in gpu.js mode 'headlessgl' (WebGL 1 through the native `gl` package, i.e.
# headless-gl: ANGLE on Mesa, llvmpipe on a machine without a GPU) under xvfb-run:
# every kernel against the js oracle (test/backend-gpujs/conformance.test.ts), the OP_SPECS table
# in float32 (ops.test.ts) and scope's texture release (scope.test.ts).
#
# It never edits package.json or package-lock.json: `gl` is used from node_modules when present,
# else from $CURVAX_GL_PREFIX (default ~/.cache/curvax-headless-gl), found through NODE_PATH
# (gpu.js loads `gl` with require, which honours NODE_PATH).
#
# Usage: bash scripts/headless-gl.sh [--install]
#   --install  build what is missing: the Debian/Ubuntu packages `gl` needs (apt-get, as root)
#              and `npm install gl@<the version gpu.js asks for>` into the prefix. `gl` has no
#              prebuilt binary reachable from an offline machine, so it compiles ANGLE from source.
# Exit status: 0 green, 1 a test failed, 2 skipped (no gl / xvfb-run; the reason is printed).
#
# Measured on a 2-vCPU Debian 12 VM (Node 20.20, shared): apt-get 23 s, `gl` 8.1.6 build 5 min 46 s
# (prebuild-install could not reach github.com, node-gyp compiled ANGLE), the three suites 20 s
# (221 tests). Too slow from scratch for CI (> 5 min), so .ci/run does not call it.
set -uo pipefail
cd "$(dirname "$0")/.."

install=0
[ "${1:-}" = "--install" ] && install=1
prefix="${CURVAX_GL_PREFIX:-${HOME:-/tmp}/.cache/curvax-headless-gl}"
t_start=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t_start )) s] $*"; }
skip() { echo "headless-gl: skipped: $*"; exit 2; }

[ -d node_modules/gpu.js ] || skip "gpu.js is not installed (npm ci installs it as an optional dependency)."
gl_version=$(node -p "require('./node_modules/gpu.js/package.json').optionalDependencies?.gl ?? 'latest'")
export NODE_PATH="$prefix/node_modules${NODE_PATH:+:$NODE_PATH}"
have_gl() { node -e "require('gl')" >/dev/null 2>&1; }

if ! have_gl || ! command -v xvfb-run >/dev/null 2>&1; then
  if [ $install -eq 0 ]; then
    have_gl || skip "the native 'gl' package is not installed (run with --install to build gl@$gl_version into $prefix)."
    skip "xvfb-run is missing (apt-get install -y xvfb xauth, or run with --install)."
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    stamp "apt-get: build-essential python3 python-is-python3 pkg-config libxi-dev libgl-dev xvfb xauth"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      build-essential python3 python-is-python3 pkg-config libxi-dev libgl-dev xvfb xauth >/dev/null \
      || skip "apt-get install failed (see above)."
  else
    echo "headless-gl: not root or no apt-get: install build-essential python3 pkg-config libxi-dev libgl-dev xvfb xauth yourself."
  fi
  if ! have_gl; then
    stamp "npm install gl@$gl_version into $prefix (builds from source when no prebuilt binary can be fetched)"
    mkdir -p "$prefix"
    [ -f "$prefix/package.json" ] || echo '{ "name": "curvax-headless-gl", "private": true }' > "$prefix/package.json"
    npm install --prefix "$prefix" --no-audit --no-fund --foreground-scripts "gl@$gl_version" > "$prefix/install.log" 2>&1 \
      || { tail -n 30 "$prefix/install.log"; skip "building gl failed (log: $prefix/install.log)."; }
  fi
  have_gl || skip "gl still does not load after installing (log: $prefix/install.log). Without libxi-dev npm drops it silently."
  command -v xvfb-run >/dev/null 2>&1 || skip "xvfb-run is still missing."
fi

xvfb=(xvfb-run -a -s "-ac -screen 0 1280x1024x24")
stamp "GL context check"
"${xvfb[@]}" node -e "const gl = require('gl')(1, 1); if (!gl) process.exit(1); console.log('headless-gl:', gl.getParameter(gl.VERSION), '/', gl.getParameter(gl.RENDERER))" \
  || skip "gl loads but cannot create a context under xvfb-run."

stamp "vitest, CURVAX_GPUJS_MODES=headlessgl"
CURVAX_GPUJS_MODES=headlessgl "${xvfb[@]}" npx vitest run --project wasm \
  test/backend-gpujs/conformance.test.ts test/backend-gpujs/ops.test.ts test/backend-gpujs/scope.test.ts
status=$?
stamp "done (exit $status)"
[ $status -eq 0 ] || exit 1
