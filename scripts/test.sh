#!/usr/bin/env bash
# Runs every check and test of the project: formatting, clippy, unit, property and integration
# tests. Installs what the tests need first; safe to run again.
#
#   bash scripts/test.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_rust

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "cargo test"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
