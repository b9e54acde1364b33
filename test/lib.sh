# Shell functions the test scripts share (sourced, not run). The script
# that sources it sets LIB_NAME, the prefix of its messages.

say() { printf '%s: %s\n' "$LIB_NAME" "$*"; }
die() {
	printf '%s: ERROR: %s\n' "$LIB_NAME" "$*" >&2
	exit 1
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		die "need root to run: $*"
	fi
}

# maybe_root is as_root for probes: without a way to become root it
# runs the command as is instead of giving up.
maybe_root() {
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		"$@"
	fi
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# missing_packages PKG...: prints those not installed, one per line.
# One dpkg-query for all: each run costs a tenth of a second.
missing_packages() {
	local name status pkg
	local -A have=()
	while read -r name status; do
		[ "$status" = installed ] && have[$name]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true)
	for pkg in "$@"; do
		[ -n "${have[$pkg]:-}" ] || printf '%s\n' "$pkg"
	done
}

POLICY_RC_D=/usr/sbin/policy-rc.d
INSTALL_LOCK=/run/lock/go-glance-install.lock

# install_quietly PKG...: installs the packages with apt while package
# scripts may start no service (a policy-rc.d answering 101, "action
# forbidden", stops invoke-rc.d). Whatever policy-rc.d was there before
# comes back afterwards, also when the install fails.
install_quietly() {
	# One at a time: test/setup.sh runs scripts side by side, and each
	# one's policy-rc.d must outlive the others' installs.
	local lockfd
	exec {lockfd}>"$INSTALL_LOCK"
	flock "$lockfd"
	local backup=""
	if [ -e "$POLICY_RC_D" ]; then
		backup="$(mktemp)"
		cp -p "$POLICY_RC_D" "$backup"
	fi
	# shellcheck disable=SC2064 # the paths are fixed now, on purpose
	trap "restore_policy_rc_d '$backup'" EXIT
	printf '#!/bin/sh\n# %s: no service starts during package installation.\nexit 101\n' "$LIB_NAME" |
		as_root tee "$POLICY_RC_D" >/dev/null
	as_root chmod 0755 "$POLICY_RC_D"
	local apt_opts=(-q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
	as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install --no-install-recommends "$@"
	restore_policy_rc_d "$backup"
	trap - EXIT
	exec {lockfd}>&-
}

restore_policy_rc_d() {
	if [ -n "$1" ]; then
		as_root cp -p "$1" "$POLICY_RC_D"
		rm -f "$1"
	else
		as_root rm -f "$POLICY_RC_D"
	fi
}
