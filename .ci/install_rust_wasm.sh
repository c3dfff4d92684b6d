#!/usr/bin/env bash
# Installs what `deno task build:kernels` needs, when missing:
# - Debian's Rust 1.63 with the wasm32 standard library, lld, binaryen (wasm-opt)
#   and the packaged crate sources of wasm-bindgen 0.2.83 (offline crate builds);
# - wasm-pack, built by rustup's cargo from crates.io;
# - wasm-bindgen-cli 0.2.83 (must equal the crate's wasm-bindgen version). Rust
#   newer than 1.79 refuses to compile wasm-bindgen < 0.2.88, so the CLI is built
#   by Debian's Rust 1.63 from sources that rustup's cargo vendors from crates.io.
set -euo pipefail

pkgs="rustc cargo libstd-rust-dev-wasm32 lld binaryen librust-wasm-bindgen-dev pkg-config libssl-dev curl"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  echo "installing Debian packages: $pkgs"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v wasm-pack >/dev/null 2>&1; then
  echo "installing wasm-pack (cargo install, a few minutes)"
  RUSTUP_TOOLCHAIN=stable cargo install wasm-pack --locked --quiet
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "0.2.83"; then
  echo "building wasm-bindgen-cli 0.2.83 with Debian's Rust (a few minutes)"
  work=$(mktemp -d)
  curl -fsSL "https://static.crates.io/crates/wasm-bindgen-cli/wasm-bindgen-cli-0.2.83.crate" | tar xz -C "$work"
  src="$work/wasm-bindgen-cli-0.2.83"
  (cd "$src" && RUSTUP_TOOLCHAIN=stable cargo vendor --locked --quiet vendor >/dev/null)
  (cd "$src" && RUSTC=/usr/bin/rustc /usr/bin/cargo install --path . --locked --offline --quiet \
    --root "$HOME/.cargo" \
    --config 'source.crates-io.replace-with="vendored-sources"' \
    --config "source.vendored-sources.directory=\"$src/vendor\"")
  rm -rf "$work"
fi
wasm-pack --version
wasm-bindgen --version
/usr/bin/rustc --version
