#!/usr/bin/env bash
# Brings up a throwaway single-node Ceph (Debian 12's Pacific packages)
# for the RBD and S3/Swift store tests: one monitor, one OSD keeping its
# data in memory (memstore), pool "images" initialised for RBD, a
# client.glance key limited to that pool, and radosgw serving S3 and the
# Swift API on http://127.0.0.1:7480. No ceph-mgr: RBD and RGW need none.
# test/setup.sh runs it at its end; it also runs on its own.
#
# Safe to run any number of times: it installs only missing packages,
# and when the cluster answers (the glance key lists the pool, radosgw
# accepts the Swift user) it does nothing else. Otherwise it wipes the
# cluster and builds it again, which takes a few seconds: a memstore
# OSD loses its data when it stops, so a half-alive cluster is not worth
# repairing. radosgw alone is restarted when only it is down.
# Non-interactive; needs root (or password-less sudo).
#
# What the tests read (all in $CEPH_CONF_DIR, world-readable: the
# cluster is a throwaway on loopback):
#
#   ceph.conf                    monitor address, keyring paths
#   ceph.client.glance.keyring   client.glance (mon 'profile rbd',
#                                osd 'profile rbd pool=images')
#   ceph.client.admin.keyring    client.admin, for cleaning up
#
#   rbd -c /etc/go-glance/ceph/ceph.conf --id glance ls images
#
# radosgw user "glance" (uid), both APIs:
#
#   S3     http://127.0.0.1:7480, access key GLANCETESTACCESSKEY0,
#          secret key glance-test-secret-key, region "default"
#   Swift  v1 auth at http://127.0.0.1:7480/auth/1.0, user glance:swift,
#          key glance-swift-key (storage URL .../swift/v1)
#
# Daemons log to $CEPH_LOG_DIR/ceph-*.log; their data lives in
# $CEPH_DATA_DIR, their pid files and sockets in $CEPH_RUN_DIR.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

CEPH_CONF_DIR=/etc/go-glance/ceph
CEPH_CONF=$CEPH_CONF_DIR/ceph.conf
CEPH_DATA_DIR=/var/lib/go-glance/ceph
CEPH_RUN_DIR=/run/go-glance/ceph
CEPH_LOG_DIR=/var/log/go-glance
FSID=5d1b3c2e-6a0f-4c43-9b53-6f2d1c0e7a11 # fixed: the cluster is rebuilt, not migrated
MON_V2=3300
MON_V1=6789
RGW_PORT=7480
RGW_URL=http://127.0.0.1:$RGW_PORT
POOL=images
S3_ACCESS_KEY=GLANCETESTACCESSKEY0
S3_SECRET_KEY=glance-test-secret-key
SWIFT_USER=glance:swift
SWIFT_KEY=glance-swift-key
PACKAGES=(ceph-mon ceph-osd radosgw ceph-common librados-dev librbd-dev uuid-runtime curl)
START_TIMEOUT=60 # seconds for each daemon to answer after a start

LIB_NAME=ceph
# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- packages ---------------------------------------------------------

mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	install_quietly "${missing[@]}"
	say "installed ${missing[*]}"
fi
for cmd in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool rbd; do
	command -v "$cmd" >/dev/null 2>&1 || die "$cmd is missing after installation"
done

# --- configuration ----------------------------------------------------

as_root install -d -m 0755 "$CEPH_CONF_DIR" "$CEPH_DATA_DIR" "$CEPH_RUN_DIR"
# The log directory may be test/keystone.sh's, with its owner and mode.
as_root test -d "$CEPH_LOG_DIR" || as_root install -d -m 0755 "$CEPH_LOG_DIR"

