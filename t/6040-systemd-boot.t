#!/bin/sh
# 6040: the installed units under a real systemd, booted as PID 1 over a bare Debian 12 root
# (t/lib-sdboot.sh) into which `make install DESTDIR=... PREFIX=/usr` put ebpfexp, with no
# textfile directory made beforehand: the loader starts (Type=notify), the timer runs the
# reader and the files appear with kernel symbols named, reload and restart keep the
# counters, stop leaves the unit inactive (also with a failed config), the reader then says
# ebpfexp_loader_up 0, and each unit's sandbox holds, tried from inside the unit itself.
#
# The booted system shares the host's network and kernel: only timers and syscalls (and
# exec, added at the reload) are left in its /etc/ebpfexp, so that no xdp program of
# ours sits on the host's lo while other tests use it.
. "${0%/*}/lib.sh"
. "${0%/*}/lib-sdboot.sh"
need ROOT BPF BUILD
for _c in mmdebstrap unshare nsenter pivot_root; do
	command -v "$_c" >/dev/null || skip_all "needs $_c (scripts/install-deps installs it)"
done

# Install what is built; never rebuild from inside a test (others may be compiling).
set --
for f in "$BUILD"/ebpfexp-load "$BUILD"/ebpfexp-read "$BUILD"/bpf/*.bpf.o; do
	set -- "$@" -o "${f#"$TOP"/}"
done
MAKE_OLD="$*"

# the Debian packages of the libraries the built binaries load (the sanitizers' too, for
# a SANITIZE=1 build)
libpkgs() {
	ldd "$BUILD/ebpfexp-load" "$BUILD/ebpfexp-read" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		sort -u | while read -r _l; do
			dpkg -S "$_l" 2>/dev/null || dpkg -S "$(readlink -f "$_l")" 2>/dev/null ||
				dpkg -S "/usr$_l" 2>/dev/null
		done | sed 's/:.*//' | sort -u
}

R=$T/root
# A SANITIZE=1 build: LeakSanitizer stops the world with ptrace at exit, which the units'
# sandboxes rightly refuse ("LeakSanitizer has encountered a fatal error"); leaks are
# the other tests' business, so a drop-in turns leak checks off here, and only here.
sanitizer_dropins() {
	ldd "$BUILD/ebpfexp-read" | grep -q libasan || return 0
	for _u in ebpfexp-load ebpfexp-read; do
		mkdir -p "$R/etc/systemd/system/$_u.service.d" &&
		printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
			> "$R/etc/systemd/system/$_u.service.d/sanitizer.conf" || return 1
	done
	echo "sanitized build: leak checks off in the units"
}
TF=/var/lib/prometheus/node-exporter
started=$(date +%s)

unit() {	# unit UNIT PROPERTY: the property's value
	sd systemctl show -p "$2" --value "$1"
}
is() {		# is UNIT ActiveState Result, e.g. is ebpfexp-load inactive success
	_a=$(unit "$1" ActiveState)
	_r=$(unit "$1" Result)
	echo "$1: $_a $_r"
	[ "$_a" = "$2" ] && [ "$_r" = "$3" ]
}
journal() {	# journal UNIT: its messages of this boot
	sd journalctl -b -u "$1" --no-pager -o cat
}
# read_now: one reader run by its unit, waited for (oneshot); then the files on the host
read_now() {
	# runs closer together than the timer's are not what StartLimitBurst= is there for
	sd systemctl reset-failed ebpfexp-read.service
	sd systemctl start ebpfexp-read.service || { journal ebpfexp-read | tail -n 20; return 1; }
	is ebpfexp-read inactive success
}
prom() {	# prom NAME: the file's text, read from the host side of the root
	cat "$R$TF/$1.prom"
}
# series FILE: "name{labels} value" lines of the counters, sorted
series() {
	grep -v '^#' "$1" | sort
}
# not_lower BEFORE AFTER: every series of BEFORE is in AFTER with a value not lower
not_lower() {
	awk 'NR == FNR { v[$1] = $2; next } ($1 in v) { seen++; if ($2 + 0 < v[$1] + 0) {
		print "went back: " $1 " " v[$1] " -> " $2; bad = 1 } }
		END { n = 0; for (k in v) n++; print seen + 0 " of " n " series kept";
		      exit bad || seen < n || n == 0 }' "$1" "$2"
}

tcase 'a bare bookworm root with systemd and the runtime libraries (cached tarball)' \
	'sdroot_make "$R" $(libpkgs)'
