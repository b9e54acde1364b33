#!/usr/bin/env bash
# Brings up a real Keystone (Debian 12's keystone package, OpenStack Zed)
# for the tests that validate tokens (gateway/keystone, test/e2e): its
# public API on http://127.0.0.1:5000/v3 under uwsgi, its database in the
# local MariaDB, and the projects, users and roles the tests log in as.
# test/setup.sh runs it at its end; it also runs on its own.
#
# Safe to run any number of times: it installs only missing packages,
# (re)starts Keystone only when it is not answering or its config
# changed, and creates only the objects that are missing. When all is
# up it does a few HTTP requests and nothing else. Non-interactive;
# needs root (or password-less sudo) to install, configure and start.
#
# Everything it owns lives in $KS_DIR (config, uwsgi config, fernet and
# credential keys, clouds.yaml) and $KS_LOG_DIR; Keystone runs as the
# package's keystone user. The package's own /etc/keystone is left alone
# and its init script is never run.
#
# Personas (domain Default; every password is the user name):
#
#   admin          admin on project admin and on the system (bootstrap)
#   glance         admin on project service: the image service's own user;
#                  reader on the system, to read every project's limits
#   nova           service on project service: a service token's user
#   alpha-admin    admin  on project alpha   (implies member and reader)
#   alpha-member   member on project alpha   (implies reader)
#   alpha-reader   reader on project alpha
#   beta-admin, beta-member, beta-reader: the same on project beta
#   system-reader  reader on the system
#   domain-admin   admin on domain Default (domain-scoped tokens)
#
# The catalog lists identity at http://127.0.0.1:5000/v3 and the image
# service (glance, type image) at http://127.0.0.1:19292, region
# RegionOne, all three interfaces: tests that find the image service
# through the catalog run the server on that port.
#
# The image service's unified limits (Glance's use_keystone_limits),
# for service glance in RegionOne: registered defaults of 1000 MiB for
# image_size_total and image_stage_total and 100 for image_count_total
# and image_count_uploading; project alpha's own limits are low enough
# for tests to reach (image_size_total 3, image_count_total 4,
# image_count_uploading 2) and beta's image_count_uploading is -1
# (unlimited). Limits that differ are set back to these values.
#
# $KS_DIR/clouds.yaml has one cloud per persona (e.g.
# OS_CLIENT_CONFIG_FILE=$KS_DIR/clouds.yaml openstack --os-cloud
# alpha-member image list).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

KS_URL=http://127.0.0.1:5000
KS_DIR=/etc/go-glance/keystone
KS_LOG_DIR=/var/log/go-glance
KS_RUN_DIR=/run/go-glance
KS_PIDFILE=$KS_RUN_DIR/keystone-uwsgi.pid
KS_DB=keystone
KS_DB_USER=keystone
KS_DB_PASSWORD=keystone
IMAGE_URL=http://127.0.0.1:19292
REGION=RegionOne
PACKAGES=(keystone uwsgi-core uwsgi-plugin-python3 python3-pymysql curl)
START_TIMEOUT=90 # seconds for Keystone to answer after a start

LIB_NAME=keystone
# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

answers() {
	curl -fsS -m 3 -o /dev/null "$KS_URL/v3" 2>/dev/null
}

# --- packages ---------------------------------------------------------

mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	# The package's scripts must neither start Keystone nor set up a
	# database or an admin through debconf: this script does both its
	# own way.
	printf '%s\n' \
		'keystone keystone/configure_db boolean false' \
		'keystone keystone/create-admin-tenant boolean false' \
		'keystone keystone/register-endpoint boolean false' | as_root debconf-set-selections
	install_quietly "${missing[@]}"
	say "installed ${missing[*]}"
fi
command -v keystone-manage >/dev/null 2>&1 || die "keystone-manage is missing after installation (package keystone)"
[ -x /usr/bin/keystone-wsgi-public ] || die "/usr/bin/keystone-wsgi-public is missing (package keystone)"

# --- configuration ----------------------------------------------------

