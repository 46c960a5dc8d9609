# t/lib-sdboot.sh: a Debian 12 root and a real systemd booted as PID 1 over it, for tests
# that run the installed units. Sourced after t/lib.sh:
#
#   . "${0%/*}/lib.sh"; . "${0%/*}/lib-sdboot.sh"
#   sdroot_make DIR [PKG...]   DIR becomes a bare bookworm root (mmdebstrap --variant=apt)
#                              with systemd, systemd-sysv, dbus, procps, ebpfexp's runtime
#                              libraries and PKG...; mirrors from this machine's apt sources;
#                              apt keeps its lists, so `apt-get install` works inside. The
#                              tarball is cached under ${EBPFEXP_ROOT_CACHE:-/var/cache/
#                              ebpfexp-test}, keyed by package list and sources.
#   sdboot_start DIR           boot /lib/systemd/systemd as PID 1 over DIR (new pid, mount,
#                              cgroup, uts and ipc namespaces, from a cgroup of its own under
#                              the host's cgroup2 mount, pivot_root, container= set). Sets
#                              SD_PID (host pid of its PID 1), waits for `systemctl
#                              is-system-running` to say running; prints the failed units and
#                              returns 1 otherwise. Registers sdboot_stop with tcleanup.
#   sd CMD [ARG...]            run CMD inside the booted system (nsenter -t $SD_PID -a)
#   sdboot_stop                power off, wait for PID 1 to exit, remove the cgroup. Safe
#                              to call twice.
#
# Everything the boot mounts lives in the new mount namespace and goes with it; the
# cgroup is removed by sdboot_stop. SDBOOT_LOG is systemd's console output. Where
# pivot_root cannot work (the suite itself in a chroot), the root's mount is moved onto /
# and chrooted into instead; SDBOOT_NO_PIVOT=1 takes that way anyway, to test it.

SD_PID=""
SDBOOT_CG=""
SDBOOT_JOB=""
SDBOOT_LOG=$T/sdboot.log
SDROOT_SUITE=bookworm
SDROOT_BASE="systemd systemd-sysv dbus procps libbpf1 libelf1 zlib1g libjansson4 libyaml-0-2
	libpcre2-8-0 libcap2 libmd0"

# the machine's apt sources, as one input for mmdebstrap: the deb822 files if there are
# any (as Debian 12 installs them), else the one-line sources.list
_sdroot_sources() {
	_found=""
	for _f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$_f" ] || continue
		cat "$_f"
		echo
		_found=1
	done
	[ -n "$_found" ] && return 0
	[ -s /etc/apt/sources.list ] && grep -v '^[[:space:]]*#' /etc/apt/sources.list && return 0
	echo "sdroot_make: no apt sources in /etc/apt/sources.list.d/*.sources or" \
		"/etc/apt/sources.list" >&2
	return 1
}

sdroot_make() {
	_dir=$1
	shift
	command -v mmdebstrap >/dev/null ||
		{ echo "sdroot_make: needs mmdebstrap (scripts/install-deps installs it)" >&2; return 1; }
	_pkgs=$(printf '%s\n' $SDROOT_BASE "$@" | sort -u | tr '\n' ',' | sed 's/,$//')
	_src=$(_sdroot_sources) || return 1
	_cache=${EBPFEXP_ROOT_CACHE:-/var/cache/ebpfexp-test}
	_key=$(printf '%s\n%s\n%s\n' "$SDROOT_SUITE" "$_pkgs" "$_src" | sha256sum | cut -c1-16)
	_tar=$_cache/root-$SDROOT_SUITE-$_key.tar
	mkdir -p "$_cache" || return 1
	# one maker at a time per cache: another test may be making the same root
	(
		flock 9
		[ -s "$_tar" ] && exit 0
		_tmp=$_cache/.tmp-$$.tar
		printf '%s\n' "$_src" | mmdebstrap --quiet --variant=apt --include="$_pkgs" \
			--skip=cleanup/apt/lists "$SDROOT_SUITE" "$_tmp" - >"$T/mmdebstrap.log" 2>&1 ||
			{ rm -f "$_tmp"; cat "$T/mmdebstrap.log" >&2
			  echo "sdroot_make: mmdebstrap failed (log above)" >&2; exit 1; }
		mv -f "$_tmp" "$_tar"
	) 9>"$_cache/.lock" || return 1
	mkdir -p "$_dir" &&
		tar -C "$_dir" --numeric-owner --xattrs --xattrs-include='*' -xpf "$_tar" ||
		{ echo "sdroot_make: cannot unpack $_tar into $_dir" >&2; return 1; }
	# The booted system shares the host's /dev: no getty may take a host terminal, and
	# no udev may trigger the host's devices. /sys is read-only for it (as systemd-nspawn
	# makes it), which keeps udev away anyway.
	for _u in getty.target console-getty.service getty@.service serial-getty@.service \
		systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service \
		systemd-udevd-control.socket systemd-udevd-kernel.socket; do
		ln -sf /dev/null "$_dir/etc/systemd/system/$_u"
	done
	return 0
}

sd() {
	[ -n "$SD_PID" ] || { echo "sd: no system booted" >&2; return 1; }
	# -r -w: the target's root and cwd. Entering the mount namespace alone sets the root to
	# the namespace's, which is the host's / when the suite runs in a chroot.
	nsenter -t "$SD_PID" -a -r -w "$@"
}