[ -x "$R/lib/systemd/systemd" ] || tdone

tcase 'make install DESTDIR=root PREFIX=/usr; no textfile directory in the root' \
	'make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr $MAKE_OLD &&
	 mkdir -p "$R/root/spare" &&
	 for f in "$R"/etc/ebpfexp/*.yaml; do
		n=${f##*/}; n=${n%.yaml}
		case $n in timers|syscalls) ;; *) mv "$R/etc/ebpfexp/$n".* "$R/root/spare/" ;; esac
	 done &&
	 sanitizer_dropins && ls "$R/etc/ebpfexp" && ! test -e "$R$TF"'

tcase 'systemd boots as PID 1 and is-system-running says running' \
	'sdboot_start "$R" && echo "booted in $(( $(date +%s) - started ))s (with the root)"'
[ -n "$SD_PID" ] || tdone

tcase 'systemctl start ebpfexp-load: active once attached (Type=notify)' \
	'sd systemctl start ebpfexp-load || { journal ebpfexp-load; return 1; }
	 is ebpfexp-load active success &&
	 sd cat /run/ebpfexp/timers.json | jq -e ".programs | all(.attached)" &&
	 sd cat /run/ebpfexp/syscalls.json | jq -e ".programs | all(.attached)" &&
	 unit ebpfexp-load StatusText | grep "2 config"'

tcase 'the timer runs the reader, which makes the textfile directory and writes the files' \
	'sd systemctl enable --now ebpfexp-read.timer &&
	 wait_for "test -s $R$TF/ebpfexp_timers.prom && test -s $R$TF/ebpfexp.prom" 40 &&
	 wait_for "is ebpfexp-read inactive success" 20 &&
	 test "$(unit ebpfexp-read.timer ActiveState)" = active &&
	 test "$(stat -c "%U:%G %a" "$R$TF")" = "root:root 755" &&
	 ls -l "$R$TF" && grep -x "ebpfexp_loader_up 1" "$R$TF/ebpfexp.prom"'

tcase 'the files pass promtool; ksym labels are kernel function names (no CAP_SYSLOG)' \
	'test -z "$(unit ebpfexp-read CapabilityBoundingSet)" &&
	 for f in "$R$TF"/*.prom; do promcheck < "$f" || return 1; done &&
	 grep "^ebpf_exporter_timer_starts_total{" "$R$TF/ebpfexp_timers.prom" > "$T/ksyms" &&
	 head -n 3 "$T/ksyms" &&
	 ! grep -v "{function=\"[A-Za-z_][A-Za-z0-9_.]*\"}" "$T/ksyms"'

tcase 'systemctl reload ebpfexp-load: an added config is loaded, the unit stays active' \
	'mv "$R"/root/spare/exec.* "$R/etc/ebpfexp/" &&
	 sd systemctl reload ebpfexp-load &&
	 wait_for "sd cat /run/ebpfexp/exec.json | jq -e \".programs | all(.attached)\"" 30 &&
	 wait_for "is ebpfexp-load active success" 20 &&
	 journal ebpfexp-load | grep "reload: 3 running; 1 loaded" &&
	 read_now && test -s "$R$TF/ebpfexp_exec.prom"'

tcase 'systemctl restart ebpfexp-load: a new loader, and no counter goes back' \
	'read_now && series "$R$TF/ebpfexp_timers.prom" > "$T/before" &&
	 series "$R$TF/ebpfexp_syscalls.prom" >> "$T/before" &&
	 pid=$(unit ebpfexp-load MainPID) &&
	 sd systemctl restart ebpfexp-load && is ebpfexp-load active success &&
	 test "$(unit ebpfexp-load MainPID)" != "$pid" &&
	 read_now && series "$R$TF/ebpfexp_timers.prom" > "$T/after" &&
	 series "$R$TF/ebpfexp_syscalls.prom" >> "$T/after" &&
	 not_lower "$T/before" "$T/after"'

tcase 'systemctl stop ebpfexp-load: inactive, not failed; the reader says loader_up 0' \
	'sd systemctl stop ebpfexp-load && is ebpfexp-load inactive success &&
	 read_now && grep -x "ebpfexp_loader_up 0" "$R$TF/ebpfexp.prom" &&
	 grep "^ebpf_exporter_timer_starts_total{" "$R$TF/ebpfexp_timers.prom" | head -n 1'

# A config that fails to load: the loader runs the rest and says so; stopping it is still
# a clean stop.
cat > "$T/broken.yaml" <<'END'
metrics:
  counters:
    - name: broken_total
      help: A config whose object does not exist
      labels:
        - name: x
          size: 8
          decoders:
            - name: uint
END
tcase 'with a config that fails: active, the failure reported; stop is inactive, not failed' \
	'cp "$T/broken.yaml" "$R/etc/ebpfexp/broken.yaml" &&
	 sd systemctl start ebpfexp-load && is ebpfexp-load active success &&
	 journal ebpfexp-load | grep "config \"broken\": no broken.bpf.o" &&
	 read_now && grep -x "ebpfexp_config_load_failed{config=\"broken\"} 1" "$R$TF/ebpfexp.prom" &&
	 sd systemctl stop ebpfexp-load && is ebpfexp-load inactive success &&
	 read_now && grep -x "ebpfexp_loader_up 0" "$R$TF/ebpfexp.prom" &&
	 rm "$R/etc/ebpfexp/broken.yaml"'

# The sandboxes, tried from inside: a drop-in adds an ExecStartPre= that runs under the
# unit's own settings, tries to write in each place (PATH/ means mkdir: bpffs takes no
# plain files, nor a name with a dot) and records what happened in a place the unit may write to.
# probe UNIT OUT PATH...: run the unit once with the probe, print what it recorded
probe() {
	_u=$1 _o=$2
	shift 2
	{
		printf 'for p in'
		printf ' %s' "$@"
		printf '; do
'
		cat <<'END'
	case $p in
	*/) if mkdir "$p" 2>/dev/null; then echo "wrote $p"; rmdir "$p"; else echo "denied $p"; fi ;;
	*) if (echo x > "$p") 2>/dev/null; then echo "wrote $p"; rm -f "$p"; else echo "denied $p"; fi ;;
	esac
