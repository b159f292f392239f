#!/usr/bin/env bash
# A local Label Studio server for the diplonews annotation workflow.
#
#   scripts/label_studio.sh start  [--port 8080] [--data-dir .label-studio] [--username EMAIL] [--timeout 180]
#   scripts/label_studio.sh status [--port ...] [--data-dir ...]
#   scripts/label_studio.sh stop   [--data-dir ...]
#   (a chosen password and API token come from DIPLONEWS_LS_PASSWORD / DIPLONEWS_LS_TOKEN,
#    never from the command line, where every local user can read them in /proc/<pid>/cmdline)
#
# Label Studio pins its own (old) dependencies, so it lives in its own virtual environment
# (DIPLONEWS_LS_VENV, default ~/.cache/diplonews-ls-venv), installed on first use, never in
# the package's environment. The server binds 127.0.0.1 only, keeps everything (SQLite
# database, media, PID file, log, credentials) in the data dir, sends no analytics, does no
# version check, and every outbound HTTP request it might still attempt is routed to a
# closed local port. A user and a legacy API token are created at the first start and kept
# in <data-dir>/credentials (mode 600), so a restart on the same data dir keeps working.
# Secrets: no password or token on any command line (the server gets them from its
# environment, readable by its owner only); the data dir is 700 and everything in it 600.
#
# Exit codes: 0 ok; 1 the server failed to start or stop; 2 bad usage;
# 3 (status) not running; 4 Label Studio could not be installed.
set -euo pipefail

LS_VERSION="1.23.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DIPLONEWS_LS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/diplonews-ls-venv}"
PYTHON="${DIPLONEWS_LS_PYTHON:-}"

command="${1:-}"
[ $# -gt 0 ] && shift
port="${DIPLONEWS_LS_PORT:-8080}"
data_dir="${DIPLONEWS_LS_DATA_DIR:-$ROOT/.label-studio}"
username=""
password="${DIPLONEWS_LS_PASSWORD:-}"
token="${DIPLONEWS_LS_TOKEN:-}"
timeout=180

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --data-dir) data_dir="$2"; shift 2 ;;
    --username) username="$2"; shift 2 ;;
    --password|--token)
      echo "label_studio.sh: error: $1 is not accepted: a secret on the command line is readable by every local user" >&2
      echo "    hint: set DIPLONEWS_LS_PASSWORD / DIPLONEWS_LS_TOKEN in the environment instead" >&2
      exit 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "label_studio.sh: error: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "label_studio.sh: error: --port must be a number, got '$port'" >&2; exit 2 ;; esac

