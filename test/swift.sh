#!/usr/bin/env bash
# Brings up an OpenStack Swift all-in-one (Debian 12's Swift 2.30) for
# the Swift store tests: proxy, account, container and object servers,
# one replica on a plain directory device, tempauth, on
# http://127.0.0.1:8080. test/setup.sh runs it at its end; it also runs
# on its own.
#
# Safe to run any number of times: it installs only missing packages,
# (re)starts the servers only when the tempauth login or the account
# does not answer or their config changed, and builds the rings only
# when they are missing. When all is up it does two HTTP requests.
# Non-interactive; needs root (or password-less sudo).
#
# Tempauth users (auth URL http://127.0.0.1:8080/auth/v1.0; always use
# the storage URL the login returns):
#
#   test:tester   / testing    .admin of account AUTH_test
#   test2:tester2 / testing2   .admin of account AUTH_test2
#   admin:admin   / admin      .admin, .reseller_admin
#
# Its config and rings live in $SW_DIR, the device in $SW_DATA_DIR, pid
# files in $SW_RUN_DIR, logs in $SW_LOG_DIR/swift-*.log. The package's
# /etc/swift is read, never written: Swift takes the hash prefix and the
# storage policies from /etc/swift/swift.conf whatever the servers'
# swift_dir says.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

SW_PORT=8080
SW_URL=http://127.0.0.1:$SW_PORT
SW_DIR=/etc/go-glance/swift
SW_DATA_DIR=/var/lib/go-glance/swift
SW_DEVICES=$SW_DATA_DIR/devices
SW_RUN_DIR=/run/go-glance/swift
SW_LOG_DIR=/var/log/go-glance
MEMCACHED=127.0.0.1:11211
PACKAGES=(swift-proxy swift-object swift-account swift-container python3-swiftclient memcached curl)
SERVERS=(account container object proxy)
declare -A PORTS=([object]=6200 [container]=6201 [account]=6202 [proxy]=$SW_PORT)
START_TIMEOUT=60 # seconds for the servers to answer after a start

LIB_NAME=swift
# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- packages ---------------------------------------------------------

mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	install_quietly "${missing[@]}"
	say "installed ${missing[*]}"
fi
for s in "${SERVERS[@]}"; do
	[ -x "/usr/bin/swift-$s-server" ] || die "/usr/bin/swift-$s-server is missing after installation"
done
[ -r /etc/swift/swift.conf ] || die "/etc/swift/swift.conf is missing (package swift)"

# --- configuration ----------------------------------------------------

as_root install -d -m 0755 "$SW_DIR" "$SW_RUN_DIR" "$SW_LOG_DIR"
as_root install -d -o swift -g swift -m 0755 "$SW_DATA_DIR" "$SW_DEVICES" "$SW_DEVICES/d1"

changed=0
# write_if_changed PATH: replaces PATH with stdin when it differs and
# reports whether it did (exit 0: written).
write_if_changed() {
	local path=$1 tmp
	tmp="$(mktemp)"
	cat >"$tmp"
	if cmp -s "$tmp" "$path" 2>/dev/null; then
		rm -f "$tmp"
		return 1
	fi
	as_root install -m 0644 "$tmp" "$path"
	rm -f "$tmp"
	return 0
}

common() { # port
	cat <<EOF
# Written by test/swift.sh; rewritten when it differs.
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
user = swift
swift_dir = $SW_DIR
devices = $SW_DEVICES
mount_check = false
disable_fallocate = true
fallocate_reserve = 0
log_level = INFO
EOF
}

for s in account container object; do
	{
		common "${PORTS[$s]}"
		cat <<EOF

[pipeline:main]
pipeline = $s-server

[app:$s-server]
use = egg:swift#$s
EOF
	} | write_if_changed "$SW_DIR/$s-server.conf" && changed=1
done

{
	common "$SW_PORT"
	cat <<EOF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
token_life = 86400

[filter:cache]
use = egg:swift#memcache
memcache_servers = $MEMCACHED

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:tempurl]
use = egg:swift#tempurl

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
} | write_if_changed "$SW_DIR/proxy-server.conf" && changed=1

# --- rings --------------------------------------------------------------

# One Python process for the three rings: nine swift-ring-builder runs
# take several seconds.
if ! as_root test -s "$SW_DIR/object.ring.gz" || ! as_root test -s "$SW_DIR/container.ring.gz" ||
	! as_root test -s "$SW_DIR/account.ring.gz"; then
	say "building the rings in $SW_DIR"
	# Debian's Swift lives in /usr/bin/python3's dist-packages; another
	# python3 first on PATH may not see it.
	/usr/bin/python3 -c 'import swift.common.ring' 2>/dev/null || die "/usr/bin/python3 cannot import swift"
	as_root /usr/bin/python3 - "$SW_DIR" "${PORTS[account]}" "${PORTS[container]}" "${PORTS[object]}" <<'PY'
