#!/usr/bin/env bash
# Runs the tests of plan-index-core built for aarch64 under qemu-aarch64 user-mode emulation,
# so the NEON kernels (what Graviton runs) are tested, not only the AVX2 ones on this host.
# Installs what it needs when missing: the Rust target, Debian's qemu-user,
# libc6-arm64-cross and gcc-aarch64-linux-gnu (the linker, and the C compiler simsimd needs).
# Says SKIPPED and exits 0 only when they cannot be had. PROPTEST_CASES (default 16 here) keeps
# the property tests short under emulation; the host run keeps its full case counts.
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-unknown-linux-gnu
sysroot=/usr/aarch64-linux-gnu

skip() {
    echo "SKIPPED: $*"
    exit 0
}

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target" >/dev/null || skip "rustup could not add the $target target"
fi

if ! command -v qemu-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null \
    || [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]; then
    echo "installing qemu-user, libc6-arm64-cross and gcc-aarch64-linux-gnu with apt-get"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    command -v apt-get >/dev/null || skip "no apt-get to install qemu-user, libc6-arm64-cross, gcc-aarch64-linux-gnu"
    if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" \
        apt-get install -y -qq qemu-user libc6-arm64-cross gcc-aarch64-linux-gnu >/dev/null; }; then
        skip "apt-get could not install qemu-user, libc6-arm64-cross and gcc-aarch64-linux-gnu"
    fi
    command -v qemu-aarch64 >/dev/null || skip "qemu-user installed no qemu-aarch64"
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export PROPTEST_CASES="${PROPTEST_CASES:-16}"
started=$SECONDS
# A target directory of its own: this build links with Debian's gcc and compiles C with it,
# cargo-lambda's (scripts/build-lambda.sh) with zig, and in one directory each invalidated the
# other's aarch64 artifacts (a 5-minute rebuild of the function in every local test run).
cargo test --release --target "$target" --target-dir target/qemu-aarch64 -p plan-index-core
echo "aarch64 (qemu) plan-index-core tests: $((SECONDS - started)) s"