case "$data_dir" in /*) ;; *) data_dir="$PWD/$data_dir" ;; esac
pid_file="$data_dir/label-studio.pid"
log_file="$data_dir/label-studio.log"
credentials="$data_dir/credentials"
url_file="$data_dir/label-studio.url"
url="http://127.0.0.1:$port"
# status and stop talk to the server this data dir was started with, whatever --port says.
if [ "$command" != "start" ] && [ -f "$url_file" ]; then
  url="$(cat "$url_file")"
fi

pick_python() {
  if [ -n "$PYTHON" ]; then echo "$PYTHON"; return; fi
  for candidate in python3.11 python3.12 python3.10 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
  echo "label_studio.sh: error: no python3 found (set DIPLONEWS_LS_PYTHON)" >&2
  exit 4
}

# A Python without proxies for our own requests to 127.0.0.1.
http_ok() {
  "$(pick_python)" - "$1" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1], timeout=3) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
}

port_in_use() {
  "$(pick_python)" - "$1" <<'EOF' >/dev/null 2>&1
import socket, sys
with socket.socket() as s:
    s.settimeout(1)
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

# The PID in the pid file, if that process is still our Label Studio server.
running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  [ -r "/proc/$pid/cmdline" ] || kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "label-studio" || return 1
  fi
  echo "$pid"
}

ensure_installed() {
  if [ -x "$VENV/bin/label-studio" ] && [ ! -e "$VENV/.diplonews-installing" ] \
     && "$VENV/bin/python" -c "import label_studio" >/dev/null 2>&1; then
    local installed
    installed="$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('label-studio'))")"
    if [ "$installed" != "$LS_VERSION" ]; then
      echo "label_studio.sh: warning: $VENV has label-studio $installed, the tested version is $LS_VERSION" >&2
    fi
    return 0
  fi
  if [ -e "$VENV" ] && [ ! -e "$VENV/.diplonews-installing" ] && [ -n "$(ls -A "$VENV" 2>/dev/null)" ]; then
    echo "label_studio.sh: error: $VENV exists but has no working Label Studio" >&2
    echo "    hint: remove it, or point DIPLONEWS_LS_VENV at an empty or missing folder" >&2
    exit 4
  fi
  local python
  python="$(pick_python)"
  echo "installing Label Studio $LS_VERSION into $VENV (about a minute, once) ..." >&2
  rm -rf "$VENV"
  mkdir -p "$VENV"
  touch "$VENV/.diplonews-installing"
  # The shared venv is readable like any installed software; only the data dir is private.
  if ! ( umask 022 && "$python" -m venv "$VENV" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
          "label-studio==$LS_VERSION" ) >"$data_dir/install.log" 2>&1; then
    tail -n 20 "$data_dir/install.log" >&2
    echo "label_studio.sh: error: could not install label-studio==$LS_VERSION (log: $data_dir/install.log)" >&2
    exit 4
  fi
  rm -f "$VENV/.diplonews-installing"
}

# Serialise installs (two test sessions, or a user and a test, starting at once).
with_install_lock() {
  mkdir -p "$(dirname "$VENV")"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$VENV.lock"
    flock 9
    ensure_installed
    flock -u 9
  else
    ensure_installed
  fi
}

random_hex() {
  "$(pick_python)" -c "import secrets; print(secrets.token_hex($1))"
}

load_credentials() {
  # Keep the first start's user and token: they are stored in the database of this data dir.
  if [ -f "$credentials" ]; then
    # shellcheck disable=SC1090
    . "$credentials"
    if [ -n "$username" ] && [ "$username" != "$LS_USERNAME" ]; then
      echo "label_studio.sh: warning: $data_dir was set up for $LS_USERNAME; ignoring --username" >&2
    fi
    username="$LS_USERNAME"; password="$LS_PASSWORD"; token="$LS_TOKEN"
    return
  fi
  username="${username:-annotator@diplonews.local}"
  password="${password:-$(random_hex 12)}"
  token="${token:-$(random_hex 20)}"
  if [ "${#token}" -lt 6 ] || [ "${#token}" -gt 40 ]; then
    echo "label_studio.sh: error: --token must be 6 to 40 characters" >&2
    exit 2
  fi
  (umask 077 && printf 'LS_USERNAME=%q\nLS_PASSWORD=%q\nLS_TOKEN=%q\n' "$username" "$password" "$token" >"$credentials")
}

print_access() {
  echo "export LABEL_STUDIO_URL=$url"
  echo "export LABEL_STUDIO_API_KEY=$token"
  echo "# browser: $url  user: $username  password: in $credentials" >&2
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    load_credentials
    echo "Label Studio already running (pid $pid, data dir $data_dir)" >&2
    print_access
    return 0
  fi
  if port_in_use "$port"; then
    echo "label_studio.sh: error: port $port on 127.0.0.1 is already in use by another program" >&2
    echo "    hint: choose another one with --port" >&2
    exit 1
  fi
  # Private from here on: the data dir (700) holds the database with the API token and the
  # credentials; every file the script or the server creates in it is 600.
  umask 077
  mkdir -p "$data_dir"
  chmod 700 "$data_dir"
  chmod -R go-rwx "$data_dir"
  with_install_lock
  load_credentials
  : >"$log_file"
  echo "$url" >"$url_file"
  # A new session (process group) led by the server, so `stop` can end it and only it.
  # The user, password and token reach the server through its environment (readable by its
  # owner only, /proc/<pid>/environ is 400), never through argv (/proc/<pid>/cmdline is 444).
  # Exported by bash builtins in a subshell: `env NAME=value` would put them on env's argv.
  pid="$(
    unset SENTRY_DSN FRONTEND_SENTRY_DSN DIPLONEWS_LS_PASSWORD DIPLONEWS_LS_TOKEN
    export LABEL_STUDIO_USERNAME="$username" LABEL_STUDIO_PASSWORD="$password" LABEL_STUDIO_USER_TOKEN="$token"
    export LABEL_STUDIO_BASE_DATA_DIR="$data_dir" DJANGO_DB=sqlite DATABASE_NAME="$data_dir/label_studio.sqlite3"
    export LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true COLLECT_ANALYTICS=false LATEST_VERSION_CHECK=false
    export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
    export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
    "$VENV/bin/python" - "$log_file" "$VENV/bin/label-studio" start --no-browser \
        --internal-host 127.0.0.1 --host "$url" --port "$port" <<'EOF'
import subprocess, sys
with open(sys.argv[1], "ab") as log:
    process = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, close_fds=True)
print(process.pid)
EOF
)"
  echo "$pid" >"$pid_file"
  local waited=0
  until http_ok "$url/health"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log_file" >&2
      echo "label_studio.sh: error: Label Studio exited during startup (log: $log_file)" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if [ "$waited" -ge "$timeout" ]; then
      tail -n 30 "$log_file" >&2
      echo "label_studio.sh: error: no answer from $url/health after ${timeout}s (log: $log_file)" >&2
      cmd_stop >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  if ! grep -q "127.0.0.1:$port/" "$log_file"; then
    # Label Studio silently moves to the next free port when its port is taken.
    tail -n 30 "$log_file" >&2
    echo "label_studio.sh: error: the server did not start on port $port (log: $log_file)" >&2
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
  echo "Label Studio $LS_VERSION running at $url (pid $pid, data dir $data_dir, started in ${waited}s)" >&2
  print_access
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    echo "Label Studio is not running (data dir $data_dir)" >&2
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 20 ]; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "label_studio.sh: error: could not stop pid $pid" >&2
    exit 1
  fi
  rm -f "$pid_file"
  echo "Label Studio stopped (pid $pid)" >&2
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && http_ok "$url/health"; then
    echo "Label Studio running at $url (pid $pid, data dir $data_dir)"
    return 0
  fi
  if pid="$(running_pid)"; then
    echo "Label Studio process $pid is running but $url/health does not answer (log: $log_file)"
    return 3
  fi
  echo "Label Studio is not running (data dir $data_dir)"
  return 3
}

case "$command" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
