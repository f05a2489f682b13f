#!/usr/bin/env bash
# Starts an hfy cluster on this machine: one coordinator and N bank nodes, each a separate process on
# 127.0.0.1, waits until every member is Up, and prints the dashboard address.
#
#   deploy/start-local.sh [N]          N bank nodes (default 2)
#
# Environment (all optional): HFY_PORT (coordinator cluster port, default 4053), HFY_HTTP (API/dashboard,
# default 127.0.0.1:5080), HFY_LOCAL_DIR (logs, pids, data; default /tmp/hfy-local), HFY_DLL (a built hfy.dll;
# default: build src/Hfy in Release), HFY_UP_TIMEOUT (seconds to wait for Up, default 120),
# HFY_TOKEN (API token; when HFY_HTTP is not loopback and none is given, one is generated and written to
# $HFY_LOCAL_DIR/token, readable by this user only).
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

http_host="${http%:*}"
http_port="${http##*:}"
http_host="${http_host#[}"
http_host="${http_host%]}"
if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port < 1 || port > 65535 )); then
  echo "error: HFY_PORT: must be a port in 1..65535 (got '$port')" >&2
  exit 2
fi
if ! [[ "$http_port" =~ ^[0-9]+$ ]] || (( http_port < 1 || http_port > 65535 )) || [[ -z "$http_host" || "$http" != *:* ]]; then
  echo "error: HFY_HTTP: must be host:port with a port in 1..65535 (got '$http')" >&2
  exit 2
fi

# A port someone else holds would fail one process minutes into the wait: check both before starting anything.
port_busy() {
  local p="$1"
  if command -v ss > /dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$p" 2> /dev/null)" ]]
  else
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null
  fi
}
# The first bank node is a second seed on HFY_PORT + 1: a coordinator restarted after a crash rejoins through it.
bank_port=$((port + 1))
for p in "$port" "$bank_port" "$http_port"; do
  if port_busy "$p"; then
    what=$([[ "$p" == "$port" ]] && echo "HFY_PORT (cluster)" || { [[ "$p" == "$bank_port" ]] && echo "HFY_PORT + 1 (first bank node, second seed)"; } || echo "HFY_HTTP (API/dashboard)")
    echo "error: $what: port $p is already in use; stop what holds it or choose another port" >&2
    exit 2
  fi
done

# Loopback binds serve the API openly; any other bind needs a token, and the wait below must send it too.
token="${HFY_TOKEN:-}"
case "$http_host" in
  127.0.0.1|localhost|::1) poll_host="$http_host" ;;
  0.0.0.0) poll_host="127.0.0.1" ;;
  ::) poll_host="[::1]" ;;
  *:*) poll_host="[$http_host]" ;;
  *) poll_host="$http_host" ;;
esac
[[ "$poll_host" == "::1" ]] && poll_host="[::1]"
case "$http_host" in
  127.0.0.1|localhost|::1) ;;
  *)
    if [[ -z "$token" ]]; then
      token="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    fi
    ;;
esac

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
auth=()
if [[ -n "$token" ]]; then
  (umask 077 && printf '%s\n' "$token" > "$dir/token")
  auth=(-H "Authorization: Bearer $token")
fi
seeds="127.0.0.1:$port,127.0.0.1:$bank_port"

# Every process gets the same seed list: the coordinator, which forms the cluster as the first seed, and the first
# bank node, through which a restarted coordinator rejoins the running cluster (its experiments resume from the store).
HFY_SEEDS="$seeds" HFY_TOKEN="$token" nohup dotnet "$dll" coordinator --host 127.0.0.1 --port "$port" --http "$http" --data "$dir/data" \
  > "$dir/coordinator.log" 2>&1 &
echo $! >> "$dir/pids"

for i in $(seq 1 "$n"); do
  bank_listen=$([[ "$i" == 1 ]] && echo "$bank_port" || echo 0)
  HFY_SEEDS="$seeds" nohup dotnet "$dll" node --host 127.0.0.1 --port "$bank_listen" --roles bank \
    > "$dir/bank-$i.log" 2>&1 &
  echo $! >> "$dir/pids"
done

url="http://$poll_host:$http_port"
want=$((n + 1))
echo "waiting for $want members to be Up (coordinator + $n bank nodes)…"
deadline=$((SECONDS + timeout))
while :; do
  up=$(curl -fsS "${auth[@]}" "$url/api/cluster" 2>/dev/null | grep -o '"status":"Up"' | wc -l || true)
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
if [[ -n "$token" ]]; then
  echo "dashboard:  $url/#token=$token"
  echo "token:      in $dir/token (export HFY_TOKEN=\$(cat $dir/token) for the commands below)"
else
  echo "dashboard:  $url/"
fi
echo "submit:     dotnet $dll submit SPEC --coordinator $url"
echo "status:     dotnet $dll status --coordinator $url"
echo "stop:       deploy/stop-local.sh   (logs in $dir)"