# _sdboot_state: what `systemctl is-system-running` says inside, or nothing yet
_sdboot_state() {
	sd systemctl is-system-running 2>/dev/null
}

# _sdboot_pid1 JOB: the pid of JOB's child once that child runs systemd
_sdboot_pid1() {
	_c=$(cat "/proc/$1/task/$1/children" 2>/dev/null | tr -d ' ')
	[ -n "$_c" ] && [ "$(cat "/proc/$_c/comm" 2>/dev/null)" = systemd ] && echo "$_c"
}

sdboot_start() {
	_root=$(cd "$1" && pwd) || return 1
	[ -x "$_root/lib/systemd/systemd" ] ||
		{ echo "sdboot_start: $_root/lib/systemd/systemd is missing" >&2; return 1; }
	_cg2=/sys/fs/cgroup/unified
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && _cg2=/sys/fs/cgroup
	[ "$(stat -f -c %T $_cg2 2>/dev/null)" = cgroup2fs ] ||
		{ echo "sdboot_start: no cgroup2 at /sys/fs/cgroup/unified or /sys/fs/cgroup" >&2
		  return 1; }
	SDBOOT_CG=$_cg2/ebpfexp-sdboot.$$.$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	mkdir "$SDBOOT_CG" || return 1
	tcleanup sdboot_stop
	# the child joins the test's cgroup, then unshares; its --fork child is PID 1 of the
	# new pid namespace: it mounts the root and execs systemd, which keeps the pid
	cat >"$T/sdboot-init.sh" <<'END'
set -e
r=$1
# Nothing mounted here may reach the host. In a chroot whose root is no mount point (the
# suite inside a bare root under unshare -m, whose mounts are private already) / cannot
# be made private; the root's own bind mount below always is.
mount --make-rprivate / 2>/dev/null || true
mount --bind "$r" "$r"
mount --make-rprivate "$r"
mount -t proc proc "$r/proc"
mount --rbind /sys "$r/sys"
mount -o remount,bind,ro "$r/sys"
mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup"
mount -t bpf bpf "$r/sys/fs/bpf"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$r/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/tmp"
mkdir -p "$r/.sdboot-old"
cd "$r"
if [ -z "${SDBOOT_NO_PIVOT:-}" ] && pivot_root . .sdboot-old; then
	cd /
	umount -l /.sdboot-old
	rmdir /.sdboot-old
	exec env -i container=ebpfexp-test PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd
fi
# pivot_root fails when this runs in a chroot whose root is no mount point (a suite run
# inside a bare root): move the root's mount onto / and chroot into it, as systemd-nspawn
# does; the root is then a mount's root all the same, which the units' sandboxes need
rmdir .sdboot-old
mount --move . /
exec chroot . /usr/bin/env -i container=ebpfexp-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	/lib/systemd/systemd
END
	sh -c 'echo $$ > "$1/cgroup.procs" && exec unshare --pid --fork --mount --cgroup --uts \
		--ipc --propagation unchanged sh "$2" "$3"' sh "$SDBOOT_CG" "$T/sdboot-init.sh" \
		"$_root" </dev/null >"$SDBOOT_LOG" 2>&1 &
	SDBOOT_JOB=$!
	# SD_PID: the unshare's child, once it runs systemd
	wait_for "_sdboot_pid1 $SDBOOT_JOB" 30 ||
		{ echo "sdboot_start: systemd did not start:"; cat "$SDBOOT_LOG"; return 1; }
	SD_PID=$(_sdboot_pid1 "$SDBOOT_JOB")
	wait_for '_s=$(_sdboot_state); [ "$_s" = running ] || [ "$_s" = degraded ]' 120 ||
		{ echo "sdboot_start: the system did not finish booting:"; _sdboot_state
		  sd systemctl list-jobs --no-pager; tail -n 40 "$SDBOOT_LOG"; return 1; }
	[ "$(_sdboot_state)" = running ] && return 0
	echo "sdboot_start: the system is $(_sdboot_state); failed units:"
	sd systemctl --failed --no-pager --full
	for _u in $(sd systemctl --failed --plain --no-legend | awk '{print $1}'); do
		sd journalctl -b -u "$_u" --no-pager | tail -n 20
	done
	return 1
}

sdboot_stop() {
	if [ -n "$SD_PID" ] && kill -0 "$SD_PID" 2>/dev/null; then
		# SIGRTMIN+4 asks systemd to power off; a PID 1 that ignores it is killed
		kill -s RTMIN+4 "$SD_PID" 2>/dev/null
		wait_for "! kill -0 $SD_PID" 60 || kill -9 "$SD_PID" 2>/dev/null
	fi
	SD_PID=""
	if [ -n "$SDBOOT_JOB" ]; then
		wait "$SDBOOT_JOB" 2>/dev/null
		SDBOOT_JOB=""
	fi
	if [ -n "$SDBOOT_CG" ] && [ -d "$SDBOOT_CG" ]; then
		# the kernel ends the namespace's processes once its PID 1 is gone; their
		# cgroups go when empty, deepest first
		wait_for "grep -qx 'populated 0' $SDBOOT_CG/cgroup.events" 30 ||
			{ echo "sdboot_stop: processes left in $SDBOOT_CG:"
			  find "$SDBOOT_CG" -name cgroup.procs -exec cat {} + ; }
		find "$SDBOOT_CG" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$SDBOOT_CG" ] && { echo "sdboot_stop: cannot remove $SDBOOT_CG"; return 1; }
	fi
	SDBOOT_CG=""
	return 0
}