END
		printf 'done > %s\n' "$_o"
	} > "$R/usr/local/lib/probe-$_u.sh"
	sd sh -c "mkdir -p /run/systemd/system/$_u.service.d &&
		printf '[Service]\nExecStartPre=/bin/sh /usr/local/lib/probe-$_u.sh\n' \
		> /run/systemd/system/$_u.service.d/probe.conf && systemctl daemon-reload" &&
	sd systemctl start "$_u" || { journal "$_u" | tail -n 20; return 1; }
	sd cat "$_o" || { journal "$_u" | tail -n 20; sd systemctl cat "$_u" | tail -n 5; }
	_rc=$?
	sd sh -c "rm -rf /run/systemd/system/$_u.service.d $_o && systemctl daemon-reload"
	return $_rc
}
tcase 'the reader'"'"'s sandbox: it writes the textfile directory and nothing else' \
	'probe ebpfexp-read $TF/probe.out $TF/probe.x /etc/probe.x /var/lib/probe.x \
		/run/ebpfexp/probe.x /run/probe.x /sys/fs/bpf/probedir/ /usr/probe.x /root/probe.x \
		> "$T/read.probe" && cat "$T/read.probe" &&
	 test "$(grep -c "^denied " "$T/read.probe")" = 7 &&
	 grep -x "wrote $TF/probe.x" "$T/read.probe"'
tcase 'the loader'"'"'s sandbox: it writes the pins and /run/ebpfexp and nothing else' \
	'probe ebpfexp-load /run/ebpfexp/probe.out /run/ebpfexp/probe.x /sys/fs/bpf/probedir/ \
		/etc/ebpfexp/probe.x $TF/probe.x /var/lib/probe.x /usr/probe.x /run/probe.x \
		> "$T/load.probe" && cat "$T/load.probe" &&
	 test "$(grep -c "^denied " "$T/load.probe")" = 5 &&
	 grep -x "wrote /run/ebpfexp/probe.x" "$T/load.probe" &&
	 grep -x "wrote /sys/fs/bpf/probedir/" "$T/load.probe" &&
	 sd systemctl stop ebpfexp-load && is ebpfexp-load inactive success'

tcase 'no unit failed in the whole run' \
	'sd systemctl --failed --no-legend --plain > "$T/failed"; cat "$T/failed"; ! test -s "$T/failed"'

tcase 'power off: PID 1 exits, the cgroup is removed' \
	'cg=$SDBOOT_CG && pid=$SD_PID && sdboot_stop && ! kill -0 "$pid" 2>/dev/null && ! test -d "$cg" &&
	 echo "whole run: $(( $(date +%s) - started ))s"'
tdone
