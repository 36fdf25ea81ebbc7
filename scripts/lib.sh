# Shared helpers for the project's scripts. Source it; do not run it.
#
# Everything heavy (cargo builds, downloaded tools, images) is cached outside the clone under
# $CACHE_DIR, keyed by version, so that repeated and CI runs reuse it.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${SPARK_MESOS_CACHE:-$HOME/.cache/spark-mesos}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE_DIR/target}"
mkdir -p "$CACHE_DIR"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# as_root CMD…: run CMD as root (directly when we are root, else through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
# apt_install PKG…: install the Debian packages that are not installed yet.
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_rust: a stable Rust toolchain with rustfmt and clippy (rustup when cargo is missing).
ensure_rust() {
    if [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
    if ! command -v cargo >/dev/null; then
        apt_install ca-certificates curl gcc libc6-dev pkg-config
        log "installing Rust (rustup, stable)"
        curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if command -v rustup >/dev/null; then
        cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
        cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
    fi
    apt_install gcc libc6-dev pkg-config
}

# ensure_docker: a running Docker engine (Debian's docker.io; dockerd started by hand when no
# service manager runs it). The daemon's data and log live under $CACHE_DIR/docker.
ensure_docker() {
    apt_install docker.io iptables ca-certificates
    if docker info >/dev/null 2>&1; then return 0; fi
    local dir="$CACHE_DIR/docker"
    mkdir -p "$dir"
    log "starting dockerd (data root $dir/data, log $dir/dockerd.log)"
    as_root sh -c "nohup dockerd --data-root '$dir/data' --pidfile '$dir/dockerd.pid' >'$dir/dockerd.log' 2>&1 &"
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    tail -n 30 "$dir/dockerd.log" >&2 || true
    die "dockerd did not become ready"
}

# ensure_busybox_image: `local/busybox:1`, a 2 MB image built from Debian's busybox-static with no
# registry (busybox and its applet links on an empty root file system).
ensure_busybox_image() {
    docker image inspect local/busybox:1 >/dev/null 2>&1 && return 0
    apt_install busybox-static
    local rootfs
    rootfs="$(mktemp -d)"
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
    done
    echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
    echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$rootfs/etc/passwd"
    log "building local/busybox:1"
    tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - local/busybox:1 >/dev/null
    rm -rf "$rootfs"
}
