#!/usr/bin/env bash
# Installs, starts and stops the emulators cognate tests against, on 127.0.0.1 only.
#
#   scripts/emulators.sh install         pip and npm installs into .emulators/ (pinned versions)
#   scripts/emulators.sh start [NAME..]  start moto and/or cognito-local, wait until they answer
#   scripts/emulators.sh stop  [NAME..]  stop them by the PID recorded at start
#   scripts/emulators.sh status
#
# Ports: moto 127.0.0.1:${MOTO_PORT:-5100}, cognito-local 127.0.0.1:${COGNITO_LOCAL_PORT:-9230}
# (the cognate.toml profiles use the same defaults).
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
COGNITO_LOCAL_VERSION=5.3.0
MOTO_PORT=${MOTO_PORT:-5100}
COGNITO_LOCAL_PORT=${COGNITO_LOCAL_PORT:-9230}
DIR=.emulators
ALL=(moto cognito-local)

log() { printf 'emulators: %s\n' "$*" >&2; }

install_moto() {
  if [ -x "$DIR/venv/bin/moto_server" ] &&
     "$DIR/venv/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    return
  fi
  log "installing moto[server]==$MOTO_VERSION"
  python3 -m venv "$DIR/venv"
  "$DIR/venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
}

install_cognito_local() {
  local pkg="$DIR/cognito-local/node_modules/cognito-local/package.json"
  if [ -f "$pkg" ] && grep -q "\"version\": \"$COGNITO_LOCAL_VERSION\"" "$pkg"; then
    return
  fi
  log "installing cognito-local@$COGNITO_LOCAL_VERSION"
  mkdir -p "$DIR/cognito-local"
  (cd "$DIR/cognito-local" && npm install --silent --no-audit --no-fund --no-save \
    "cognito-local@$COGNITO_LOCAL_VERSION" >/dev/null)
}

port_of() {
  case "$1" in
    moto) echo "$MOTO_PORT" ;;
    cognito-local) echo "$COGNITO_LOCAL_PORT" ;;
    *) log "unknown emulator $1 (known: ${ALL[*]})"; exit 1 ;;
  esac
}

pidfile() { echo "$DIR/$1.pid"; }

running() {
  local f; f=$(pidfile "$1")
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# Answers once any HTTP response comes back from the port.
wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 120); do
    # Alive first: a port answered by some other process must not pass for ours.
    if ! running "$name"; then
      log "$name exited during start-up (port $port taken?); its log:"
      tail -20 "$DIR/$name.log" >&2 || true
      return 1
    fi
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null; then
      sleep 0.5
      if running "$name"; then return 0; fi
    fi
    sleep 0.5
  done
  log "$name did not answer on 127.0.0.1:$port within 60 s"
  return 1
}

start_one() {
  local name=$1 port; port=$(port_of "$name")
  if running "$name"; then
    log "$name already running (pid $(cat "$(pidfile "$name")"))"
    return
  fi
  case "$name" in
    moto)
      install_moto
      # moto checks TOTP codes only with this documented switch (one fixed secret for all users).
      MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true \
        "$DIR/venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$DIR/moto.log" 2>&1 &
      ;;
    cognito-local)
      install_cognito_local
      # Fresh state every start; pools must not take e-mail as username.
      rm -rf "$DIR/cognito-local-data"
      mkdir -p "$DIR/cognito-local-data/.cognito"
      echo '{"UserPoolDefaults":{"UsernameAttributes":[]}}' \
        >"$DIR/cognito-local-data/.cognito/config.json"
      (cd "$DIR/cognito-local-data" && HOST=127.0.0.1 PORT="$port" \
        exec node ../cognito-local/node_modules/cognito-local/lib/bin/start.js) \
        >"$DIR/cognito-local.log" 2>&1 &
      ;;
  esac
  echo $! >"$(pidfile "$name")"
  wait_for "$name" "$port"
  log "$name listening on http://127.0.0.1:$port (pid $(cat "$(pidfile "$name")"))"
}

stop_one() {
  local name=$1 f; f=$(pidfile "$name")
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    log "$name stopped (pid $pid)"
  fi
  rm -f "$f"
}

cmd=${1:-}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
mkdir -p "$DIR"
case "$cmd" in
  install) install_moto; install_cognito_local ;;
  start) for n in "${names[@]}"; do start_one "$n"; done ;;
  stop) for n in "${names[@]}"; do stop_one "$n"; done ;;
  status)
    for n in "${ALL[@]}"; do
      if running "$n"; then echo "$n running, pid $(cat "$(pidfile "$n")"), port $(port_of "$n")"
      else echo "$n stopped"; fi
    done ;;
  *) echo "usage: $0 install|start|stop|status [moto|cognito-local ...]" >&2; exit 1 ;;
esac
