#!/bin/sh
# 4010: a restart keeps counting in the same pinned maps; an incompatible pin is replaced
# with a warning; SIGHUP loads an added config, removes a removed one, reloads a changed one
# (YAML or object), leaves an unchanged one alone and keeps a broken one at its old version
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

CFG=$T/configs
mkdir -p "$CFG"
PIN=$BPFFS_ROOT/kprobe_fail/kprobe_fail_nanosleeps_total

nanosleeps() {
	/bin/sleep 0.001
}
# the label-less counter's value (key 0)
count() {
	bpftool map dump pinned "$PIN" -j | jq -r '.[0].formatted.value // 0'
}
map_id() {
	jq -r ".metrics[] | select(.name == \"$2\") | .map.id" "$STATE/$1.json"
}
prog_ids() {
	jq -r '[.programs[].id] | join(" ")' "$STATE/$1.json"
}
link_ids() {
	for _p in $(prog_ids "$1"); do
		bpftool link show -j | jq -r ".[] | select(.prog_id == $_p) | .id"
	done | sort | tr '\n' ' '
}
progs_gone() {
	for _p in $1; do bpftool prog show id "$_p" >/dev/null 2>&1 && return 1; done
	return 0
}
add_config() {
	# copies: a rebuild of build/bpf meanwhile must not look like a changed object
	cp "$TOP/configs/$1.yaml" "$CFG/" && cp "$BUILD/bpf/$1.bpf.o" "$CFG/$1.bpf.o"
}
# a loader over every *.yaml of $CFG (no --config.names: the directory is the set)
start_dir_loader() {
	# emptied here, not by the child's redirection: the wait below must not find the last
	# loader's "start:" before the child has truncated the log
	: >"$T/loader.log"
	"$LOAD" --config.dir="$CFG" --bpf.dir="$BUILD/bpf" --bpffs.root="$BPFFS_ROOT" \
		--state.dir="$STATE" --log.no-timestamps "$@" >"$T/loader.log" 2>&1 &
	LOADER_PID=$!
	tcleanup stop_loader
	wait_for "grep -q '^ebpfexp-load: .*start: ' $T/loader.log" 30 || { cat "$T/loader.log"; return 1; }
}
hup_and_wait() {
	_n=$(grep -c 'reload: ' "$T/loader.log")
	kill -HUP "$LOADER_PID" &&
		wait_for "[ \$(grep -c 'reload: ' $T/loader.log) -gt $_n ]" 30 || { cat "$T/loader.log"; return 1; }
}

export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf
tcase 'the loader counts nanosleeps in a pinned map' \
	'start_loader kprobe_fail && wait_for "nanosleeps; [ \$(count) -gt 0 ]" && ID1=$(map_id kprobe_fail kprobe_fail_nanosleeps_total)'
tcase 'after a restart the count goes on from where it was, in the same map' \
	'V1=$(count) && stop_loader && start_loader kprobe_fail &&
	 [ "$(map_id kprobe_fail kprobe_fail_nanosleeps_total)" = "$ID1" ] &&
	 [ "$(count)" -ge "$V1" ] && wait_for "nanosleeps; [ \$(count) -gt $V1 ]"'
tcase 'an incompatible pin is replaced with a warning naming the map and the difference' \
	'stop_loader && rm "$PIN" &&
	 bpftool map create "$PIN" type hash key 8 value 8 entries 16 name stale &&
	 start_loader kprobe_fail &&
	 grep -F "config \"kprobe_fail\": map \"kprobe_fail_nanosleeps_total\": pinned map $PIN no longer matches the object: its key size is 8, the object'"'"'s 4; replacing it" "$T/loader.log" &&
	 bpftool map show pinned "$PIN" -j | jq -e ".bytes_key == 4"'
tcase 'only metric maps and programs are pinned (no .rodata, .bss, .data)' \
	'! ls -A "$BPFFS_ROOT/kprobe_fail" | grep -v -e "^prog_" -e "^kprobe_fail_nanosleeps_total$"'
tcase 'stopping keeps the map pin, removes the program pins' \
	'stop_loader && test -e "$PIN" && ! ls "$BPFFS_ROOT/kprobe_fail" | grep -q "^prog_"'
unset CONFIG_DIR BPF_DIR
rm -rf "$BPFFS_ROOT/kprobe_fail" "$STATE/kprobe_fail.json"

