#!/usr/bin/env bash
# Brings up an OpenStack Swift all-in-one (Debian 12's Swift 2.30) for
# the Swift store tests: account, container and object servers with
# one replica on a plain directory device, a proxy with tempauth on
# http://127.0.0.1:8080 and a second proxy taking Keystone tokens on
# http://127.0.0.1:8081, each server one process (workers = 0).
# test/setup.sh runs it at its end; it also runs on its own.
#
# Safe to run any number of times: it installs only missing packages,
# (re)starts the servers only when the tempauth login or the account
# does not answer or their config changed, builds the rings only when
# they are missing, and registers Swift in Keystone only when the swift
# user's catalog lacks it. When all is up it does a few HTTP requests.
# Non-interactive; needs root (or password-less sudo).
#
# Tempauth users (auth URL http://127.0.0.1:8080/auth/v1.0; always use
# the storage URL the login returns):
#
#   test:tester   / testing    .admin of account AUTH_test
#   test2:tester2 / testing2   .admin of account AUTH_test2
#   admin:admin   / admin      .admin, .reseller_admin
#
# Keystone (test/keystone.sh's, when it answers; skipped with a warning
# otherwise): service swift, type object-store, region RegionOne, at
# http://127.0.0.1:8081/v1/KEY_%(project_id)s on all three interfaces;
# a project's admins and members may use its account. The proxy
# validates tokens as user swift (password swift, admin on project
# service).
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
KS_URL=http://127.0.0.1:5000
REGION=RegionOne
KS_PREFIX=KEY_ # keystoneauth's accounts; tempauth keeps AUTH_
PACKAGES=(swift-proxy swift-object swift-account swift-container python3-swiftclient python3-keystonemiddleware memcached curl)
SW_KS_PORT=8081
SW_KS_URL=http://127.0.0.1:$SW_KS_PORT
SERVERS=(account container object proxy proxy-keystone)
declare -A PORTS=([object]=6200 [container]=6201 [account]=6202 [proxy]=$SW_PORT [proxy-keystone]=$SW_KS_PORT)
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
# binary NAME: the program of server NAME.
binary() {
	case $1 in
	proxy-keystone) echo /usr/bin/swift-proxy-server ;;
	*) echo "/usr/bin/swift-$1-server" ;;
	esac
}
for s in "${SERVERS[@]}"; do
	[ -x "$(binary "$s")" ] || die "$(binary "$s") is missing after installation"
done
[ -r /etc/swift/swift.conf ] || die "/etc/swift/swift.conf is missing (package swift)"

# --- configuration ----------------------------------------------------

as_root install -d -m 0755 "$SW_DIR" "$SW_RUN_DIR"
# The log directory may be test/keystone.sh's, with its owner and mode.
as_root test -d "$SW_LOG_DIR" || as_root install -d -m 0755 "$SW_LOG_DIR"
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

# middleware writes the filters both proxies' pipelines share.
middleware() {
	cat <<EOF

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
}

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
EOF
	middleware
} | write_if_changed "$SW_DIR/proxy-server.conf" && changed=1

# Keystone's proxy is a second process on its own port: in one
# pipeline with tempauth, authtoken would ask Keystone about every
# tempauth token (a third of a second per request).
{
	common "$SW_KS_PORT"
	cat <<EOF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl authtoken keystoneauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $KS_URL/v3
auth_url = $KS_URL
auth_type = password
user_domain_id = default
project_domain_id = default
project_name = service
username = swift
password = swift
memcached_servers = $MEMCACHED
http_connect_timeout = 5
http_request_max_retries = 1

[filter:keystoneauth]
use = egg:swift#keystoneauth
reseller_prefix = $KS_PREFIX
operator_roles = admin, member
EOF
	middleware
} | write_if_changed "$SW_DIR/proxy-keystone-server.conf" && changed=1

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

# ready: the tempauth login works, the account it leads to answers,
# and Keystone's proxy is up.
ready() {
	local headers url token
	headers="$(curl -fsS -m 5 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
		"$SW_URL/auth/v1.0" 2>/dev/null)" || return 1
	url="$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-storage-url" {print $2}')"
	token="$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-auth-token" {print $2}')"
	[ -n "$url" ] && [ -n "$token" ] && curl -fsS -m 5 -o /dev/null -I -H "X-Auth-Token: $token" "$url" 2>/dev/null &&
		curl -fsS -m 5 -o /dev/null "$SW_KS_URL/healthcheck" 2>/dev/null
}

