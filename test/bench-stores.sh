#!/usr/bin/env bash
# Measures each store backend with cmd/glance-load: upload and download
# MB/s and the server's CPU seconds per GiB moved, for the filesystem
# store, s3 on radosgw (test/ceph.sh) and swift on the Swift all-in-one
# (test/swift.sh), and rbd on the test cluster's pool (TAGS= builds
# without the ceph tags and leaves rbd out). One server (SQLite,
# multi-store) serves all of them; each run measures every backend in
# turn, the order rotating from run to run, and the medians over the
# runs are printed last.
#
#   test/bench-stores.sh                       # 256 MiB, 3 runs
#   SIZE=1GiB RUNS=5 test/bench-stores.sh
#   TAGS= test/bench-stores.sh                 # without rbd
#
# The CPU is the image server's alone (glance-load -pid): what radosgw,
# Swift or the OSD spend is not in it. The bucket and container are
# made fresh and removed at the end, as is everything under the work
# directory (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-256MiB}
RUNS=${RUNS:-3}
TAGS=${TAGS-ceph,pacific}
RGW=${GLANCE_TEST_RGW_URL:-http://127.0.0.1:7480}
SWIFT=${GLANCE_TEST_SWIFT_URL:-http://127.0.0.1:8080}
S3_ACCESS=GLANCETESTACCESSKEY0
S3_SECRET=glance-test-secret-key
CEPH_CONF=${GLANCE_TEST_CEPH_DIR:-/etc/go-glance/ceph}/ceph.conf
# radosgw signs the payload's hash; curl sends none of its own.
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

say() { printf 'bench-stores: %s\n' "$*" >&2; }
die() {
	say "ERROR: $*"
	exit 1
}

work="$(mktemp -d /tmp/glance-bench-stores.XXXXXX)"
suffix="$(date +%s)-$$"
bucket="glance-bench-$suffix"
container="glance-bench-$suffix"
pid=""

swift_token() {
	curl -sf -m 10 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "$SWIFT/auth/v1.0" |
		tr -d '\r' | awk -F': ' 'tolower($1) == "x-auth-token" {print $2}'
}

cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	# glance-load deletes its images, so both are empty by now.
	curl -sf -m 30 -X DELETE --aws-sigv4 "aws:amz:default:s3" --user "$S3_ACCESS:$S3_SECRET" \
		-H "x-amz-content-sha256: $EMPTY_SHA256" "$RGW/$bucket" >/dev/null 2>&1 ||
		say "could not remove bucket $bucket"
	curl -sf -m 30 -X DELETE -H "X-Auth-Token: $(swift_token)" "$SWIFT/v1/AUTH_test/$container" >/dev/null 2>&1 ||
		say "could not remove container $container"
	if [ "${KEEP:-}" = 1 ]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

curl -sf -m 5 -o /dev/null "$RGW/" || die "radosgw does not answer at $RGW: bash test/ceph.sh starts it"
[ -n "$(swift_token)" ] || die "Swift does not let test:tester in at $SWIFT: bash test/swift.sh starts it"

say "building into $work"
go build ${TAGS:+-tags "$TAGS"} -o "$work/glance" ./cmd/glance
go build -o "$work/glance-load" ./cmd/glance-load

backends=(file s3 swift)
case ",$TAGS," in *,ceph,*) backends+=(rbd) ;; esac

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
enabled=""
for b in "${backends[@]}"; do enabled+="${enabled:+, }$b:$b"; done
cat >"$work/glance-api.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
log_file = $work/glance-api.log
enabled_backends = $enabled

[database]
connection = sqlite:///$work/glance.sqlite

[glance_store]
default_backend = file

[file]
filesystem_store_datadir = $work/images

[s3]
s3_store_host = $RGW
s3_store_access_key = $S3_ACCESS
s3_store_secret_key = $S3_SECRET
s3_store_bucket = $bucket
s3_store_create_bucket_on_put = true
s3_store_region_name = default
s3_store_bucket_url_format = path

[swift]
swift_store_auth_address = $SWIFT/auth/v1.0
swift_store_auth_version = 1
swift_store_user = test:tester
swift_store_key = testing
swift_store_container = $container
swift_store_create_container_on_put = true

[rbd]
rbd_store_pool = images
rbd_store_user = glance
rbd_store_ceph_conf = $CEPH_CONF
EOF

"$work/glance" api --config-file "$work/glance-api.conf" >"$work/glance-api.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url/")" = 300 ] && break
	kill -0 "$pid" 2>/dev/null || die "the server did not start: $(cat "$work/glance-api.out")"
	sleep 0.1
done
say "server $pid on $url with backends ${backends[*]}; $RUNS runs of $SIZE"

# radosgw keeps deleted objects for its garbage collector for two hours
# (rgw_gc_obj_min_wait); in the test cluster's 4 GiB memstore OSD a few
# runs of large images would fill it and stop every writer. Collect
# them after each s3 measurement when the admin keyring allows.
collect_garbage() {
	if command -v radosgw-admin >/dev/null 2>&1; then
		timeout 120 radosgw-admin -c "$CEPH_CONF" gc process --include-all >/dev/null 2>&1 ||
			say "radosgw-admin gc process failed; deleted s3 data stays for two hours"
	fi
}

load() { # backend mode run
	"$work/glance-load" -url "$url" -pid "$pid" -verify none -hash-bytes 0 -size "$SIZE" -n 1 -c 1 \
		-H "X-Image-Meta-Store: $1" -mode "$2" -json "$work/$1.$2.$3.json" | sed "s/^/run=$3 $1 /"
	if [ "$1" = s3 ]; then collect_garbage; fi
}

for run in $(seq "$RUNS"); do
	n=${#backends[@]}
	for i in $(seq 0 $((n - 1))); do
		b=${backends[$(((i + run - 1) % n))]}
		load "$b" upload "$run"
		load "$b" download "$run"
	done
done

python3 - "$work" "${backends[@]}" <<'EOF'
import glob, json, statistics, sys

work, backends = sys.argv[1], sys.argv[2:]
print()
print("| backend | upload MB/s | upload server CPU-s/GiB | download MB/s | download server CPU-s/GiB | runs |")
print("|---|---|---|---|---|---|")
for b in backends:
    cells, runs = [], 0
    for mode in ("upload", "download"):
        rows = [r for f in sorted(glob.glob(f"{work}/{b}.{mode}.*.json"))
                for r in json.load(open(f)) if r["mode"] == mode and r["ok"] > 0]
        runs = len(rows)
        for key in ("mb_s", "server_cpu_s_per_gib"):
            vals = [r.get(key, 0.0) for r in rows]
            cells.append(f"{statistics.median(vals):.{0 if key == 'mb_s' else 2}f}" if vals else "-")
    print(f"| {b} | " + " | ".join(cells) + f" | {runs} |")
EOF
