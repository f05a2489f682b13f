#!/usr/bin/env bash
# Stops the cluster deploy/start-local.sh started: SIGTERM to every process (each leaves the cluster
# gracefully), then SIGKILL to whatever is still running after HFY_STOP_TIMEOUT seconds (default 30).
set -euo pipefail
dir="${HFY_LOCAL_DIR:-/tmp/hfy-local}"
timeout="${HFY_STOP_TIMEOUT:-30}"
if [[ ! -f "$dir/pids" ]]; then
  echo "no local cluster (no $dir/pids)"
  exit 0
fi

mapfile -t pids < "$dir/pids"
# Bank nodes first (reverse start order), the coordinator last, so partitions hand off while it still runs.
for (( i=${#pids[@]}-1; i>=0; i-- )); do
  kill -TERM "${pids[$i]}" 2> /dev/null || true
done

deadline=$((SECONDS + timeout))
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2> /dev/null; do
    if (( SECONDS >= deadline )); then
      echo "process $pid did not stop in ${timeout}s; killing it" >&2
      kill -KILL "$pid" 2> /dev/null || true
      break
    fi
    sleep 0.5
  done
done
rm -f "$dir/pids" "$dir/token"
echo "stopped ${#pids[@]} processes"
