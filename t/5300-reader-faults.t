#!/bin/sh
# 5300: faults around the reader never crash it, never leave a partial file, never lose a
# good config's data: broken manifests, a full disk, read-only or vanished bpffs, a config
# edited on disk but not reloaded, thousands of configs in one run
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL
MAPFILL=$BUILD/t/helpers/mapfill

read_to() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$1" \
		--metrics.max-series=0
}

mkdir -p "$T/configs"
cp "$TOP/configs/timers.yaml" "$TOP/configs/syscalls.yaml" "$T/configs/"
cat > "$T/configs/big.yaml" <<'YAML'
metrics:
  counters:
    - name: big_total
      help: A counter map that grows
      labels:
        - name: id
          size: 8
          decoders:
            - name: uint
YAML

tcase 'loader up with timers and syscalls (configs in a scratch copy)' \
	'CONFIG_DIR=$T/configs start_loader timers,syscalls && read_to "$TEXTFILE"'
tcase 'a truncated manifest: that config fails with the file and JSON position, the others are written' \
	'cp "$STATE/syscalls.json" "$T/syscalls.json.good" &&
	 head -c 100 "$T/syscalls.json.good" > "$STATE/syscalls.json" &&
	 cp "$TEXTFILE/ebpfexp_syscalls.prom" "$T/syscalls.prom.before" &&
	 { read_to "$TEXTFILE" 2>"$T/trunc.err"; rc=$?; }; cat "$T/trunc.err";
	 [ $rc = 1 ] && grep -q "syscalls.json:[0-9]*:[0-9]*: config \"syscalls\": invalid JSON" "$T/trunc.err" &&
	 cmp "$T/syscalls.prom.before" "$TEXTFILE/ebpfexp_syscalls.prom" &&
	 grep -qx "ebpfexp_read_success{config=\"timers\"} 1" "$TEXTFILE/ebpfexp.prom"'
tcase 'a manifest of an unknown schema: refused with what to do' \
	'jq ".schema = 2" "$T/syscalls.json.good" > "$STATE/syscalls.json" &&
	 { read_to "$TEXTFILE" 2>"$T/schema.err"; rc=$?; }; cat "$T/schema.err";
	 cp "$T/syscalls.json.good" "$STATE/syscalls.json";
	 [ $rc = 1 ] && grep -q "schema 2 is not supported.*upgrade" "$T/schema.err"'
tcase 'a config edited on disk but not reloaded: the reader keeps decoding with the manifest' \
	'sed -i "s/^      help: .*/      help: Edited but not reloaded/" "$T/configs/timers.yaml" &&
	 read_to "$TEXTFILE" && ! grep -q "Edited but not reloaded" "$TEXTFILE/ebpfexp_timers.prom" &&
	 grep -q "^# HELP ebpf_exporter_timer_starts_total Timers started" "$TEXTFILE/ebpfexp_timers.prom"'
full_disk() {
	mkdir -p "$BPFFS_ROOT/big" "$BPFFS_ROOT/big2" "$T/small" &&
	"$MAPFILL" bulk --type=hash --entries=10 "$BPFFS_ROOT/big/big_total" &&
	"$MAPFILL" bulk --type=hash --entries=20000 "$BPFFS_ROOT/big2/big_total" &&
	"$MAPFILL" manifest "$T/configs/big.yaml" big "$STATE" "$BPFFS_ROOT/big" &&
	unshare -m sh -c "
		mount -t tmpfs -o size=256k tmpfs '$T/small' &&
		'$READ' --state.dir='$STATE' --bpffs.root='$BPFFS_ROOT' --textfile.dir='$T/small' &&
		cp '$T/small/ebpfexp_big.prom' '$T/big.before' &&
		'$MAPFILL' manifest '$T/configs/big.yaml' big '$STATE' '$BPFFS_ROOT/big2' &&
		{ '$READ' --state.dir='$STATE' --bpffs.root='$BPFFS_ROOT' --textfile.dir='$T/small' \
			--metrics.max-series=0 2>'$T/full.err'; echo \$? > '$T/full.rc'; } &&
		cp '$T/small/ebpfexp_big.prom' '$T/big.after' &&
		cp '$T/small/ebpfexp_timers.prom' '$T/timers.after' && ls -A '$T/small' > '$T/full.ls'" &&
	cat "$T/full.err" "$T/full.ls" && [ "$(cat "$T/full.rc")" = 1 ] &&
	grep -q "config \"big\": .*No space left on device" "$T/full.err" &&
	cmp "$T/big.before" "$T/big.after" &&
	grep -q "^ebpf_exporter_timer_starts_total{" "$T/timers.after" &&
	! grep -q "tmp" "$T/full.ls"
}
tcase 'a full disk: the error is reported, the previous file is kept whole, others written' \
	'full_disk'
tcase 'bpffs read-only: the reader still reads, the loader refuses to start with a clear message' \
	'rm -rf "$STATE/big.json" "$BPFFS_ROOT/big" "$BPFFS_ROOT/big2" && mount -o remount,ro "$BPFFS" &&
	 { read_to "$TEXTFILE"; rc=$?; };
	 "$LOAD" --config.dir="$T/configs" --bpf.dir="$BUILD/bpf" --config.names=syscalls \
		--bpffs.root="$BPFFS_ROOT/other" --state.dir="$T/state2" --log.no-timestamps \
		2>"$T/ro.err"; lrc=$?; mount -o remount,rw "$BPFFS"; cat "$T/ro.err";
	 [ $rc = 0 ] && [ $lrc = 2 ] && grep -q "Read-only file system" "$T/ro.err"'
