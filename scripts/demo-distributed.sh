#!/usr/bin/env bash
# Distributed demo: one local Redis, two Tollgate instances sharing it, and the try-it client alternating between them.
# With the default rule (capacity 20), a burst of 40 requests spread over both instances gets about 20 through,
# not 40: the bucket lives in Redis, not in either instance.
#
# Needs: redis-server on PATH, a JDK 17+. Builds tollgate-server/target/tollgate-server.jar if it is missing.
# Usage: scripts/demo-distributed.sh [-n 40]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${2:-40}"
[[ "${1:-}" == "-n" ]] || N=40
JAR="$ROOT/tollgate-server/target/tollgate-server.jar"
WORK="$(mktemp -d -t tollgate-demo.XXXXXX)"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v redis-server >/dev/null 2>&1; then
  echo "demo-distributed: redis-server is not on PATH. Install Redis (for example 'apt-get install redis-server')" >&2
  echo "or run the Docker Compose setup instead (docker compose up --build)." >&2
  exit 1
fi

# True when something already listens on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a free port at or above $1.
free_port() {
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}

# Prints the HTTP status of GET $2 on 127.0.0.1:$1, or nothing. Plain bash: no curl needed.
http_status() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 \
    && head -n1 <&3 | awk '{print $2}') 2>/dev/null || true
}

REDIS_PORT=$(free_port $((16379 + RANDOM % 500)))
APP1_PORT=$(free_port $((18000 + RANDOM % 500)))
APP2_PORT=$(free_port $((APP1_PORT + 1)))

echo "== Starting redis-server on port $REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do port_busy "$REDIS_PORT" && break; sleep 0.1; done
port_busy "$REDIS_PORT" || { echo "redis-server did not start; log:" >&2; cat "$WORK/redis.log" >&2; exit 1; }

if [[ ! -f "$JAR" ]]; then
  echo "== Building $JAR (first run only)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
fi

start_instance() {
  local name=$1 port=$2
  # Two JVMs, Redis and the client share this machine, so the store gets 1 s per call instead of the 100 ms
  # production default (override with TOLLGATE_REDIS_TIMEOUT); otherwise a busy laptop shows fail-open answers.
  # Each instance runs in a scratch directory so a developer's own .env does not leak into the demo.
  mkdir -p "$WORK/$name"
  (cd "$WORK/$name" && PORT="$port" REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_PORT" \
      RATE_LIMIT_RULES_PATH="$ROOT/rate_limits.json" EXPECTED_INSTANCES=2 \
      TOLLGATE_REDIS_TIMEOUT="${TOLLGATE_REDIS_TIMEOUT:-1s}" \
      exec java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$JAR" >"$WORK/$name.log" 2>&1) &
  PIDS+=($!)
  echo "== Started $name on port $port (pid $!, log $WORK/$name.log)"
}

start_instance app1 "$APP1_PORT"
start_instance app2 "$APP2_PORT"

for port in "$APP1_PORT" "$APP2_PORT"; do
  for _ in $(seq 120); do
    [[ "$(http_status "$port" /health)" == "200" ]] && break
    sleep 0.5
  done
  if [[ "$(http_status "$port" /health)" != "200" ]]; then
    echo "Instance on port $port did not become healthy in 60 s. Its log:" >&2
    cat "$WORK"/app*.log >&2
    exit 1
  fi
  echo "== Instance on port $port is healthy"
done

# A fresh JVM is slow on its first few requests, and the store gives each call only 100 ms; warm both instances
# on /special_path (its own bucket) so the burst on / below is decided by Redis, not by the failure policy.
echo "== Warming up both instances on /special_path"
for port in "$APP1_PORT" "$APP2_PORT"; do
  for _ in $(seq 25); do http_status "$port" /special_path >/dev/null; done
done

echo
echo "== $N requests alternating between both instances (shared bucket: expect about 20 allowed, not $((2 * 20)))"
java "$ROOT/scripts/TryIt.java" --urls "http://127.0.0.1:$APP1_PORT/,http://127.0.0.1:$APP2_PORT/" -n "$N" --concurrency 8
echo
echo "== Done; stopping Redis and both instances"
