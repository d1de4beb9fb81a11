#!/usr/bin/env bash
# Installs the Debian packages turncoat builds and tests with. Idempotent:
# packages already present are left alone, so re-running it costs a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev libprotoc-dev protobuf-compiler
  libabsl-dev libyaml-cpp-dev libssl-dev libre2-dev nlohmann-json3-dev libnghttp2-dev
  libgtest-dev libgmock-dev
  libkainjow-mustache-dev  # target templates: full Mustache, header-only
  libcli11-dev  # command lines (harness/commands/command_line.h), header-only
  # The second reference target, pbft (targets/pbft/), is Python 3 on
  # Debian's gRPC, protobuf and cryptography modules.
  python3-grpcio python3-protobuf python3-cryptography
  nginx-light  # the proxy benchmark's baseline (bench/), never started by tests
  chromium  # lays out report.html headless in tests/reports/report_in_browser_test.cc
  iproute2 nftables  # links: netns (harness/netns.h): namespaces, veth pairs, redirects
  zlib1g-dev  # crc32 of TCP targets' frames (agents/frame_format.h)
  # CI's sanitizer and fuzzing stages (scripts/sanitize.sh, scripts/fuzz.sh):
  # clang 14; libFuzzer and the sanitizer runtimes (libclang_rt.fuzzer-x86_64.a
  # and friends), which clang only recommends; llvm-symbolizer for the stacks
  # of reports.
  clang libclang-rt-14-dev llvm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
