#!/usr/bin/env bash
# Starts an hfy cluster on this machine: one coordinator and N bank nodes, each a separate process on
# 127.0.0.1, waits until every member is Up, and prints the dashboard address.
#
#   deploy/start-local.sh [N]          N bank nodes (default 2)
#
# Environment (all optional): HFY_PORT (coordinator cluster port, default 4053), HFY_HTTP (API/dashboard,
# default 127.0.0.1:5080), HFY_LOCAL_DIR (logs, pids, data; default /tmp/hfy-local), HFY_DLL (a built hfy.dll;
# default: build src/Hfy in Release), HFY_UP_TIMEOUT (seconds to wait for Up, default 120).
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-2}"
if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n < 1 || n > 64 )); then
  echo "error: N: must be an integer in 1..64 (got '$n')" >&2
  exit 2
fi

port="${HFY_PORT:-4053}"
http="${HFY_HTTP:-127.0.0.1:5080}"
dir="${HFY_LOCAL_DIR:-/tmp/hfy-local}"
timeout="${HFY_UP_TIMEOUT:-120}"
dll="${HFY_DLL:-src/Hfy/bin/Release/net10.0/hfy.dll}"

if [[ -f "$dir/pids" ]] && xargs -r ps -p < "$dir/pids" > /dev/null 2>&1; then
  echo "error: a local cluster is already running (pids in $dir/pids); run deploy/stop-local.sh first" >&2
  exit 2
fi

if [[ -z "${HFY_DLL:-}" ]]; then
  echo "building hfy (Release)…"
  dotnet build src/Hfy -c Release -nologo -v quiet > /dev/null
fi
if [[ ! -f "$dll" ]]; then
  echo "error: $dll not found (build src/Hfy or set HFY_DLL)" >&2
  exit 2
fi

mkdir -p "$dir/data"
: > "$dir/pids"
seeds="127.0.0.1:$port"

# Every process gets the same seed list: the coordinator, which forms the cluster as the first seed.
HFY_SEEDS="$seeds" nohup dotnet "$dll" coordinator --host 127.0.0.1 --port "$port" --http "$http" --data "$dir/data" \
  > "$dir/coordinator.log" 2>&1 &
echo $! >> "$dir/pids"

for i in $(seq 1 "$n"); do
  HFY_SEEDS="$seeds" nohup dotnet "$dll" node --host 127.0.0.1 --port 0 --roles bank \
    > "$dir/bank-$i.log" 2>&1 &
  echo $! >> "$dir/pids"
done

url="http://$http"
want=$((n + 1))
echo "waiting for $want members to be Up (coordinator + $n bank nodes)…"
deadline=$((SECONDS + timeout))
while :; do
  up=$(curl -fsS "$url/api/cluster" 2>/dev/null | grep -o '"status":"Up"' | wc -l || true)
  if (( up >= want )); then
    break
  fi
  if (( SECONDS >= deadline )); then
    echo "error: only $up of $want members Up after ${timeout}s; logs in $dir; stopping" >&2
    "$(dirname "$0")/stop-local.sh" || true
    exit 1
  fi
  sleep 1
done

echo "cluster up: $want members"
echo "dashboard:  $url/"
echo "submit:     dotnet $dll submit SPEC --coordinator $url"
echo "status:     dotnet $dll status --coordinator $url"
echo "stop:       deploy/stop-local.sh   (logs in $dir)"
