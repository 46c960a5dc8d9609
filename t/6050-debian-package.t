#!/bin/sh
# 6050: make deb builds ebpfexp_VERSION_ARCH.deb with debhelper; lintian finds no error
# and no warning (its overrides say why); the package holds what the README says, with
# Depends from shlibs, the units enabled and started, the reader's files cleaned on removal
. "${0%/*}/lib.sh"
for c in dpkg-buildpackage dh lintian; do
	command -v $c >/dev/null || skip_all "needs $c (scripts/install-deps installs it)"
done
[ -r /sys/kernel/btf/vmlinux ] || skip_all "needs a kernel with BTF (for vmlinux.h)"

PKGDIR=$T/pkg
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
ARCH=$(dpkg --print-architecture)
DEB=$PKGDIR/ebpfexp_${VERSION}_$ARCH.deb
X=$T/x

configs() {
	for f in "$TOP"/configs/*.yaml; do
		f=${f##*/}
		echo "${f%.yaml}"
	done
}

# the package is built from a copy of the tree in $PKGDIR, never in build/
tcase "make deb DEB_DIR=... builds ebpfexp_${VERSION}_$ARCH.deb" \
	'make -s -C "$TOP" deb DEB_DIR="$PKGDIR" && test -s "$DEB"'
tcase 'the top level of the tree gains nothing; dpkg-buildpackage wrote into DEB_DIR' \
	'test ! -e "$TOP/debian" &&
	 test -z "$(find "$TOP" "${TOP%/*}" -maxdepth 1 -name "ebpfexp*_*.*" \
		\( -name "*.deb" -o -name "*.changes" -o -name "*.buildinfo" \))" &&
	 test -s "$PKGDIR/deb/ebpfexp_${VERSION}_$ARCH.changes"'

tcase 'lintian: no error and no warning' \
	'lintian --pedantic -I --fail-on error,warning "$DEB" > "$T/lintian" 2>&1; rc=$?
	 cat "$T/lintian"
	 [ $rc = 0 ] && ! grep -q "^[EW]: " "$T/lintian"'
tcase 'every lintian override comes with its reason' \
	'awk "/^#/ { why = 1; next } /^ebpfexp:/ { if (!why) { print \"no reason: \" \$0; bad = 1 } }
	      /^\$/ { why = 0 } END { exit bad }" "$TOP/scripts/debian/ebpfexp.lintian-overrides" &&
	 grep -q "^ebpfexp: binary-from-other-architecture" \
		"$TOP/scripts/debian/ebpfexp.lintian-overrides"'

tcase 'Depends are from shlibs (libbpf, libelf through it, jansson, yaml, pcre2, libcap, libmd)' \
	'grep -q "^Depends: \${misc:Depends}, \${shlibs:Depends}\$" "$TOP/scripts/debian/control" &&
	 dep=$(dpkg-deb -f "$DEB" Depends) && echo "$dep" &&
	 for l in libbpf1 libc6 libcap2 libjansson4 libmd0 libpcre2-8-0 libyaml-0-2; do
		echo "$dep" | grep -q "\\(^\\|, \\)$l\\( \\|,\\|\$\\)" || { echo "no $l"; return 1; }
	 done'
tcase 'Recommends: prometheus-node-exporter' \
	'[ "$(dpkg-deb -f "$DEB" Recommends)" = prometheus-node-exporter ]'

dpkg-deb -x "$DEB" "$X" 2>/dev/null
dpkg-deb -e "$DEB" "$X/DEBIAN" 2>/dev/null
tcase 'binaries, units, man pages, cron example and the textfile directory are in it' \
	'for f in usr/sbin/ebpfexp-load usr/bin/ebpfexp-read; do test -x "$X/$f" || return 1; done &&
	 for f in lib/systemd/system/ebpfexp-load.service lib/systemd/system/ebpfexp-read.service \
		lib/systemd/system/ebpfexp-read.timer usr/share/man/man5/ebpfexp.yaml.5.gz \
		usr/share/man/man8/ebpfexp-load.8.gz usr/share/man/man8/ebpfexp-read.8.gz \
		usr/share/doc/ebpfexp/copyright usr/share/doc/ebpfexp/examples/cron.d/ebpfexp-read; do
		test -s "$X/$f" || { echo "missing $f"; return 1; }
	 done && test -d "$X/var/lib/prometheus/node-exporter"'
tcase 'each config is a conffile in /etc/ebpfexp; its BPF object is in /usr/lib/ebpfexp/bpf' \
	'for n in $(configs); do echo "/etc/ebpfexp/$n.yaml"; done | sort > "$T/want" &&
	 sort "$X/DEBIAN/conffiles" > "$T/got" && diff -u "$T/want" "$T/got" &&
	 for n in $(configs); do
		cmp "$TOP/configs/$n.yaml" "$X/etc/ebpfexp/$n.yaml" || return 1
		readelf -h "$X/usr/lib/ebpfexp/bpf/$n.bpf.o" | grep -q "Machine: *Linux BPF" ||
			{ echo "$n.bpf.o is not BPF ELF"; return 1; }
	 done &&
	 test -z "$(find "$X/etc" -name "*.bpf.o")"'
tcase 'the BPF objects keep their BTF and CO-RE relocations (not stripped)' \
	'readelf -S "$X/usr/lib/ebpfexp/bpf/timers.bpf.o" | grep -q "\.BTF\.ext" &&
	 readelf -S "$X/usr/lib/ebpfexp/bpf/timers.bpf.o" | grep -q " \.BTF "'
tcase 'the loader unit names /usr/lib/ebpfexp/bpf; the rest of the unit is the source one' \
	'grep -qx "ExecStart=/usr/sbin/ebpfexp-load --log.no-timestamps --bpf.dir=/usr/lib/ebpfexp/bpf" \
		"$X/lib/systemd/system/ebpfexp-load.service" &&
	 sed "s| --bpf.dir=/usr/lib/ebpfexp/bpf||" "$X/lib/systemd/system/ebpfexp-load.service" |
		diff -u "$TOP/scripts/systemd/ebpfexp-load.service" - &&
	 cmp "$TOP/scripts/systemd/ebpfexp-read.service" "$X/lib/systemd/system/ebpfexp-read.service" &&
	 cmp "$TOP/scripts/systemd/ebpfexp-read.timer" "$X/lib/systemd/system/ebpfexp-read.timer"'
tcase 'postinst enables and starts the loader and the timer, restarts them on upgrade' \
	'grep -q "deb-systemd-helper enable .ebpfexp-load.service." "$X/DEBIAN/postinst" &&
	 grep -q "deb-systemd-helper enable .ebpfexp-read.timer." "$X/DEBIAN/postinst" &&
	 grep -q "_dh_action=restart" "$X/DEBIAN/postinst" &&
	 grep -q "deb-systemd-invoke \$_dh_action .ebpfexp-load.service. .ebpfexp-read.timer." \
		"$X/DEBIAN/postinst"'
tcase 'prerm stops the units on removal, then cleans the reader files, and never on upgrade' \
	'stop=$(grep -n "deb-systemd-invoke stop .ebpfexp-load.service. .ebpfexp-read.timer." \
		"$X/DEBIAN/prerm" | cut -d: -f1) &&
	 clean=$(grep -n -e "--textfile.clean ||" "$X/DEBIAN/prerm" | tail -n 1 | cut -d: -f1) &&
	 [ -n "$stop" ] && [ -n "$clean" ] && [ "$stop" -lt "$clean" ] &&
	 grep -q "if \[ \"\$1\" = remove \] && \[ -x /usr/bin/ebpfexp-read \]" "$X/DEBIAN/prerm"'

# The maintainer scripts, run as dpkg would, against a fake reader and a private root:
# on upgrade nothing is cleaned; on removal the reader is called with --textfile.clean
# only when its --help lists the flag; purge removes the state dir and the pins.
cat > "$T/fake-read" <<'EOF'
#!/bin/sh
case "$*" in
--help) [ -n "${FAKE_HAS_CLEAN:-}" ] && echo "  --textfile.clean  remove the files" ;;
*) echo "$*" >> "$FAKE_LOG" ;;
esac
exit 0
EOF
chmod +x "$T/fake-read"
# run_prerm ARG: the package's prerm with /usr/bin/ebpfexp-read and the textfile dir
# pointing at the fake reader and a scratch dir
run_prerm() {
	sed -e "s|/usr/bin/ebpfexp-read|$T/fake-read|g" \
	    -e "s|/var/lib/prometheus/node-exporter|$TEXTFILE|" \
	    -e "s|\[ -d /run/systemd/system \]|false|" "$X/DEBIAN/prerm" > "$T/prerm"
	FAKE_LOG=$T/fake.log sh -e "$T/prerm" "$@"
}
tcase 'prerm upgrade never calls the reader' \
	'rm -f "$T/fake.log"; FAKE_HAS_CLEAN=1 run_prerm upgrade 0.1.0 && test ! -e "$T/fake.log"'
tcase 'prerm remove calls ebpfexp-read --textfile.dir=DIR --textfile.clean' \
	'rm -f "$T/fake.log"; FAKE_HAS_CLEAN=1 run_prerm remove &&
	 [ "$(cat "$T/fake.log")" = "--textfile.dir=$TEXTFILE --textfile.clean" ]'
tcase 'prerm remove with a reader that lacks the flag succeeds and does not call it' \
	'rm -f "$T/fake.log"; FAKE_HAS_CLEAN= run_prerm remove && test ! -e "$T/fake.log"'

# run_postrm ARG: the package's postrm with the state dir and the pin root in $T
run_postrm() {
	sed -e "s|/run/ebpfexp|$T/run-ebpfexp|g" -e "s|/sys/fs/bpf/ebpfexp|$T/pins|g" \
	    -e "s|deb-systemd-helper|true|g" -e "s|\[ -d /run/systemd/system \]|false|" \
	    "$X/DEBIAN/postrm" > "$T/postrm"
	sh -e "$T/postrm" "$@"
}
mkstate() {
	mkdir -p "$T/run-ebpfexp" "$T/pins/timers" &&
	 : > "$T/run-ebpfexp/loader.lock" && : > "$T/run-ebpfexp/timers.json" &&
	 : > "$T/pins/timers/counts"
}
tcase 'postrm remove keeps the state dir and the pins' \
	'mkstate && run_postrm remove && test -e "$T/run-ebpfexp/timers.json" &&
	 test -e "$T/pins/timers/counts"'
tcase 'postrm purge keeps them while a loader holds the lock' \
	'mkstate && flock "$T/run-ebpfexp/loader.lock" sh -e "$T/postrm" purge &&
	 test -e "$T/run-ebpfexp/timers.json" && test -e "$T/pins/timers/counts"'
tcase 'postrm purge removes the state dir and the pins' \
	'mkstate && run_postrm purge && test ! -e "$T/run-ebpfexp" && test ! -e "$T/pins"'

tdone