# write_if_changed PATH MODE: replaces PATH with stdin when it differs and
# reports whether it did (exit 0: written).
write_if_changed() {
	local path=$1 mode=$2 tmp
	tmp="$(mktemp)"
	cat >"$tmp"
	if as_root cmp -s "$tmp" "$path" 2>/dev/null; then
		rm -f "$tmp"
		return 1
	fi
	as_root install -o root -g keystone -m "$mode" "$tmp" "$path"
	rm -f "$tmp"
	return 0
}

as_root install -d -o root -g keystone -m 0755 "$KS_DIR"
as_root install -d -o keystone -g keystone -m 0750 "$KS_LOG_DIR" "$KS_RUN_DIR"

changed=0
# bcrypt with the fewest rounds: the tests log in hundreds of times and
# Keystone's default costs a quarter of a second per login.
write_if_changed "$KS_DIR/keystone.conf" 0640 <<EOF && changed=1
# Written by test/keystone.sh; rewritten when it differs.
[DEFAULT]
log_file = $KS_LOG_DIR/keystone.log

[database]
connection = mysql+pymysql://$KS_DB_USER:$KS_DB_PASSWORD@127.0.0.1:3306/$KS_DB

[identity]
password_hash_algorithm = bcrypt
password_hash_rounds = 4

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = $KS_DIR/fernet-keys/

[credential]
key_repository = $KS_DIR/credential-keys/
EOF

write_if_changed "$KS_DIR/uwsgi.ini" 0640 <<EOF && changed=1
# Written by test/keystone.sh; rewritten when it differs.
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:5000
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=$KS_DIR
uid = keystone
gid = keystone
chdir = /var/lib/keystone
master = true
processes = 2
threads = 4
enable-threads = true
lazy-apps = true
thunder-lock = true
buffer-size = 65535
# uwsgi's plain http-socket does not keep connections alive: say so.
add-header = Connection: close
die-on-term = true
no-orphans = true
pidfile = $KS_PIDFILE
daemonize = $KS_LOG_DIR/keystone-uwsgi.log
EOF

# --- database ---------------------------------------------------------

if command -v mariadb >/dev/null 2>&1; then client=mariadb; else client=mysql; fi

sql_root() {
	"$client" --no-defaults --protocol=tcp -h 127.0.0.1 -P 3306 -u root --connect-timeout=5 "$@" 2>/dev/null ||
		as_root "$client" --no-defaults --protocol=socket -S /run/mysqld/mysqld.sock -u root --connect-timeout=5 "$@"
}

setup_database() {
	sql_root -e "CREATE DATABASE IF NOT EXISTS $KS_DB;
		CREATE USER IF NOT EXISTS '$KS_DB_USER'@'127.0.0.1' IDENTIFIED BY '$KS_DB_PASSWORD';
		CREATE USER IF NOT EXISTS '$KS_DB_USER'@'localhost' IDENTIFIED BY '$KS_DB_PASSWORD';
		GRANT ALL PRIVILEGES ON $KS_DB.* TO '$KS_DB_USER'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON $KS_DB.* TO '$KS_DB_USER'@'localhost';" ||
		die "cannot create Keystone's database as MariaDB's root (is MariaDB up? test/setup.sh starts it)"
	as_root su -s /bin/sh keystone -c "keystone-manage --config-file $KS_DIR/keystone.conf db_sync" \
		>>"$KS_LOG_DIR/keystone-manage.log" 2>&1 ||
		die "keystone-manage db_sync failed; see $KS_LOG_DIR/keystone-manage.log"
}

# setup_keys makes a key repository when it has no keys yet.
setup_keys() {
	local kind=$1 dir=$2
	if as_root test -e "$dir/0"; then
		return
	fi
	say "creating $kind keys in $dir"
	as_root install -d -o keystone -g keystone -m 0700 "$dir"
	as_root keystone-manage --config-file "$KS_DIR/keystone.conf" "${kind}_setup" \
		--keystone-user keystone --keystone-group keystone >>"$KS_LOG_DIR/keystone-manage.log" 2>&1 ||
		die "keystone-manage ${kind}_setup failed; see $KS_LOG_DIR/keystone-manage.log"
}

# --- the server -------------------------------------------------------

running_pid() {
	local pid
	pid="$(as_root cat "$KS_PIDFILE" 2>/dev/null || true)"
	if [ -n "$pid" ] && as_root kill -0 "$pid" 2>/dev/null; then
		echo "$pid"
	fi
}