running() { # pid: exists and is not a zombie
	local state
	state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
	[ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# stop_servers NAME...: TERM to all at once, KILL to what is left
# after 3 s.
stop_servers() {
	local s pidfile pid pids=()
	for s in "$@"; do
		pidfile=$SW_RUN_DIR/$s.pid
		pid="$(cat "$pidfile" 2>/dev/null || true)"
		# Only ours: a pid file naming anything but the server is stale
		# (a pid reused after a restart of the machine).
		if [ -n "$pid" ] && running "$pid" &&
			as_root grep -qa "$(basename "$(binary "$s")")" "/proc/$pid/cmdline" 2>/dev/null; then
			say "stopping $s ($pid)"
			as_root kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
		as_root rm -f "$pidfile"
	done
	for _ in $(seq 1 30); do
		local left=()
		for pid in "${pids[@]}"; do running "$pid" && left+=("$pid"); done
		[ "${#left[@]}" -gt 0 ] || return 0
		sleep 0.1
	done
	for pid in "${pids[@]}"; do as_root kill -KILL "$pid" 2>/dev/null || true; done
}

start_server() { # name
	local log=$SW_LOG_DIR/swift-$1.log
	port_open "${PORTS[$1]}" && die "127.0.0.1:${PORTS[$1]} is taken by a process this script did not start"
	# -v: log to stderr, which goes to $log (there is no syslog).
	local cmd=(setsid "$(binary "$1")" "$SW_DIR/$1-server.conf" -v)
	if [ "$(id -u)" -eq 0 ]; then
		"${cmd[@]}" >>"$log" 2>&1 </dev/null &
	else
		# shellcheck disable=SC2016 # expanded by the root shell
		sudo -n sh -c 'exec "$@" >>"$0" 2>&1 </dev/null' "$log" "${cmd[@]}" &
	fi
	echo $! | as_root tee "$SW_RUN_DIR/$1.pid" >/dev/null
}

if [ "$changed" = 1 ] || ! ready; then
	started=$SECONDS
	stop_servers "${SERVERS[@]}"
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
	say "Swift answering after $((SECONDS - started)) s; its five servers use $rss MiB"
fi

# --- Keystone -------------------------------------------------------------

# token_body USER PASSWORD SCOPE-JSON: Keystone's answer to a login.
token_body() {
	curl -fsS -m 10 -H 'Content-Type: application/json' -D "${4:-/dev/null}" \
		-d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":$3}}" \
		"$KS_URL/v3/auth/tokens" 2>/dev/null
}

keystone=""
if curl -fsS -m 3 -o /dev/null "$KS_URL/v3" 2>/dev/null; then
	# The swift user's own login says it all: it exists, has its role,
	# and the catalog it gets lists this Swift.
	service_scope='{"project":{"name":"service","domain":{"id":"default"}}}'
	if ! token_body swift swift "$service_scope" | grep -q "\"$SW_KS_URL/v1/$KS_PREFIX"; then
		headers="$(mktemp)"
		token_body admin admin '{"system":{"all":true}}' "$headers" >/dev/null ||
			die "admin cannot log in to Keystone at $KS_URL (bash test/keystone.sh sets it up)"
		admin_token="$(tr -d '\r' <"$headers" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')"
		rm -f "$headers"
		KS_URL=$KS_URL KS_TOKEN=$admin_token SW_KS_URL=$SW_KS_URL REGION=$REGION KS_PREFIX=$KS_PREFIX /usr/bin/python3 - <<'PY'
import json
import os
import sys
import urllib.error
import urllib.request

URL = os.environ["KS_URL"] + "/v3"
TOKEN = os.environ["KS_TOKEN"]
REGION = os.environ["REGION"]
ENDPOINT = os.environ["SW_KS_URL"] + "/v1/" + os.environ["KS_PREFIX"] + "%(project_id)s"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("X-Auth-Token", TOKEN)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        sys.exit("swift: ERROR: %s %s: %s %s" % (method, path, e.code, e.read()[:300]))
    return json.loads(raw) if raw else None


def one(items, what):
    if not items:
        sys.exit("swift: ERROR: Keystone has no " + what + " (bash test/keystone.sh makes it)")
    return items[0]


project = one(call("GET", "/projects?domain_id=default&name=service")["projects"], "project service")
role = one(call("GET", "/roles?name=admin")["roles"], "role admin")
users = call("GET", "/users?domain_id=default&name=swift")["users"]
if users:
    user = users[0]
    call("PATCH", "/users/" + user["id"], {"user": {"password": "swift", "enabled": True}})
else:
    user = call("POST", "/users", {"user": {"name": "swift", "domain_id": "default",
                                             "password": "swift", "enabled": True}})["user"]
    print("swift: created Keystone user swift")
call("PUT", "/projects/%s/users/%s/roles/%s" % (project["id"], user["id"], role["id"]))

services = call("GET", "/services?type=object-store")["services"]
if services:
    service = services[0]
else:
    service = call("POST", "/services", {"service": {
        "name": "swift", "type": "object-store", "description": "OpenStack Object Storage"}})["service"]
    print("swift: created service swift (object-store)")
endpoints = call("GET", "/endpoints?service_id=" + service["id"])["endpoints"]
for interface in ("public", "internal", "admin"):
    mine = [e for e in endpoints if e["interface"] == interface and e.get("region_id") == REGION]
    if not mine:
        call("POST", "/endpoints", {"endpoint": {"service_id": service["id"], "interface": interface,
                                                 "url": ENDPOINT, "region_id": REGION}})
        print("swift: created %s object-store endpoint %s" % (interface, ENDPOINT))
    elif mine[0]["url"] != ENDPOINT:
        call("PATCH", "/endpoints/" + mine[0]["id"], {"endpoint": {"url": ENDPOINT}})
        print("swift: %s object-store endpoint moved to %s" % (interface, ENDPOINT))
PY
		token_body swift swift "$service_scope" | grep -q "\"$SW_KS_URL/v1/$KS_PREFIX" ||
			die "Keystone's catalog lacks $SW_KS_URL/v1/$KS_PREFIX... after registering it"
	fi
	keystone="; Keystone users at $SW_KS_URL/v1/$KS_PREFIX<project id>"
else
	say "warning: no Keystone at $KS_URL, so no Keystone auth (bash test/keystone.sh starts it); tempauth works"
fi

say "ready: $SW_URL/auth/v1.0 (test:tester / testing)$keystone; logs in $SW_LOG_DIR/swift-*.log"