for c in timers softirqs syscalls runqlat; do add_config $c; done
tcase 'a loader over a config dir loads all four' \
	'start_dir_loader --debug && for c in timers softirqs syscalls runqlat; do test -s "$STATE/$c.json" || return 1; done'
cp "$STATE/timers.json" "$T/timers.before"
cp "$STATE/runqlat.json" "$T/runqlat.before"
TIMERS_LINKS=$(link_ids timers)
SOFTIRQ_PROGS=$(prog_ids softirqs)
SYSCALL_PROGS=$(prog_ids syscalls)
SYSCALL_MAP=$(map_id syscalls syscalls_total)
RUNQLAT_PROGS=$(prog_ids runqlat)

add_config exec
rm "$CFG/softirqs.yaml"
sed -i 's/help: /help: Changed /' "$CFG/syscalls.yaml"
printf 'metrics: [\n' > "$CFG/runqlat.yaml"
tcase 'SIGHUP: the reload is logged with what it did' \
	'hup_and_wait && grep -F "reload: 4 running; 1 loaded, 1 reloaded, 1 removed, 1 unchanged, 1 failed" "$T/loader.log" ||
	 { cat "$T/loader.log"; false; }'
tcase 'the added config runs' \
	'jq -e "[.programs[].attached] | all" "$STATE/exec.json" && test -e "$BPFFS_ROOT/exec/execs_total"'
tcase 'the removed config is detached, unpinned and its manifest removed' \
	'wait_for "progs_gone \"$SOFTIRQ_PROGS\"" && ! test -e "$BPFFS_ROOT/softirqs" && ! test -e "$STATE/softirqs.json"'
tcase 'the changed config runs new programs on the same maps' \
	'jq -e ".metrics | all(.help | startswith(\"Changed \"))" "$STATE/syscalls.json" &&
	 wait_for "progs_gone \"$SYSCALL_PROGS\"" && [ "$(map_id syscalls syscalls_total)" = "$SYSCALL_MAP" ]'
tcase 'the unchanged config is untouched: same manifest, same links' \
	'cmp "$STATE/timers.json" "$T/timers.before" && [ "$(link_ids timers)" = "$TIMERS_LINKS" ] &&
	 [ -n "$TIMERS_LINKS" ]'
tcase 'the broken config is reported and keeps running its previous version' \
	'grep -F "$CFG/runqlat.yaml:2:1: YAML" "$T/loader.log" &&
	 grep -F "config \"runqlat\": keeps running its previous version" "$T/loader.log" &&
	 cmp "$STATE/runqlat.json" "$T/runqlat.before" &&
	 for p in $RUNQLAT_PROGS; do bpftool prog show id $p >/dev/null || exit 1; done'

TIMERS_PROGS=$(prog_ids timers)
TIMERS_MAP=$(map_id timers timer_starts_total)
printf '\0' >> "$CFG/timers.bpf.o"
add_config runqlat
tcase 'SIGHUP after the object changed: reloaded on the same map; the restored YAML is unchanged' \
	'hup_and_wait && grep -F "reload: 4 running; 0 loaded, 1 reloaded, 0 removed, 3 unchanged, 0 failed" "$T/loader.log" &&
	 grep -F "config \"timers\": object $CFG/timers.bpf.o changed" "$T/loader.log" &&
	 wait_for "progs_gone \"$TIMERS_PROGS\"" && [ "$(map_id timers timer_starts_total)" = "$TIMERS_MAP" ] &&
	 [ "$(jq -r .object.sha256 "$STATE/timers.json")" = "$(sha256sum < "$CFG/timers.bpf.o" | cut -d" " -f1)" ] ||
	 { grep -v "libbpf" "$T/loader.log"; false; }'
cp "$BUILD/t/bpf/fentry_fail.bpf.o" "$CFG/exec.bpf.o.new" && mv "$CFG/exec.bpf.o.new" "$CFG/exec.bpf.o"
EXEC_PROGS=$(prog_ids exec)
tcase 'a changed object that does not fit its config keeps the previous version' \
	'hup_and_wait && grep -F "config \"exec\": keeps running its previous version" "$T/loader.log" &&
	 for p in $EXEC_PROGS; do bpftool prog show id $p >/dev/null || exit 1; done &&
	 ls "$BPFFS_ROOT/exec" | grep -q "^prog_" && test -e "$BPFFS_ROOT/exec/execs_total"'
tcase 'the loader is still up and stops cleanly' 'kill -0 "$LOADER_PID" && stop_loader'
tdone
