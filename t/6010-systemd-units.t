#!/bin/sh
# 6010: the systemd units, as make install puts them, pass `systemd-analyze verify` with
# nothing on stderr, say what DESIGN.md and the man pages promise, and their capability
# bounding sets are enough for the loader and the reader to do their work
#
# verify checks that ExecStart= binaries exist and that Documentation=man: pages open, so
# it must see an installed system. The test installs into a DESTDIR and, in a private
# mount namespace, lays that tree over /usr with overlayfs: inside it the units, binaries
# and man pages are where PREFIX=/usr (or /usr/local) puts them; nothing changes outside.
# verify exits 0 on warnings (an unknown key, a bad value): an empty stderr is required.
. "${0%/*}/lib.sh"
use_binary_copies
need ROOT BUILD
command -v systemd-analyze >/dev/null || skip_all "needs systemd-analyze (apt-get install systemd)"
command -v unshare >/dev/null || skip_all "needs unshare (util-linux)"

# Install what is built; never rebuild from inside a test (others may be compiling).
set --
for f in "$BUILD"/ebpfexp-load "$BUILD"/ebpfexp-read "$BUILD"/bpf/*.bpf.o; do
	set -- "$@" -o "${f#"$TOP"/}"
done
MAKE_OLD="$*"
UNITS="ebpfexp-load.service ebpfexp-read.service ebpfexp-read.timer"

# in_root PREFIX 'commands': run commands with $T/root-PREFIX laid over /usr; what they
# change goes to a fresh upper layer, dropped afterwards
in_root() {
	_r=$T/root$(echo "$1" | tr / -)
	_u=$(mktemp -d "$T/upper.XXXXXX")
	mkdir -p "$_u/up" "$_u/work"
	unshare -m sh -c "mount --make-rprivate / &&
		mount -t overlay overlay -o lowerdir=$_r/usr:/usr,upperdir=$_u/up,workdir=$_u/work /usr &&
		$2"
}

# verify PREFIX: systemd-analyze verify on the installed units; fails on any stderr
verify() {
	_d=$1/lib/systemd/system
	in_root "$1" "cd / && systemd-analyze verify $(for u in $UNITS; do printf '%s ' "$_d/$u"; done) \
		>'$T/verify.out' 2>'$T/verify.err'"
	_rc=$?
	cat "$T/verify.out" "$T/verify.err"
	[ "$_rc" = 0 ] && ! [ -s "$T/verify.err" ]
}

key() {	# key UNIT KEY: the values of KEY in the source unit, one a line
	sed -n "s/^$2=//p" "$TOP/scripts/systemd/$1"
}

# caps UNIT: its bounding set for setpriv: +bpf,+perfmon,...
caps() {
	key "$1" CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g'
}

host_view() {
	ls -l --time-style=full-iso /usr/sbin/ebpfexp-load /usr/bin/ebpfexp-read \
		/usr/lib/systemd/system/ebpfexp-load.service /usr/share/man/man8/ebpfexp-load.8 2>&1
}
host_view > "$T/host.before"

cat > "$T/bogus-key.sh" <<'END'
u=/usr/lib/systemd/system/ebpfexp-read.service
echo ProtectBogus=yes >> "$u"
systemd-analyze verify "$u" 2>&1 | grep "Unknown key 'ProtectBogus'"
END
cat > "$T/no-binary.sh" <<'END'
rm /usr/sbin/ebpfexp-load
systemd-analyze verify /usr/lib/systemd/system/ebpfexp-load.service 2>&1 |
	grep "ebpfexp-load is not executable"
END

mkdir -p "$T/o/l" "$T/o/u" "$T/o/w" "$T/o/m"
unshare -m sh -c "mount -t overlay overlay -o lowerdir=$T/o/l,upperdir=$T/o/u,workdir=$T/o/w $T/o/m" \
	2>/dev/null || skip_all "cannot mount overlayfs in a private mount namespace"

tcase 'install into a DESTDIR with PREFIX=/usr' \
	'make -s -C "$TOP" install DESTDIR="$T/root-usr" PREFIX=/usr $MAKE_OLD'
tcase 'systemd-analyze verify: units in /usr/lib/systemd/system, ExecStart in /usr, stderr empty' \
	'verify /usr'
tcase 'the check has teeth: an unknown key puts a line on stderr' \
	'in_root /usr "sh $T/bogus-key.sh"'
tcase 'and so does a missing binary' \
	'in_root /usr "sh $T/no-binary.sh"'
tcase 'install with the default PREFIX=/usr/local; verify again' \
	'make -s -C "$TOP" install DESTDIR="$T/stage" $MAKE_OLD &&
	 mkdir -p "$T/root-usr-local" && mv "$T/stage/usr" "$T/root-usr-local/usr" &&
	 verify /usr/local'
# readme_dropin N: the Nth ```ini block of the README's Capabilities section
readme_dropin() {
	awk -v n="$1" '
		/^## / { in_sec = ($0 == "## Capabilities") }
		in_sec && $0 == "```ini" { k++; on = (k == n); next }
		on && $0 == "```" { on = 0 }
		on' "$TOP/README.md"
}
cat > "$T/dropins.sh" <<END
set -e
d=/usr/lib/systemd/system
mkdir -p \$d/ebpfexp-load.service.d \$d/ebpfexp-read.service.d
cp "$T/load.conf" \$d/ebpfexp-load.service.d/unprivileged-reader.conf
cp "$T/read.conf" \$d/ebpfexp-read.service.d/unprivileged-reader.conf
systemd-analyze verify \$d/ebpfexp-load.service \$d/ebpfexp-read.service 2>&1
END
tcase 'the README'"'"'s drop-ins for an unprivileged reader verify too' \
	'readme_dropin 1 > "$T/load.conf" && readme_dropin 2 > "$T/read.conf" &&
	 grep -q -- "--bpffs.group=" "$T/load.conf" && grep -q "^User=" "$T/read.conf" &&
	 in_root /usr "sh $T/dropins.sh" > "$T/dropins.out" 2>&1; rc=$?; cat "$T/dropins.out";
	 test "$rc" = 0 && ! test -s "$T/dropins.out"'
tcase 'outside the namespace nothing changed' \
	'host_view > "$T/host.after"; diff -u "$T/host.before" "$T/host.after"'

tcase 'loader: Type=notify, restarts on failure, reloads with SIGHUP' \
	'test "$(key ebpfexp-load.service Type)" = notify &&
	 test "$(key ebpfexp-load.service Restart)" = on-failure &&
	 key ebpfexp-load.service ExecReload | grep -q -- "-HUP \$MAINPID"'
tcase 'loader: a watchdog of 60 s (the loader pings at half of it), as ebpfexp-load(8) says' \
	'test "$(key ebpfexp-load.service WatchdogSec)" = 60s &&
	 grep -qx "\.Cm WatchdogSec=60s" "$TOP/man/ebpfexp-load.8"'
tcase 'loader: bounding set is exactly BPF PERFMON SYS_ADMIN NET_ADMIN SYSLOG CHOWN' \
	'test "$(key ebpfexp-load.service CapabilityBoundingSet | tr " " "\n" | sort | tr "\n" " ")" = \
	 "CAP_BPF CAP_CHOWN CAP_NET_ADMIN CAP_PERFMON CAP_SYSLOG CAP_SYS_ADMIN "'
tcase 'loader: read-only system but bpffs; /run/ebpfexp kept across restarts' \
	'test "$(key ebpfexp-load.service ProtectSystem)" = strict &&
	 test "$(key ebpfexp-load.service ReadWritePaths)" = /sys/fs/bpf &&
	 test "$(key ebpfexp-load.service RuntimeDirectory)" = ebpfexp &&
	 test "$(key ebpfexp-load.service RuntimeDirectoryPreserve)" = yes &&
	 test "$(key ebpfexp-load.service ReadOnlyPaths)" = /run'
tcase 'loader: exit status 1 (ran, some configs had failed) is a clean stop' \
	'test "$(key ebpfexp-load.service SuccessExitStatus)" = 1'
tcase 'the loader does not set ProtectKernelLogs (it would drop CAP_SYSLOG)' \
	'! grep -q "^ProtectKernelLogs" "$TOP"/scripts/systemd/ebpfexp-load.service'
tcase 'reader: oneshot, no new privileges, writes only the textfile directory, which it makes' \
	'test "$(key ebpfexp-read.service Type)" = oneshot &&
	 test "$(key ebpfexp-read.service NoNewPrivileges)" = yes &&
	 test "$(key ebpfexp-read.service ProtectSystem)" = strict &&
	 test "$(key ebpfexp-read.service ReadWritePaths)" = -/var/lib/prometheus/node-exporter &&
	 test "$(key ebpfexp-read.service ReadOnlyPaths)" = /run &&
	 test "$(key ebpfexp-read.service ExecStartPre)" = "+/bin/mkdir -p /var/lib/prometheus/node-exporter" &&
	 key ebpfexp-read.service ExecStart | grep -q -- "--textfile.dir=/var/lib/prometheus/node-exporter"'
tcase 'reader: an empty bounding set' \
	'grep -qx "CapabilityBoundingSet=" "$TOP/scripts/systemd/ebpfexp-read.service" &&
	 test -z "$(key ebpfexp-read.service CapabilityBoundingSet)"'
tcase 'timer: every 15 s after the last start, 1 s accuracy' \
	'test "$(key ebpfexp-read.timer OnUnitActiveSec)" = 15s &&
	 test -n "$(key ebpfexp-read.timer OnBootSec)" &&
	 test "$(key ebpfexp-read.timer AccuracySec)" = 1s'

# The bounding sets at work, approximated with setpriv: uid 0 with only the unit's bounding
# set and no_new_privs. (The file system restrictions need systemd running.) These cases
# load BPF programs: without a bpffs they are skipped, or fail under EBPFEXP_REQUIRE_BPF=1.
printf '#!/bin/sh\nexec setpriv --bounding-set=-all,%s --inh-caps=-all --no-new-privs %s "$@"\n' \
	"$(caps ebpfexp-load.service)" "$LOAD" > "$T/load-capped"
chmod +x "$T/load-capped"
NAMES=$(cd "$TOP/configs" && ls -- *.yaml | sed 's/\.yaml$//' | paste -sd, -)

# check_with LOADER NAMES OUT: --config.check --config.strict on the shipped examples
check_with() {
	"$1" --config.check --config.strict --config.dir="$TOP/configs" --bpf.dir="$BUILD/bpf" \
		--config.names="$2" --bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" >"$3" 2>&1
}

# every config that passes --config.check --config.strict with all capabilities passes it
# with the unit's set (xdp may be busy on lo with another test's program: that is skipped)
check_capped() {
	# the usual case in two runs: all of them pass with every capability, and with the set
	if check_with "$LOAD" "$NAMES" "$T/full.all"; then
		check_with "$T/load-capped" "$NAMES" "$T/capped.all" && return 0
	fi
	# else one config at a time, to tell which fail and whether the set is to blame
	_ok=0
	for _n in $(echo "$NAMES" | tr , ' '); do
		if ! check_with "$LOAD" "$_n" "$T/full.$_n"; then
			echo "skipped $_n: fails with every capability: $(tail -n 2 "$T/full.$_n")"
			continue
		fi
		check_with "$T/load-capped" "$_n" "$T/capped.$_n" ||
			{ echo "$_n fails with the unit's bounding set:"; cat "$T/capped.$_n"; return 1; }
		_ok=$((_ok + 1))
	done
	echo "$_ok configs pass with the unit's bounding set"
	[ "$_ok" -ge 10 ]
}
# syscalls SET...: the system calls of systemd's SystemCallFilter= sets and names
syscalls() {
	for _x in "$@"; do
		case $_x in
		@*) systemd-analyze syscall-filter "$_x" | tail -n +2 |
			sed -n 's/^ *\([@a-z0-9_-]*\)$/\1/p' | while read -r _y; do syscalls "$_y"; done ;;
		*) echo "$_x" ;;
		esac
	done
}
# allowed UNIT: what its SystemCallFilter= lines allow, applied in order as systemd does:
# the first line is the allow list, then ~lines take away and plain lines add
allowed() {
	: > "$T/allow"
	key "$1" SystemCallFilter | while read -r _line; do
		case $_line in
		"~"*)	syscalls ${_line#"~"} | sort -u > "$T/deny"
			comm -23 "$T/allow" "$T/deny" > "$T/allow.new" ;;
		*)	syscalls $_line | sort -u - "$T/allow" > "$T/allow.new" ;;
		esac
		mv "$T/allow.new" "$T/allow"
	done
	cat "$T/allow"
}
check_syscalls() {
	allowed ebpfexp-read.service > "$T/allowed"
	grep -qx bpf "$T/allowed" && ! grep -qx setuid "$T/allowed" || return 1
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/trace" "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
		--textfile.dir="$TEXTFILE" || return 1
	sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$T/trace" | sort -u > "$T/used"
	test -s "$T/used" && test -s "$T/allowed" || return 1
	echo "system calls the reader made that the unit does not allow:"
	! comm -23 "$T/used" "$T/allowed" | grep .
}

if [ -r /sys/kernel/btf/vmlinux ] && mount -t bpf bpf "$BPFFS" 2>/dev/null; then
tcase 'the loader'"'"'s bounding set is enough to load and attach every example' 'check_capped'
tcase 'the loader runs timers, syscalls and runqlat with it' \
	'LOAD=$T/load-capped start_loader timers,syscalls,runqlat'
tcase 'the reader reads them with its unit'"'"'s bounding set' \
	'c=$(caps ebpfexp-read.service) &&
	 setpriv --bounding-set=-all${c:+,$c} --inh-caps=-all --no-new-privs \
		"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" &&
	 ls "$TEXTFILE"/ebpfexp_timers.prom "$TEXTFILE"/ebpfexp_syscalls.prom "$TEXTFILE"/ebpfexp_runqlat.prom'
# A read right after the loader's start may have seen only a timer or two started: read again
# (as the unit would) until three kernel functions have started timers.
read_capped() {
	c=$(caps ebpfexp-read.service)
	setpriv --bounding-set=-all${c:+,$c} --inh-caps=-all --no-new-privs \
		"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" &&
	test "$(grep -c "^ebpf_exporter_timer_starts_total{function=\"[a-z_]" \
		"$TEXTFILE/ebpfexp_timers.prom")" -ge 3
}
# a timer of a module loaded after the loader's kallsyms snapshot is rightly unknown: allow a few
tcase 'and ksym labels resolve without CAP_SYSLOG: kernel function names, unknown_addr rare' \
	'wait_for read_capped 30;
	 known=$(grep -c "^ebpf_exporter_timer_starts_total{function=\"[a-z_]" "$TEXTFILE/ebpfexp_timers.prom");
	 unknown=$(grep -c "unknown_addr" "$TEXTFILE/ebpfexp_timers.prom");
	 [ "$known" -ge 3 ] && [ "$unknown" -le $((known / 10)) ] || {
		echo "6010: resolved $known, unknown $unknown:" >&2
		grep unknown_addr "$TEXTFILE/ebpfexp_timers.prom" >&2; return 1; }'
if command -v strace >/dev/null; then
	tcase 'every system call of a reader run is in the reader unit'"'"'s SystemCallFilter' \
		'check_syscalls'
fi
tcase 'the loader stops cleanly' 'stop_loader'
elif [ "${EBPFEXP_REQUIRE_BPF:-0}" = 1 ]; then
	tcase 'a bpffs to load programs into (EBPFEXP_REQUIRE_BPF=1)' false
else
	diag "skipped the cases that load programs: no kernel BTF or no bpffs"
fi
tdone
