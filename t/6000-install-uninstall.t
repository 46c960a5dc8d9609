#!/bin/sh
# 6000: make install puts each file where the man pages say, with the units and the cron
# example pointing at the installed binaries; make uninstall removes exactly those files
. "${0%/*}/lib.sh"
need BUILD

# Install what is built; never rebuild from inside a test (others may be compiling).
set --
for f in "$BUILD"/ebpfexp-load "$BUILD"/ebpfexp-read "$BUILD"/bpf/*.bpf.o; do
	set -- "$@" -o "${f#"$TOP"/}"
done
mk() {
	make -s -C "$TOP" "$@"
}
MAKE_OLD="$*"

configs() {
	for f in "$TOP"/configs/*.yaml; do
		f=${f##*/}
		echo "${f%.yaml}"
	done
}

# expected_files ROOT PREFIX: every file install must create, sorted
expected_files() {
	{
		echo "$1$2/sbin/ebpfexp-load"
		echo "$1$2/bin/ebpfexp-read"
		for n in $(configs); do
			echo "$1/etc/ebpfexp/$n.yaml"
			echo "$1/etc/ebpfexp/$n.bpf.o"
		done
		echo "$1$2/share/man/man5/ebpfexp.yaml.5"
		echo "$1$2/share/man/man8/ebpfexp-load.8"
		echo "$1$2/share/man/man8/ebpfexp-read.8"
		echo "$1$2/lib/systemd/system/ebpfexp-load.service"
		echo "$1$2/lib/systemd/system/ebpfexp-read.service"
		echo "$1$2/lib/systemd/system/ebpfexp-read.timer"
		echo "$1$2/share/doc/ebpfexp/README.md"
		echo "$1$2/share/doc/ebpfexp/examples/cron.d/ebpfexp-read"
	} | sort
}

R1=$T/root-usr
R2=$T/root-local

tcase 'make install DESTDIR=... PREFIX=/usr' \
	'mk install DESTDIR="$R1" PREFIX=/usr $MAKE_OLD'
tcase 'it installs exactly the expected files, and nothing else' \
	'find "$R1" ! -type d | sort > "$T/got1" && expected_files "$R1" /usr > "$T/want1" &&
	 diff -u "$T/want1" "$T/got1"'
tcase 'binaries are executable, the rest is mode 0644' \
	'test -x "$R1/usr/sbin/ebpfexp-load" && test -x "$R1/usr/bin/ebpfexp-read" &&
	 test -z "$(find "$R1" -type f ! -name "ebpfexp-load" ! -name "ebpfexp-read" ! -perm 0644)"'
tcase 'installed binaries and objects are the built ones' \
	'cmp "$BUILD/ebpfexp-load" "$R1/usr/sbin/ebpfexp-load" &&
	 cmp "$BUILD/ebpfexp-read" "$R1/usr/bin/ebpfexp-read" &&
	 cmp "$BUILD/bpf/timers.bpf.o" "$R1/etc/ebpfexp/timers.bpf.o"'
tcase 'with PREFIX=/usr, units are the sources unchanged' \
	'for u in ebpfexp-load.service ebpfexp-read.service ebpfexp-read.timer; do
		cmp "$TOP/scripts/systemd/$u" "$R1/usr/lib/systemd/system/$u" || exit 1
	 done'
tcase 'make install with the default PREFIX=/usr/local' \
	'mk install DESTDIR="$R2" $MAKE_OLD &&
	 find "$R2" ! -type d | sort > "$T/got2" && expected_files "$R2" /usr/local > "$T/want2" &&
	 diff -u "$T/want2" "$T/got2"'
tcase 'units and cron example name the /usr/local binaries, and no /usr ones' \
	'd=$R2/usr/local; u=$d/lib/systemd/system; c=$d/share/doc/ebpfexp/examples/cron.d/ebpfexp-read
	 grep -qx "ExecStart=/usr/local/sbin/ebpfexp-load --log.no-timestamps" "$u/ebpfexp-load.service" &&
	 grep -q "^ExecStart=/usr/local/bin/ebpfexp-read " "$u/ebpfexp-read.service" &&
	 test "$(grep -c "^\* .* /usr/local/bin/ebpfexp-read " "$c")" = 4 &&
	 ! grep -q "/usr/s\{0,1\}bin/ebpfexp" "$u"/* "$c"'
tcase 'CONFIGS= installs only the chosen examples' \
	'mk install DESTDIR="$T/root-few" CONFIGS="timers runqlat" $MAKE_OLD &&
	 test "$(ls "$T/root-few/etc/ebpfexp" | tr "\n" " ")" = "runqlat.bpf.o runqlat.yaml timers.bpf.o timers.yaml "'
tcase 'make uninstall removes every installed file (PREFIX=/usr)' \
	'mk uninstall DESTDIR="$R1" PREFIX=/usr && test -z "$(find "$R1" ! -type d)"'
tcase 'make uninstall removes every installed file (PREFIX=/usr/local)' \
	'mk uninstall DESTDIR="$R2" && test -z "$(find "$R2" ! -type d)"'
tcase 'and the directories of its own, but not the shared ones' \
	'! test -e "$R1/etc/ebpfexp" && ! test -e "$R1/usr/share/doc/ebpfexp" &&
	 test -d "$R1/usr/sbin" && test -d "$R1/usr/share/man/man8"'
tcase 'uninstall leaves a file of the user in /etc/ebpfexp, and the directory with it' \
	'mk install DESTDIR="$R1" PREFIX=/usr $MAKE_OLD && echo "metrics: {}" > "$R1/etc/ebpfexp/mine.yaml" &&
	 mk uninstall DESTDIR="$R1" PREFIX=/usr && test "$(ls "$R1/etc/ebpfexp")" = mine.yaml'
tcase 'uninstall of nothing installed succeeds' \
	'mk uninstall DESTDIR="$T/never"'
tdone
