#!/usr/bin/env bash
# Prepares a Debian 12 machine for the end-to-end and interoperability
# tests (test/e2e, test/interop): installs the OpenStack clients, Debian's
# Glance and the MySQL driver it needs, makes sure a MariaDB server
# is running that root can reach without a password, and brings up a
# Keystone with the tests' users (test/keystone.sh), a throwaway Ceph
# with radosgw for the RBD and S3 stores (test/ceph.sh) and a Swift
# all-in-one for the Swift store (test/swift.sh).
#
# Safe to run any number of times: it installs only missing packages
# (and skips apt-get update when nothing is missing), starts MariaDB only
# when it is not answering, and says what it did. Non-interactive; needs
# root (or password-less sudo) only when there is something to install
# or start.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
	python3-openstackclient # openstack CLI
	python3-glanceclient    # glance CLI
	python3-openstacksdk    # openstacksdk
	python3-pymysql         # Glance's mysql+pymysql:// driver
	glance-api              # Debian's real Glance (Zed), for test/interop
	glance-common           # glance-manage
)
MARIADB_SOCKET=/run/mysqld/mysqld.sock
MARIADB_DATADIR=/var/lib/mysql

LIB_NAME=setup
# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- packages ---------------------------------------------------------

mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ ! -x /usr/sbin/mariadbd ]; then
	missing+=(mariadb-server mariadb-client)
fi
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	install_quietly "${missing[@]}"
	say "installed ${missing[*]}"
else
	say "packages already installed: ${PACKAGES[*]}"
fi

if ! /usr/bin/python3 -c 'import openstack, glanceclient, pymysql, glance' 2>/dev/null; then
	die "/usr/bin/python3 cannot import openstack, glanceclient, pymysql and glance after installation"
fi

# --- MariaDB ----------------------------------------------------------

if command -v mariadb >/dev/null 2>&1; then client=mariadb; else client=mysql; fi
if command -v mariadb-admin >/dev/null 2>&1; then admin=mariadb-admin; else admin=mysqladmin; fi
command -v "$client" >/dev/null 2>&1 || die "no MariaDB client (mariadb or mysql) on PATH"

root_over_tcp() {
	"$client" --no-defaults --protocol=tcp -h 127.0.0.1 -P 3306 -u root --connect-timeout=3 -e 'SELECT 1' >/dev/null 2>&1
}
root_over_socket() {
	[ -S "$MARIADB_SOCKET" ] &&
		maybe_root "$client" --no-defaults --protocol=socket -S "$MARIADB_SOCKET" -u root --connect-timeout=3 -e 'SELECT 1' >/dev/null 2>&1
}
# "ping" succeeds whenever a server answers, even when it refuses the
# login: it tells "down" from "up but closed to root".
server_answers() {
	"$admin" --no-defaults --protocol=tcp -h 127.0.0.1 -P 3306 --connect-timeout=2 ping >/dev/null 2>&1 ||
		{ [ -S "$MARIADB_SOCKET" ] && "$admin" --no-defaults --protocol=socket -S "$MARIADB_SOCKET" --connect-timeout=2 ping >/dev/null 2>&1; }
}

report_mariadb() {
	if root_over_tcp; then
		say "MariaDB: root reaches 127.0.0.1:3306 without a password"
	elif root_over_socket; then
		say "MariaDB: root reaches $MARIADB_SOCKET (unix-socket auth) but not 127.0.0.1:3306; the tests use the socket"
	else
		die "MariaDB answers but lets root in neither on 127.0.0.1:3306 nor on $MARIADB_SOCKET without a password"
	fi
}

if server_answers; then
	say "MariaDB already running"
else
	say "MariaDB not answering; starting /usr/sbin/mariadbd"
	[ -x /usr/sbin/mariadbd ] || die "/usr/sbin/mariadbd is missing (package mariadb-server)"
	if [ ! -d "$MARIADB_DATADIR/mysql" ]; then
		say "initialising $MARIADB_DATADIR"
		as_root mariadb-install-db --user=mysql --datadir="$MARIADB_DATADIR" --skip-test-db >/dev/null
	fi
	as_root install -d -o mysql -g mysql -m 0755 "$(dirname "$MARIADB_SOCKET")"
	as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
	for _ in $(seq 1 120); do
		server_answers && break
		sleep 0.5
	done
	if ! server_answers; then
		for f in /var/log/mysql/error.log "$MARIADB_DATADIR"/*.err; do
			[ -r "$f" ] && tail -n 30 "$f" >&2
		done
		die "MariaDB did not answer within 60 s of starting"
	fi
	say "MariaDB started"
fi
report_mariadb

# --- Keystone -----------------------------------------------------------

bash "$(dirname "${BASH_SOURCE[0]}")/keystone.sh"

# --- storage servers ----------------------------------------------------

# Side by side: they share nothing but apt, which install_quietly takes
# in turns.
bash "$(dirname "${BASH_SOURCE[0]}")/ceph.sh" &
ceph_pid=$!
bash "$(dirname "${BASH_SOURCE[0]}")/swift.sh" &
swift_pid=$!
ceph_rc=0 swift_rc=0
wait "$ceph_pid" || ceph_rc=$?
wait "$swift_pid" || swift_rc=$?
[ "$ceph_rc" -eq 0 ] || die "test/ceph.sh failed (exit $ceph_rc; its messages are above)"
[ "$swift_rc" -eq 0 ] || die "test/swift.sh failed (exit $swift_rc; its messages are above)"

if command -v go >/dev/null 2>&1; then
	say "$(go version)"
else
	say "warning: no go command on PATH; the tests need Go (see go.mod)"
fi
say "done"
