#!/usr/bin/env bash
# Stops what infra/up.sh started (and nothing else). Idempotent. `--purge` also deletes Kafka's data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.infra"
[ -d "$state" ] || { echo "[infra] nothing to stop" >&2; exit 0; }
if [ -f "$state/kafka.pid" ]; then
  pid=$(cat "$state/kafka.pid")
  if kill -0 "$pid" 2>/dev/null; then
    echo "[infra] stopping Kafka (pid $pid)" >&2
    kill "$pid"; for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/kafka.pid"
fi
if [ -f "$state/redis.started" ] && [ -f "$state/redis.pid" ]; then
  pid=$(cat "$state/redis.pid"); echo "[infra] stopping the Redis it started (pid $pid)" >&2
  kill "$pid" 2>/dev/null || true; rm -f "$state/redis.started" "$state/redis.pid"
fi
if [ -f "$state/mosquitto.started" ] && [ -f "$state/mosquitto.pid" ]; then
  pid=$(cat "$state/mosquitto.pid"); echo "[infra] stopping the mosquitto it started (pid $pid)" >&2
  kill "$pid" 2>/dev/null || true; rm -f "$state/mosquitto.started" "$state/mosquitto.pid"
fi
rm -f "$state/env"
if [ "${1:-}" = "--purge" ]; then rm -rf "$state/kafka-data"; echo "[infra] purged Kafka data" >&2; fi
