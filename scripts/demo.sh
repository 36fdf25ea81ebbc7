#!/usr/bin/env bash
# Starts a local Mesos cluster (one master, one agent, Docker) on 127.0.0.1, runs a sample task
# in a Docker container with `mesos-execute`, prints its output, and stops everything.
# Installs what it needs first; safe to run again.
#
#   bash scripts/demo.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

MASTER_PORT="${MASTER_PORT:-5050}"
AGENT_PORT="${AGENT_PORT:-5051}"

ensure_rust
apt_install tar gzip curl
ensure_docker
ensure_busybox_image

log "building the release binaries"
cargo build --release --locked --bin mesos-master --bin mesos-agent --bin mesos-execute \
    --bin mesos-docker-executor --bin mesos-executor
BIN="$CARGO_TARGET_DIR/release"

RUN="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$RUN"
}
trap cleanup EXIT

wait_http() {
    for _ in $(seq 1 100); do
        curl -sf "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$1 did not answer; see the logs in $RUN"
}

log "starting mesos-master on 127.0.0.1:$MASTER_PORT"
"$BIN/mesos-master" --ip=127.0.0.1 --port="$MASTER_PORT" --registry=in_memory \
    >"$RUN/master.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$MASTER_PORT/health"

log "starting mesos-agent on 127.0.0.1:$AGENT_PORT"
"$BIN/mesos-agent" --master="127.0.0.1:$MASTER_PORT" --ip=127.0.0.1 --port="$AGENT_PORT" \
    --work_dir="$RUN/agent" --containerizers=docker,mesos --launcher_dir="$BIN" \
    >"$RUN/agent.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$AGENT_PORT/health"
for _ in $(seq 1 100); do
    [ "$(curl -s "http://127.0.0.1:$MASTER_PORT/master/state" | grep -o '"activated_slaves":[0-9.]*' | cut -d: -f2)" != "0.0" ] && break
    sleep 0.1
done

echo
echo "Mesos web UI:     http://127.0.0.1:$MASTER_PORT/"
echo "Master state:     http://127.0.0.1:$MASTER_PORT/master/state"
echo "Agent state:      http://127.0.0.1:$AGENT_PORT/state"
echo

log "running a task in local/busybox:1"
"$BIN/mesos-execute" --master="127.0.0.1:$MASTER_PORT" --name=hello \
    --docker_image=local/busybox:1 --resources='cpus:0.5;mem:64' \
    --command='echo "Hello from a Docker container on Mesos: $(hostname), sandbox $MESOS_SANDBOX"'

stdout="$(find "$RUN/agent/slaves" -path '*/executors/hello/runs/*/stdout' | head -n 1)"
[ -n "$stdout" ] || die "the task's sandbox was not found"
echo
echo "The task's stdout, read through the agent's /files/read endpoint:"
curl -s "http://127.0.0.1:$AGENT_PORT/files/read?path=$stdout&offset=0" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"], end="")'
echo
log "stopping the cluster"
