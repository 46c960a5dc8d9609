#!/bin/sh
# 5100: a reader with no capability at all, in the pins' group, reads everything read-only;
# a user outside that group is refused with a message that says how to fix it
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"

GROUP=ebpfexp-t$$
NOBODY=65534
groupadd -r "$GROUP" || skip_all "cannot create a group"
tcleanup "groupdel $GROUP"
GID=$(getent group "$GROUP" | cut -d: -f3)
# the scratch dir must be traversable by the unprivileged user
chmod 0711 "$T"
chgrp "$GROUP" "$TEXTFILE" && chmod 0770 "$TEXTFILE"

as_reader() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --groups="$GID" --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- "$@"
}

as_outsider() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- "$@"
}

tcase 'loader up with --bpffs.group' "start_loader timers,syscalls --bpffs.group=$GROUP"
tcase 'pins are 0640 and the group'"'"'s, their directories 0750' \
	'for p in "$BPFFS_ROOT"/*/*; do
		[ "$(stat -c %a:%G "$p")" = "640:$GROUP" ] || { stat -c "%n %a %G" "$p"; return 1; }
	 done &&
	 for p in "$BPFFS_ROOT" "$BPFFS_ROOT"/*/; do
		[ "$(stat -c %a:%G "$p")" = "750:$GROUP" ] || { stat -c "%n %a %G" "$p"; return 1; }
	 done'
tcase 'manifests are 0640 and the group'"'"'s' \
	'for m in "$STATE"/*.json; do
		[ "$(stat -c %a:%G "$m")" = "640:$GROUP" ] || { stat -c "%n %a %G" "$m"; return 1; }
	 done'
tcase 'the reader in the group, with no capability, writes every file' \
	'as_reader "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom" &&
	 grep -q "^ebpf_exporter_syscalls_total{" "$TEXTFILE/ebpfexp_syscalls.prom"'
tcase 'it resolves kernel function names through the loader'"'"'s kallsyms snapshot' \
	'[ "$(stat -c %a:%G "$STATE/kallsyms")" = "640:$GROUP" ] &&
	 as_reader grep -m1 -q "^0000000000000000 " /proc/kallsyms &&
	 grep "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom" | grep -v unknown_addr |
		grep -q "function=\"[a-z_]"'
tcase 'its process really had no capability' \
	'as_reader grep -x "CapEff:	0000000000000000" /proc/self/status &&
	 as_reader grep -x "CapPrm:	0000000000000000" /proc/self/status'
tcase 'it cannot write to the pinned maps (opened read-only)' \
	'id=$(jq ".metrics[0].map.id" "$STATE/timers.json") &&
	 ! as_reader bpftool map update pinned "$BPFFS_ROOT/timers/timer_starts_total" \
		key hex 00 00 00 00 00 00 00 00 value hex 01 00 00 00 00 00 00 00 2>/dev/null'
tcase 'a user outside the group is refused, exit 2, told what would fix it' \
	'as_outsider "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output=- \
		>/dev/null 2>"$T/out.err"; rc=$?; cat "$T/out.err"; [ $rc = 2 ] &&
	 grep -q "Permission denied" "$T/out.err" && grep -q "group" "$T/out.err"'
tcase 'without --bpffs.group, pins and manifests are private to root (0600)' \
	'stop_loader && start_loader timers &&
	 [ "$(stat -c %a "$BPFFS_ROOT/timers/timer_starts_total")" = 600 ] &&
	 [ "$(stat -c %a "$STATE/timers.json")" = 600 ] &&
	 [ "$(stat -c %a "$BPFFS_ROOT/timers")" = 700 ]'
tdone
