#!/usr/bin/env bash
# Checks the installed layout (docs/cli.md): installs the build in BUILD_DIR
# (default build) to a temporary prefix, then, from a directory that is
# neither the source nor the build tree, lists what the installed turncoat
# ships and runs plans/smoke.yaml with it, which must pass (exit 0). The
# prefix is removed afterwards, whatever the outcome.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
prefix=$(mktemp -d /tmp/turncoat-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cd "$prefix"
bin/turncoat --version
# Run from the prefix: `list` falls back to the installed share/turncoat.
bin/turncoat list targets | grep -q "share/turncoat/targets/refbft.yaml"
bin/turncoat run share/turncoat/plans/smoke.yaml --out "$prefix/runs/smoke"
echo "install-smoke: the installed turncoat ran plans/smoke.yaml"
