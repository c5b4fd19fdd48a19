#!/usr/bin/env bash
# Starts the real infrastructure the distributed mode and its tests use, idempotently:
#  - a single-node Apache Kafka broker in KRaft mode, from jars Maven resolves from Maven Central
#    (cached in ~/.m2 after the first run), run with the machine's JDK;
#  - a Redis: the one on REDIS_URL / 127.0.0.1:6379 if it answers, else redis-server is started,
#    installing Debian's package first if it is missing;
#  - an MQTT broker: the one on MQTT_URL / 127.0.0.1:1883 if it answers, else Debian's mosquitto
#    is started on loopback (installed first if missing), with its pidfile under .infra/.
# Writes the settings to .infra/env and prints them. `bash infra/down.sh` stops what this started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.infra"
mkdir -p "$state"
KAFKA_PORT=${CITYOPS_KAFKA_PORT:-19092}
CONTROLLER_PORT=${CITYOPS_KAFKA_CONTROLLER_PORT:-19093}
REDIS_PORT=${CITYOPS_REDIS_PORT:-6379}
MQTT_URL=${MQTT_URL:-mqtt://127.0.0.1:${CITYOPS_MQTT_PORT:-1883}}
MQTT_PORT=$(echo "$MQTT_URL" | sed -nE 's#^mqtts?://[^/:]*:([0-9]+).*$#\1#p')
MQTT_PORT=${MQTT_PORT:-1883}

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

# ---------- MQTT (Mosquitto) ----------
# a broker answers when a QoS 1 publish is acknowledged (an open port alone may be anything)
mqtt_ready() { mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t cityops/infra/ping -n -i "cityops-infra-$$" >/dev/null 2>&1; }
need mosquitto_pub mosquitto-clients
if mqtt_ready; then
  log "an MQTT broker answers on 127.0.0.1:$MQTT_PORT"
else
  if port_open "$MQTT_PORT"; then log "port $MQTT_PORT is taken by something that is not MQTT; set MQTT_URL"; exit 1; fi
  need mosquitto mosquitto
  mkdir -p "$state/mosquitto-data"
  cat > "$state/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
pid_file $state/mosquitto.pid
persistence true
persistence_location $state/mosquitto-data/
log_dest file $state/mosquitto.log
user $(id -un)
CONF
  log "starting mosquitto on 127.0.0.1:$MQTT_PORT"
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$state/mosquitto.conf" -d
  echo started > "$state/mosquitto.started"
  for _ in $(seq 1 50); do mqtt_ready && break; sleep 0.1; done
  mqtt_ready || { log "mosquitto did not start; see $state/mosquitto.log"; exit 1; }
fi

cat > "$state/env" <<ENV
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT
ENV
cat "$state/env"