tcase 'bpffs gone under a running loader: the reader fails every config clearly, exit 2' \
	'umount -l "$BPFFS" && { read_to "$TEXTFILE" 2>"$T/gone.err"; rc=$?; }; cat "$T/gone.err";
	 [ $rc = 2 ] && grep -q "timer_starts_total: No such file or directory" "$T/gone.err" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom"'
tcase 'the loader, SIGKILLed while it loads, starts again cleanly' \
	'stop_loader; mount -t bpf bpf "$BPFFS" &&
	 for i in 1 2 3 4 5; do
		"$LOAD" --config.dir="$T/configs" --bpf.dir="$BUILD/bpf" --config.names=timers,syscalls \
			--bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" --log.no-timestamps 2>/dev/null &
		p=$!; sleep "0.0$i"; kill -9 $p; wait $p 2>/dev/null;
	 done;
	 CONFIG_DIR=$T/configs start_loader timers,syscalls && read_to "$TEXTFILE" &&
	 grep -q "^ebpf_exporter_syscalls_total{" "$TEXTFILE/ebpfexp_syscalls.prom" && stop_loader'
# the reader in a mount namespace where /proc/kallsyms cannot be read
read_without_kallsyms() {
	: > "$T/kallsyms" && chmod 000 "$T/kallsyms" &&
	unshare -m sh -c "mount --bind '$T/kallsyms' /proc/kallsyms &&
		setpriv --inh-caps=-all --bounding-set=-all -- \
		'$READ' --state.dir='$STATE' --bpffs.root='$BPFFS_ROOT' --textfile.dir='$TEXTFILE' \
		2>'$T/ksym.err'; echo \$? > '$T/ksym.rc'" && cat "$T/ksym.err"
}
# the text snapshot, without the symbol index (t/5700 tests the index)
snapshot_instead() {
	mv "$STATE/kallsyms.idx" "$T/kallsyms.idx" &&
	test -s "$STATE/kallsyms" && read_without_kallsyms && [ "$(cat "$T/ksym.rc")" = 0 ] &&
	! grep -q "skipped" "$T/ksym.err" &&
	grep "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom" | grep -v unknown_addr | grep -q .
}
unreadable_kallsyms() {
	mv "$STATE/kallsyms" "$T/kallsyms.snapshot" && read_without_kallsyms;
	mv "$T/kallsyms.snapshot" "$STATE/kallsyms"; mv "$T/kallsyms.idx" "$STATE/kallsyms.idx";
	[ "$(cat "$T/ksym.rc")" = 0 ] &&
	grep -q "config \"timers\": metric \"timer_starts_total\": [0-9]* sample(s) skipped: .*kallsyms.*Permission denied" "$T/ksym.err" &&
	[ "$(grep "^ebpf_exporter_decoder_errors_total{config=\"timers\"}" "$TEXTFILE/ebpfexp.prom" | cut -d" " -f2)" -gt 0 ] &&
	grep -q "^ebpf_exporter_syscalls_total{" "$TEXTFILE/ebpfexp_syscalls.prom"
}
tcase 'kallsyms unreadable: the reader decodes with the loader'"'"'s snapshot instead' \
	'snapshot_instead'
tcase 'kallsyms and the snapshot unreadable: ksym samples are skipped and counted, the reason is given, others fine' \
	'unreadable_kallsyms'
N_CONFIGS=10000
# one pinned map, and N_CONFIGS manifests that each describe it as a metric of their own
many_manifests() {
	mkdir -p "$BPFFS_ROOT/many" "$T/many" &&
	"$MAPFILL" bulk --type=hash --entries=100 "$BPFFS_ROOT/many/big_total" &&
	"$MAPFILL" manifest "$T/configs/big.yaml" big "$T/many" "$BPFFS_ROOT/many" &&
	rm -f "$STATE"/*.json &&
	awk -v n=$N_CONFIGS -v dir="$STATE" '
		{ text = text $0 "\n" }
		END {
			for (i = 0; i < n; i++) {
				t = text
				gsub(/"name": "big_total"/, "\"name\": \"big_" i "_total\"", t)
				gsub(/"name": "big"/, "\"name\": \"c" i "\"", t)
				f = dir "/c" i ".json"
				printf "%s", t > f
				close(f)
			}
		}' "$T/many/big.json"
}
tcase "$N_CONFIGS configs in one run: every file written, descriptors do not pile up" \
	'many_manifests && mkdir -p "$T/manytf" &&
	 mount -t tmpfs tmpfs "$T/manytf" && tcleanup "umount $T/manytf" &&
	 (ulimit -n 256; read_to "$T/manytf") &&
	 [ "$(ls "$T/manytf" | grep -c "^ebpfexp_c[0-9]*\.prom$")" = $N_CONFIGS ] &&
	 [ "$(cat "$T/manytf"/ebpfexp_c*.prom | grep -c "^ebpf_exporter_big_[0-9]*_total{")" = $((N_CONFIGS * 100)) ] &&
	 promcheck < "$T/manytf/ebpfexp_c9999.prom"'
tdone
