#!/usr/bin/env bash
# Starts the real infrastructure the distributed mode and its tests use, idempotently:
#  - a single-node Apache Kafka broker in KRaft mode, from jars Maven resolves from Maven Central
#    (cached in ~/.m2 after the first run), run with the machine's JDK;
#  - a Redis: the one on REDIS_URL / 127.0.0.1:6379 if it answers, else redis-server is started,
#    installing Debian's package first if it is missing.
# Writes the settings to .infra/env and prints them. `bash infra/down.sh` stops what this started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.infra"
mkdir -p "$state"
KAFKA_PORT=${CITYOPS_KAFKA_PORT:-19092}
CONTROLLER_PORT=${CITYOPS_KAFKA_CONTROLLER_PORT:-19093}
REDIS_PORT=${CITYOPS_REDIS_PORT:-6379}

log() { echo "[infra] $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&- ; }

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    log "$1 is missing; installing Debian package $2"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; fi
  fi
}

# ---------- Redis ----------
redis_ping() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
need redis-cli redis-tools
if redis_ping; then
  log "Redis answers on 127.0.0.1:$REDIS_PORT"
else
  need redis-server redis-server
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$state" --pidfile "$state/redis.pid" --logfile "$state/redis.log"
  echo started > "$state/redis.started"
  for _ in $(seq 1 50); do redis_ping && break; sleep 0.1; done
  redis_ping || { log "Redis did not start; see $state/redis.log"; exit 1; }
fi

# ---------- Kafka ----------
kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  java -cp "$(cat "$state/kafka.classpath")" kafka.admin.BrokerApiVersionsCommand \
    --bootstrap-server "127.0.0.1:$KAFKA_PORT" >/dev/null 2>&1
}
need java openjdk-17-jre-headless
need mvn maven
if [ ! -s "$state/kafka.classpath" ] || [ "$root/infra/kafka/pom.xml" -nt "$state/kafka.classpath" ]; then
  log "resolving Kafka jars with Maven (cached in ~/.m2 after the first run)"
  (cd "$root/infra/kafka" && mvn -q -B dependency:build-classpath -Dmdep.outputFile="$state/kafka.classpath" >&2)
fi
if kafka_ready; then
  # ours from an earlier run, or one another checkout started: use it, and leave it to its owner
  log "Kafka already answers on 127.0.0.1:$KAFKA_PORT"
else
  if port_open "$KAFKA_PORT"; then log "port $KAFKA_PORT is taken by something that is not Kafka; set CITYOPS_KAFKA_PORT"; exit 1; fi
  data="$state/kafka-data"
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=8
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=134217728
PROPS
  cp=$(cat "$state/kafka.classpath")
  if [ ! -f "$data/meta.properties" ]; then
    rm -rf "$data"
    java -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
      -c "$state/server.properties" >/dev/null 2>&1
  fi
  log "starting Kafka 3.9 (KRaft) on 127.0.0.1:$KAFKA_PORT"
  mkdir -p "$state/kafka-logs"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$root/infra/kafka/log4j.properties" -Dkafka.logs.dir="$state/kafka-logs" \
    -cp "$cp" kafka.Kafka "$state/server.properties" > "$state/kafka-logs/stdout.log" 2>&1 &
  echo $! > "$state/kafka.pid"
  for _ in $(seq 1 120); do kafka_ready && break; sleep 0.5; done
  kafka_ready || { log "Kafka did not become ready in 60 s; see $state/kafka-logs"; exit 1; }
  log "Kafka is ready"
fi

cat > "$state/env" <<ENV
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
ENV
cat "$state/env"