conf="$(mktemp)"
cat >"$conf" <<EOF
# Written by test/ceph.sh; rewritten when it differs.
[global]
fsid = $FSID
mon_host = [v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]
public_addr = 127.0.0.1
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $CEPH_CONF_DIR/\$cluster.\$name.keyring
run_dir = $CEPH_RUN_DIR
admin_socket = \$run_dir/\$cluster-\$name.asok
pid_file = \$run_dir/\$name.pid
log_file = $CEPH_LOG_DIR/ceph-\$name.log
log_to_stderr = false
err_to_stderr = true
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
auth_allow_insecure_global_id_reclaim = false
client_mount_timeout = 10
rados_mon_op_timeout = 30
rados_osd_op_timeout = 30

[mon]
mon_data = $CEPH_DATA_DIR/mon-\$id
keyring = \$mon_data/keyring
mon_initial_members = a
paxos_propose_interval = 0.1
mon_osd_full_ratio = 0.97
mon_osd_backfillfull_ratio = 0.96
mon_osd_nearfull_ratio = 0.95
# The store is tiny; a full disk must not stop the monitor.
mon_data_avail_warn = 2
mon_data_avail_crit = 1

[osd]
osd_data = $CEPH_DATA_DIR/osd-\$id
keyring = \$osd_data/keyring
osd_objectstore = memstore
memstore_device_bytes = 4294967296
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client.rgw.gw]
keyring = $CEPH_DATA_DIR/rgw/keyring
rgw_data = $CEPH_DATA_DIR/rgw
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_thread_pool_size = 64
rgw_enable_usage_log = false
rgw_dynamic_resharding = false
rgw_swift_auth_url = $RGW_URL/auth/1.0
# Give deleted objects' space back to the memory-backed OSD within a
# minute, not radosgw's two hours, so that test runs cannot fill it.
rgw_gc_obj_min_wait = 60
rgw_gc_processor_period = 60
EOF
conf_changed=0
if ! cmp -s "$conf" "$CEPH_CONF" 2>/dev/null; then
	as_root install -m 0644 "$conf" "$CEPH_CONF"
	conf_changed=1
fi
rm -f "$conf"

ceph_cli() { as_root timeout 30 ceph -c "$CEPH_CONF" --connect-timeout 10 "$@"; }

# --- health checks ----------------------------------------------------

