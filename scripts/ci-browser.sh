#!/usr/bin/env bash
# Browser CI: installs Debian's Chromium (no Playwright browser download), then runs test/browser
# with vitest. The tests drive /usr/bin/chromium through playwright-core and skip, with a logged
# reason, if Chromium is absent:
#   browser.test.ts  gpujs on WebGL2/WebGL1 (SwiftShader, no GPU needed): conformance subset, W1/W2
#   wasm.test.ts     the wasm backend, single-threaded on a page without cross-origin isolation and
#                    threaded (Web Workers on a shared memory) on a page served with COOP/COEP:
#                    conformance subset + wasm-sized cases, W1/W2 against js in the same page
#   bundle.test.ts   esbuild and rollup (+ node-resolve, browser field) bundle the ESM entry with no
#                    Node built-in left; both bundles run a smoke computation in Chromium
#   site.test.ts     the live page (npm run site): loads, computes, a click recomputes, numbers
#                    match Node
# Measured on the project machine (Debian 12, local mirror): apt-get update + install chromium
# took 28-45 s (113 MB download, 479 MB installed).
# Usage: scripts/ci-browser.sh [--install-only]   (as root, or with sudo; SKIP_APT=1 skips apt)
#   --install-only: only install Chromium (the main `npx vitest run` then picks up test/browser).
set -uo pipefail
cd "$(dirname "$0")/.."
INSTALL_ONLY=0
[ "${1:-}" = "--install-only" ] && INSTALL_ONLY=1

if [ "${SKIP_APT:-0}" != "1" ] && [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "== apt-get install chromium"
  start=$(date +%s)
  $SUDO apt-get update -q || echo "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium \
    || echo "apt-get install chromium failed: the browser test will skip"
  echo "chromium install took $(( $(date +%s) - start )) s"
fi
[ -x /usr/bin/chromium ] && /usr/bin/chromium --version 2>/dev/null | head -1
[ "$INSTALL_ONLY" = "1" ] && exit 0

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/gpu.js ]; then
  echo "== npm ci (playwright-core, esbuild, rollup, gpu.js)"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; exit 1; }
fi

echo "== browser tests (gpujs, wasm, bundles, live page in Chromium)"
npx vitest run test/browser --reporter=default