stop_keystone() {
	local pid
	pid="$(running_pid)"
	[ -n "$pid" ] || return 0
	say "stopping Keystone (uwsgi master $pid)"
	as_root kill -TERM "$pid"
	for _ in $(seq 1 100); do
		as_root kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	as_root kill -KILL "$pid" 2>/dev/null || true
}

start_keystone() {
	say "starting Keystone on $KS_URL"
	# A uwsgi process that holds the port but does not answer is ours
	# only if the pidfile names it; anything else on the port is a
	# conflict to report, not to kill.
	as_root touch "$KS_LOG_DIR/keystone-uwsgi.log" "$KS_LOG_DIR/keystone.log"
	as_root chown keystone:keystone "$KS_LOG_DIR/keystone-uwsgi.log" "$KS_LOG_DIR/keystone.log"
	as_root uwsgi --ini "$KS_DIR/uwsgi.ini" >/dev/null 2>&1 ||
		die "uwsgi did not start; see $KS_LOG_DIR/keystone-uwsgi.log"
	local deadline=$((SECONDS + START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		answers && return 0
		sleep 0.3
	done
	as_root tail -n 40 "$KS_LOG_DIR/keystone-uwsgi.log" >&2 || true
	as_root tail -n 20 "$KS_LOG_DIR/keystone.log" >&2 || true
	die "Keystone did not answer GET $KS_URL/v3 within ${START_TIMEOUT} s"
}

if [ "$changed" -eq 1 ] || ! answers; then
	stop_keystone
	setup_database
	setup_keys fernet "$KS_DIR/fernet-keys"
	setup_keys credential "$KS_DIR/credential-keys"
	if ss -ltn 'sport = :5000' 2>/dev/null | grep -q LISTEN; then
		die "something else listens on 127.0.0.1:5000; stop it first"
	fi
	start_keystone
	say "Keystone started"
else
	say "Keystone already answering on $KS_URL/v3"
fi

# --- bootstrap and test personas ---------------------------------------

token_for() { # user password scope-json
	curl -fsS -m 10 -o /dev/null -D - -H 'Content-Type: application/json' \
		-d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":$3}}" \
		"$KS_URL/v3/auth/tokens" 2>/dev/null | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}

system_scope='{"system":{"all":true}}'
admin_token="$(token_for admin admin "$system_scope" || true)"
if [ -z "$admin_token" ]; then
	say "bootstrapping (admin, RegionOne, the identity endpoint)"
	as_root su -s /bin/sh keystone -c "keystone-manage --config-file $KS_DIR/keystone.conf bootstrap \
		--bootstrap-password admin --bootstrap-username admin --bootstrap-project-name admin \
		--bootstrap-role-name admin --bootstrap-service-name keystone --bootstrap-region-id $REGION \
		--bootstrap-admin-url $KS_URL/v3/ --bootstrap-internal-url $KS_URL/v3/ --bootstrap-public-url $KS_URL/v3/" \
		>>"$KS_LOG_DIR/keystone-manage.log" 2>&1 || die "keystone-manage bootstrap failed; see $KS_LOG_DIR/keystone-manage.log"
	admin_token="$(token_for admin admin "$system_scope" || true)"
	[ -n "$admin_token" ] || die "admin cannot log in after keystone-manage bootstrap"
fi

# One admin token and a handful of listings; only what is missing is
# created. Role assignments are PUTs, which Keystone treats as no-ops
# when they exist.
KS_URL=$KS_URL KS_TOKEN=$admin_token IMAGE_URL=$IMAGE_URL REGION=$REGION /usr/bin/python3 - <<'PY'
import concurrent.futures
import json
import os
import sys
import urllib.error
import urllib.request

URL = os.environ["KS_URL"] + "/v3"
TOKEN = os.environ["KS_TOKEN"]
IMAGE_URL = os.environ["IMAGE_URL"]
REGION = os.environ["REGION"]
DOMAIN = "default"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("X-Auth-Token", TOKEN)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        sys.exit("keystone: ERROR: %s %s: %s %s" % (method, path, e.code, e.read()[:300]))
    return json.loads(raw) if raw else None


def made(what):
    print("keystone: created " + what)


def changed(what):
    print("keystone: " + what)


def by_name(items):
    return {i["name"]: i for i in items}


# Every listing at once: each costs Keystone a token check, and this
# script is on the path of every test run.
with concurrent.futures.ThreadPoolExecutor(max_workers=9) as pool:
    listed = dict(zip(
        ("projects", "roles", "role_inferences", "users", "role_assignments", "services", "endpoints",
         "registered_limits", "limits"),
        pool.map(lambda path: call("GET", path), (
            "/projects", "/roles", "/role_inferences", "/users?domain_id=" + DOMAIN,
            "/role_assignments", "/services", "/endpoints", "/registered_limits", "/limits"))))

projects = by_name(p for p in listed["projects"]["projects"] if p["domain_id"] == DOMAIN)
for name in ("service", "alpha", "beta"):
    if name not in projects:
        projects[name] = call("POST", "/projects", {"project": {
            "name": name, "domain_id": DOMAIN, "description": "go-glance tests"}})["project"]
        made("project " + name)

roles = by_name(listed["roles"]["roles"])
for name in ("admin", "member", "reader", "service"):
    if name not in roles:
        roles[name] = call("POST", "/roles", {"role": {"name": name}})["role"]
        made("role " + name)

# Keystone's bootstrap makes admin imply member and member imply reader;
# the tests rely on it, so make sure.
inferences = listed["role_inferences"]["role_inferences"]
implied = {(i["prior_role"]["id"], r["id"]) for i in inferences for r in i["implies"]}
for prior, imp in (("admin", "member"), ("member", "reader")):
    if (roles[prior]["id"], roles[imp]["id"]) not in implied:
        call("PUT", "/roles/%s/implies/%s" % (roles[prior]["id"], roles[imp]["id"]))
        made("implied role %s -> %s" % (prior, imp))

# user: (project roles, domain roles, system roles)
personas = {
    # oslo.limit reads every project's limits with a system-scoped token.
    "glance": ({"service": ["admin"]}, [], ["reader"]),
    "nova": ({"service": ["service"]}, [], []),
    "system-reader": ({}, [], ["reader"]),
    "domain-admin": ({}, ["admin"], []),
}
for project in ("alpha", "beta"):
    for role in ("admin", "member", "reader"):
        personas["%s-%s" % (project, role)] = ({project: [role]}, [], [])

users = by_name(listed["users"]["users"])
for name in personas:
    if name not in users:
        users[name] = call("POST", "/users", {"user": {
            "name": name, "domain_id": DOMAIN, "password": name, "enabled": True}})["user"]
        made("user " + name)

have = set()
for a in listed["role_assignments"]["role_assignments"]:
    if "user" not in a:
        continue
    scope = a["scope"]
    target = ("project", scope["project"]["id"]) if "project" in scope else \
        ("domain", scope["domain"]["id"]) if "domain" in scope else ("system", "all")
    have.add((a["user"]["id"], a["role"]["id"]) + target)

for name, (project_roles, domain_roles, system_roles) in personas.items():
    uid = users[name]["id"]
    for project, names in project_roles.items():
        for role in names:
            rid = roles[role]["id"]
            if (uid, rid, "project", projects[project]["id"]) not in have:
                call("PUT", "/projects/%s/users/%s/roles/%s" % (projects[project]["id"], uid, rid))
                made("role %s for %s on project %s" % (role, name, project))
    for role in domain_roles:
        rid = roles[role]["id"]
        if (uid, rid, "domain", DOMAIN) not in have:
            call("PUT", "/domains/%s/users/%s/roles/%s" % (DOMAIN, uid, rid))
            made("role %s for %s on domain %s" % (role, name, DOMAIN))
    for role in system_roles:
        rid = roles[role]["id"]
        if (uid, rid, "system", "all") not in have:
            call("PUT", "/system/users/%s/roles/%s" % (uid, rid))
            made("role %s for %s on the system" % (role, name))

services = [s for s in listed["services"]["services"] if s["type"] == "image"]
if services:
    service = services[0]
else:
    service = call("POST", "/services", {"service": {
        "name": "glance", "type": "image", "description": "OpenStack Image"}})["service"]
    made("service glance (image)")
endpoints = [e for e in listed["endpoints"]["endpoints"] if e["service_id"] == service["id"]]
for interface in ("public", "internal", "admin"):
    mine = [e for e in endpoints if e["interface"] == interface and e.get("region_id") == REGION]
    if not mine:
        call("POST", "/endpoints", {"endpoint": {"service_id": service["id"], "interface": interface,
                                                 "url": IMAGE_URL, "region_id": REGION}})
        made("%s image endpoint %s" % (interface, IMAGE_URL))
    elif mine[0]["url"] != IMAGE_URL:
        call("PATCH", "/endpoints/" + mine[0]["id"], {"endpoint": {"url": IMAGE_URL}})
        made("%s image endpoint moved to %s" % (interface, IMAGE_URL))

# The image service's unified limits: registered defaults first, as
# Keystone refuses a project limit without one.
REGISTERED = {"image_size_total": 1000, "image_stage_total": 1000,
              "image_count_total": 100, "image_count_uploading": 100}
PROJECT_LIMITS = {"alpha": {"image_size_total": 3, "image_count_total": 4, "image_count_uploading": 2},
                  "beta": {"image_count_uploading": -1}}
registered = {r["resource_name"]: r for r in listed["registered_limits"]["registered_limits"]
              if r["service_id"] == service["id"] and r.get("region_id") == REGION}
missing = [{"service_id": service["id"], "region_id": REGION, "resource_name": name, "default_limit": value}
           for name, value in REGISTERED.items() if name not in registered]
if missing:
    call("POST", "/registered_limits", {"registered_limits": missing})
    made("registered limits " + ", ".join(m["resource_name"] for m in missing))
for name, value in REGISTERED.items():
    if name in registered and registered[name]["default_limit"] != value:
        call("PATCH", "/registered_limits/" + registered[name]["id"], {"registered_limit": {"default_limit": value}})
        changed("registered limit %s set back to %d" % (name, value))
limits = {(l["project_id"], l["resource_name"]): l for l in listed["limits"]["limits"]
          if l["service_id"] == service["id"] and l.get("region_id") == REGION}
missing, names = [], []
for project, wanted in PROJECT_LIMITS.items():
    pid = projects[project]["id"]
    for name, value in wanted.items():
        have = limits.get((pid, name))
        if have is None:
            missing.append({"service_id": service["id"], "region_id": REGION, "project_id": pid,
                            "resource_name": name, "resource_limit": value})
            names.append("%s of %s" % (name, project))
        elif have["resource_limit"] != value:
            call("PATCH", "/limits/" + have["id"], {"limit": {"resource_limit": value}})
            changed("limit %s of project %s set back to %d" % (name, project, value))
if missing:
    call("POST", "/limits", {"limits": missing})
    made("project limits " + ", ".join(names))
PY

# --- clouds.yaml --------------------------------------------------------

{
	echo "# Written by test/keystone.sh: one cloud per persona (password = user name)."
	echo "clouds:"
	cloud() { # name user scope-lines...
		local name=$1 user=$2
		shift 2
		printf '  %s:\n    region_name: %s\n    identity_api_version: 3\n    auth:\n' "$name" "$REGION"
		printf '      auth_url: %s/v3\n      username: %s\n      password: %s\n      user_domain_id: default\n' "$KS_URL" "$user" "$user"
		printf '      %s\n' "$@"
	}
	cloud admin admin "project_name: admin" "project_domain_id: default"
	cloud system-admin admin "system_scope: all"
	cloud system-reader system-reader "system_scope: all"
	cloud domain-admin domain-admin "domain_id: default"
	cloud glance glance "project_name: service" "project_domain_id: default"
	cloud nova nova "project_name: service" "project_domain_id: default"
	for p in alpha beta; do
		for r in admin member reader; do
			cloud "$p-$r" "$p-$r" "project_name: $p" "project_domain_id: default"
		done
	done
} | write_if_changed "$KS_DIR/clouds.yaml" 0644 && say "wrote $KS_DIR/clouds.yaml" || true

say "ready: $KS_URL/v3 (logs in $KS_LOG_DIR)"