# running PID: the process exists and is not a zombie (PID 1 of a
# container may never reap the daemons' remains).
running() {
	local state
	state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
	[ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# daemon_pid NAME: the pid its pid file names, if that is a live Ceph
# daemon. A pid file naming anything else is stale (a pid reused after
# a restart of the machine), not a process to touch.
daemon_pid() {
	local pid
	pid="$(as_root cat "$CEPH_RUN_DIR/$1.pid" 2>/dev/null || true)"
	[ -n "$pid" ] && running "$pid" || return 0
	case "$(as_root cat "/proc/$pid/comm" 2>/dev/null || true)" in
	ceph-mon | ceph-osd | radosgw) echo "$pid" ;;
	esac
}

pid_alive() { [ -n "$(daemon_pid "$1")" ]; }

# cluster_ready: the glance key reaches the monitor and the OSD and
# lists the pool (the whole path an RBD test takes).
cluster_ready() {
	pid_alive mon.a && pid_alive osd.0 &&
		as_root test -s "$CEPH_CONF_DIR/ceph.client.glance.keyring" &&
		as_root timeout 10 rbd -c "$CEPH_CONF" --id glance ls "$POOL" >/dev/null 2>&1
}

rgw_ready() {
	pid_alive client.rgw.gw &&
		curl -fsS -m 3 -o /dev/null "$RGW_URL/" 2>/dev/null
}

swift_user_ready() {
	curl -fsS -m 3 -o /dev/null -H "X-Auth-User: $SWIFT_USER" -H "X-Auth-Key: $SWIFT_KEY" "$RGW_URL/auth/1.0" 2>/dev/null
}

fail_with_log() { # log-name message
	local log=$CEPH_LOG_DIR/ceph-$1.log
	[ -r "$log" ] && tail -n 30 "$log" >&2
	die "$2 (log: $log)"
}

# wait_until SECONDS what command...: polls every 0.2 s.
wait_until() {
	local limit=$1 what=$2
	shift 2
	local deadline=$((SECONDS + limit))
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
	say "$what after $((SECONDS - started)) s"
}

# --- stopping ---------------------------------------------------------

stop_daemon() { # name
	local pid
	pid="$(daemon_pid "$1")"
	if [ -n "$pid" ]; then
		# Killed outright: the cluster is rebuilt from nothing anyway,
		# and a monitor or radosgw takes seconds to stop politely.
		say "stopping $1 ($pid)"
		as_root kill -KILL "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			running "$pid" || break
			sleep 0.1
		done
	fi
	as_root rm -f "$CEPH_RUN_DIR/$1.pid"
}

port_in_use() { # port: something listens on 127.0.0.1:port
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# --- building the cluster ---------------------------------------------

build_cluster() {
	started=$SECONDS
	stop_daemon client.rgw.gw
	stop_daemon osd.0
	stop_daemon mon.a
	for port in "$MON_V2" "$MON_V1" "$RGW_PORT"; do
		port_in_use "$port" && die "127.0.0.1:$port is taken by a process this script did not start"
	done
	say "building the cluster in $CEPH_DATA_DIR"
	as_root rm -rf "$CEPH_DATA_DIR"
	as_root rm -f "$CEPH_CONF_DIR"/ceph.client.*.keyring
	as_root install -d -m 0755 "$CEPH_DATA_DIR" "$CEPH_DATA_DIR/osd-0" "$CEPH_DATA_DIR/rgw"

	local tmp
	tmp="$(as_root mktemp -d)"
	# Keys: the monitor's and client.admin's; mkfs puts both in the
	# monitor's store.
	as_root ceph-authtool --create-keyring "$tmp/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
	as_root ceph-authtool --create-keyring "$CEPH_CONF_DIR/ceph.client.admin.keyring" --gen-key -n client.admin \
		--cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
	as_root ceph-authtool "$tmp/mon.keyring" --import-keyring "$CEPH_CONF_DIR/ceph.client.admin.keyring" >/dev/null
	as_root monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]" "$tmp/monmap" >/dev/null
	as_root ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$tmp/monmap" --keyring "$tmp/mon.keyring" \
		>>"$CEPH_LOG_DIR/ceph-mon.a.log" 2>&1 || fail_with_log mon.a "ceph-mon --mkfs failed"
	as_root rm -rf "$tmp"
	as_root ceph-mon -c "$CEPH_CONF" -i a >>"$CEPH_LOG_DIR/ceph-mon.a.log" 2>&1 ||
		fail_with_log mon.a "ceph-mon did not start"
	# The CLI waits out its whole connect timeout when it starts before
	# the monitor listens: look at the port first.
	mon_answers() { port_in_use "$MON_V2" && ceph_cli -s >/dev/null 2>&1; }
	wait_until "$START_TIMEOUT" "monitor answering" mon_answers ||
		fail_with_log mon.a "the monitor did not answer within $START_TIMEOUT s"

	# One OSD, data in memory.
	local uuid secret id
	uuid="$(uuidgen)"
	secret="$(ceph-authtool --gen-print-key)"
	id="$(printf '{"cephx_secret": "%s"}' "$secret" | ceph_cli osd new "$uuid" -i -)" ||
		die "ceph osd new failed"
	[ "$id" = 0 ] || die "the new OSD got id $id, not 0"
	as_root ceph-authtool --create-keyring "$CEPH_DATA_DIR/osd-0/keyring" --name osd.0 --add-key "$secret" >/dev/null
	as_root ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid" >>"$CEPH_LOG_DIR/ceph-osd.0.log" 2>&1 ||
		fail_with_log osd.0 "ceph-osd --mkfs failed"
	as_root ceph-osd -c "$CEPH_CONF" -i 0 >>"$CEPH_LOG_DIR/ceph-osd.0.log" 2>&1 ||
		fail_with_log osd.0 "ceph-osd did not start"
	osd_up() { [ "$(ceph_cli osd stat -f json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["num_up_osds"])' 2>/dev/null)" = 1 ]; }
	wait_until "$START_TIMEOUT" "OSD up" osd_up ||
		fail_with_log osd.0 "the OSD was not up within $START_TIMEOUT s"

	# The pool and the image service's key.
	ceph_cli osd pool create "$POOL" 8 8 replicated >/dev/null 2>&1 || die "cannot create pool $POOL"
	as_root timeout 60 rbd -c "$CEPH_CONF" pool init "$POOL" || die "rbd pool init $POOL failed"
	ceph_cli auth get-or-create client.glance mon 'profile rbd' osd "profile rbd pool=$POOL" \
		-o "$CEPH_CONF_DIR/ceph.client.glance.keyring" || die "cannot create client.glance"
	ceph_cli auth get-or-create client.rgw.gw mon 'allow rw' osd 'allow rwx' \
		-o "$CEPH_DATA_DIR/rgw/keyring" || die "cannot create client.rgw.gw"
	as_root chmod 0644 "$CEPH_CONF_DIR/ceph.client.glance.keyring" "$CEPH_CONF_DIR/ceph.client.admin.keyring"
	wait_until "$START_TIMEOUT" "pool $POOL ready for client.glance" cluster_ready ||
		fail_with_log osd.0 "client.glance cannot list pool $POOL"
}

start_rgw() {
	started=$SECONDS
	stop_daemon client.rgw.gw
	port_in_use "$RGW_PORT" && die "127.0.0.1:$RGW_PORT is taken by a process this script did not start"
	say "starting radosgw on $RGW_URL"
	as_root radosgw -c "$CEPH_CONF" -n client.rgw.gw >>"$CEPH_LOG_DIR/ceph-client.rgw.gw.log" 2>&1 ||
		fail_with_log client.rgw.gw "radosgw did not start"
	wait_until "$START_TIMEOUT" "radosgw answering" rgw_ready ||
		fail_with_log client.rgw.gw "radosgw did not answer within $START_TIMEOUT s"
}

# make_rgw_user: the S3 user with its fixed keys and its Swift subuser.
make_rgw_user() {
	local admin=(as_root timeout 60 radosgw-admin -c "$CEPH_CONF" -n client.admin)
	if ! "${admin[@]}" user info --uid=glance >/dev/null 2>&1; then
		"${admin[@]}" user create --uid=glance --display-name="Image service tests" \
			--access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null ||
			die "radosgw-admin user create failed"
		say "made radosgw user glance"
	fi
	"${admin[@]}" subuser create --uid=glance --subuser="$SWIFT_USER" --access=full \
		--key-type=swift --secret-key="$SWIFT_KEY" >/dev/null ||
		die "radosgw-admin subuser create failed"
	swift_user_ready || die "radosgw refuses the Swift user $SWIFT_USER"
}

# --- main -------------------------------------------------------------

total=$SECONDS
if [ "$conf_changed" = 1 ] || ! cluster_ready; then
	build_cluster
fi
if [ "$conf_changed" = 1 ] || ! rgw_ready; then
	start_rgw
fi
if ! swift_user_ready; then
	make_rgw_user
fi
if [ "$SECONDS" -gt "$total" ]; then
	rss="$(ps -o rss= -p "$(cat "$CEPH_RUN_DIR/mon.a.pid")" -p "$(cat "$CEPH_RUN_DIR/osd.0.pid")" \
		-p "$(cat "$CEPH_RUN_DIR/client.rgw.gw.pid")" | awk '{s += $1} END {printf "%d", s / 1024}')"
	say "up after $((SECONDS - total)) s; mon, OSD and radosgw use $rss MiB"
fi
say "ready: ceph.conf $CEPH_CONF, pool $POOL, client.glance; S3 and Swift at $RGW_URL"