import os, sys
from swift.common.ring import RingBuilder
swift_dir = sys.argv[1]
for kind, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = RingBuilder(8, 1, 1)  # 256 partitions, one replica
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port),
                     "device": "d1", "weight": 100, "meta": ""})
    builder.rebalance()
    builder.save(os.path.join(swift_dir, kind + ".builder"))
    builder.get_ring().save(os.path.join(swift_dir, kind + ".ring.gz"))
PY
	changed=1
fi

# --- memcached ----------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open "${MEMCACHED##*:}"; then
	say "starting memcached on $MEMCACHED"
	as_root memcached -d -u memcache -l "${MEMCACHED%%:*}" -p "${MEMCACHED##*:}" -m 64 -P "$SW_RUN_DIR/memcached.pid" ||
		die "memcached did not start"
	for _ in $(seq 1 50); do
		port_open "${MEMCACHED##*:}" && break
		sleep 0.1
	done
	port_open "${MEMCACHED##*:}" || die "memcached does not listen on $MEMCACHED"
fi

# --- the servers --------------------------------------------------------

# ready: the tempauth login works and the account it leads to answers.
ready() {
	local headers url token
	headers="$(curl -fsS -m 5 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
		"$SW_URL/auth/v1.0" 2>/dev/null)" || return 1
	url="$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-storage-url" {print $2}')"
	token="$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-auth-token" {print $2}')"
	[ -n "$url" ] && [ -n "$token" ] && curl -fsS -m 5 -o /dev/null -I -H "X-Auth-Token: $token" "$url" 2>/dev/null
}

running() { # pid: exists and is not a zombie
	local state
	state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
	[ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

stop_server() { # name
	local pidfile=$SW_RUN_DIR/$1.pid pid
	pid="$(cat "$pidfile" 2>/dev/null || true)"
	if [ -n "$pid" ] && running "$pid"; then
		# Only ours: the pid file must name a Swift server.
		as_root grep -qa "swift-$1-server" "/proc/$pid/cmdline" 2>/dev/null ||
			die "$pidfile names process $pid, which is not swift-$1-server; remove the file"
		say "stopping swift-$1-server ($pid)"
		as_root kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			running "$pid" || break
			sleep 0.1
		done
		as_root kill -KILL "$pid" 2>/dev/null || true
	fi
	as_root rm -f "$pidfile"
}

start_server() { # name
	local log=$SW_LOG_DIR/swift-$1.log
	port_open "${PORTS[$1]}" && die "127.0.0.1:${PORTS[$1]} is taken by a process this script did not start"
	# -v: log to stderr, which goes to $log (there is no syslog).
	local cmd=(setsid "/usr/bin/swift-$1-server" "$SW_DIR/$1-server.conf" -v)
	if [ "$(id -u)" -eq 0 ]; then
		"${cmd[@]}" >>"$log" 2>&1 </dev/null &
	else
		sudo -n "${cmd[@]}" >>"$log" 2>&1 </dev/null &
	fi
	echo $! | as_root tee "$SW_RUN_DIR/$1.pid" >/dev/null
}

if [ "$changed" = 1 ] || ! ready; then
	started=$SECONDS
	for s in "${SERVERS[@]}"; do stop_server "$s"; done
	say "starting Swift on $SW_URL"
	for s in "${SERVERS[@]}"; do start_server "$s"; done
	deadline=$((SECONDS + START_TIMEOUT))
	until ready; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			for s in "${SERVERS[@]}"; do tail -n 15 "$SW_LOG_DIR/swift-$s.log" >&2 || true; done
			die "Swift did not answer within $START_TIMEOUT s (logs: $SW_LOG_DIR/swift-*.log)"
		fi
		for s in "${SERVERS[@]}"; do
			if ! running "$(cat "$SW_RUN_DIR/$s.pid")"; then
				tail -n 30 "$SW_LOG_DIR/swift-$s.log" >&2 || true
				die "swift-$s-server exited (log: $SW_LOG_DIR/swift-$s.log)"
			fi
		done
		sleep 0.2
	done
	pids=()
	for s in "${SERVERS[@]}"; do pids+=(-p "$(cat "$SW_RUN_DIR/$s.pid")"); done
	rss="$(ps -o rss= "${pids[@]}" | awk '{s += $1} END {printf "%d", s / 1024}')"
	say "Swift answering after $((SECONDS - started)) s; its four servers use $rss MiB"
fi
say "ready: $SW_URL/auth/v1.0 (test:tester / testing), logs in $SW_LOG_DIR/swift-*.log"
