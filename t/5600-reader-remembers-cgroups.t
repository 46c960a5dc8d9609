#!/bin/sh
# 5600: a cgroup removed while its id is still in a map keeps its path from run to run, as
# under ebpf_exporter's cgroup monitor, until 10 minutes after its last lookup; an id never
# seen alive stays unknown_cgroup_id:N; --output decodes afresh; the reader's private
# .ebpfexp-read.cgroups holds only the ids it decoded, survives a tab in a path, and when
# garbled, planted as a symlink or replaced by a directory never fails a run
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
. "$TOP/t/helpers/maps.sh"

# the mount point of the first cgroup2 mount (the field after "-" is the type)
CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
[ -n "$CG2" ] && [ -d "$CG2" ] || skip_all "no cgroup2 mount"
TAB=$(printf '\t')
# a tab in the removed cgroup's name: its path goes through the file escaped
GONE="$CG2/ebpfexp-t5600-gone${TAB}tab.$$"
KEPT="$CG2/ebpfexp-t5600-kept.$$"
tcleanup "rmdir '$GONE' 2>/dev/null; rmdir '$KEPT' 2>/dev/null"
MEMO=$TEXTFILE/.ebpfexp-read.cgroups
NEVER=4611686018427387904	# 2^62: no cgroup has this id

# le64 N: the 8 bytes of N, host (little-endian) order, as mapfill's KEYHEX
le64() {
	printf '%016x\n' "$1" | sed 's/../& /g' |
		awk '{ for (i = 8; i >= 1; i--) printf "%s", $i; print "" }'
}

# sample LABEL VALUE: the series is in the last textfile, exactly
sample() {
	grep -Fqx "ebpf_exporter_cgroup_events_total{cgroup=\"$1\"} $2" "$TEXTFILE/ebpfexp_cgmemo.prom" ||
		{ echo "no series cgroup=\"$1\" $2 in:"; cat "$TEXTFILE/ebpfexp_cgmemo.prom"; return 1; }
}

# last_lookup ID: the timestamp column of ID in the file
last_lookup() {
	awk -F "$TAB" -v id="$1" '$1 == id { print $2 }' "$MEMO"
}

# age ID SECONDS: make ID's last lookup SECONDS ago, as if the runs between had not used it
age() {
	_t=$(( $(date +%s) - $2 ))
	awk -F "$TAB" -v OFS="$TAB" -v id="$1" -v t="$_t" '$1 == id { $2 = t } 1' "$MEMO" >"$T/memo" &&
		[ "$(awk -F "$TAB" -v id="$1" '$1 == id { print $2 }' "$T/memo")" = "$_t" ] &&
		cat "$T/memo" >"$MEMO"
}

tcase 'two cgroups and an id never seen alive, in a map decoded by the cgroup decoder' '
	mkdir "$GONE" "$KEPT" && GONE_ID=$(stat -c %i "$GONE") && KEPT_ID=$(stat -c %i "$KEPT") &&
	[ -n "$GONE_ID" ] && [ -n "$KEPT_ID" ] &&
	printf "%s\n" "$(le64 "$GONE_ID") 5" "$(le64 "$KEPT_ID") 7" "$(le64 $NEVER) 3" |
		fill cgmemo cgroup_events_total hash 8 8 8 &&
	write_manifest cgmemo'
tcase 'live cgroups are labelled with their path, an id never seen alive is unknown_cgroup_id:N' '
	T0=$(date +%s) && read_config cgmemo 2>"$T/err"; rc=$?; cat "$T/err"; [ $rc = 0 ] &&
	! grep -q cgroups "$T/err" &&
	sample "$GONE" 5 && sample "$KEPT" 7 && sample "unknown_cgroup_id:$NEVER" 3'
tcase 'the private file (0600) holds the two ids decoded, escaped, looked up now, and nothing else' '
	test -f "$MEMO" && [ "$(stat -c %a "$MEMO")" = 600 ] &&
	printf "%s\t%s\n" "$GONE_ID" "$(printf "%s" "$GONE" | sed "s/\t/\\\\t/")" "$KEPT_ID" "$KEPT" |
		sort -n > "$T/want" && cut -f1,3 "$MEMO" | diff -u "$T/want" - &&
	for id in "$GONE_ID" "$KEPT_ID"; do
		t=$(last_lookup "$id") && [ "$t" -ge "$T0" ] && [ "$t" -le "$(date +%s)" ] || return 1
	done'
tcase 'a removed cgroup keeps its path while its id is still in the map' '
	rmdir "$GONE" && ! test -e "$GONE" && read_config cgmemo && sample "$GONE" 5 &&
	sample "$KEPT" 7 && sample "unknown_cgroup_id:$NEVER" 3'
tcase '--output decodes afresh (the removed cgroup is unknown there) and leaves the file alone' '
	cp "$MEMO" "$T/memo.before" &&
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --config.names=cgmemo --output=- \
		>"$T/out.prom" &&
	grep -Fqx "ebpf_exporter_cgroup_events_total{cgroup=\"unknown_cgroup_id:$GONE_ID\"} 5" "$T/out.prom" &&
	cmp "$T/memo.before" "$MEMO"'
tcase 'last looked up 9 min 50 s ago: still its path, and its last lookup is now' '
	age "$GONE_ID" 590 && T1=$(date +%s) && read_config cgmemo && sample "$GONE" 5 &&
	[ "$(last_lookup "$GONE_ID")" -ge "$T1" ]'
tcase 'last looked up 10 min ago: forgotten, unknown_cgroup_id:N, and gone from the file' '
	age "$GONE_ID" 600 && read_config cgmemo && sample "unknown_cgroup_id:$GONE_ID" 5 &&
	sample "$KEPT" 7 && [ -z "$(last_lookup "$GONE_ID")" ] && [ -n "$(last_lookup "$KEPT_ID")" ]'
tcase 'a garbled file: the run succeeds with one warning, and the file is written anew' '
	{ printf "%s\n" "garbage" "1${TAB}2" "x${TAB}1${TAB}/a" "$KEPT_ID${TAB}soon${TAB}$KEPT" \
		"5${TAB}1${TAB}relative" "6${TAB}1${TAB}/bad\\qescape" "99999999999999999999${TAB}1${TAB}/big";
	  printf "\001\377\000\t\t\n\\\\"; printf "7\t1\t/cut short"; } >"$MEMO" &&
	read_config cgmemo 2>"$T/err"; rc=$?; cat "$T/err"; [ $rc = 0 ] &&
	[ "$(grep -c "\.ebpfexp-read\.cgroups: ignored 9 malformed line" "$T/err")" = 1 ] &&
	sample "$KEPT" 7 && sample "unknown_cgroup_id:$GONE_ID" 5 &&
	[ "$(cut -f1,3 "$MEMO")" = "$KEPT_ID${TAB}$KEPT" ] &&
	read_config cgmemo 2>"$T/err2"; rc=$?; cat "$T/err2"; [ $rc = 0 ] && ! grep -q cgroups "$T/err2"'
tcase 'a symlink in its place is not followed, and is replaced by the file' '
	echo precious >"$T/victim" && rm -f "$MEMO" && ln -s "$T/victim" "$MEMO" &&
	read_config cgmemo 2>"$T/err"; rc=$?; cat "$T/err"; [ $rc = 0 ] &&
	grep -q "cgroups.*symlink" "$T/err" && [ "$(cat "$T/victim")" = precious ] &&
	! test -L "$MEMO" && test -f "$MEMO" && [ -n "$(last_lookup "$KEPT_ID")" ] && sample "$KEPT" 7'
tcase 'a directory in its place: warnings, and the run still succeeds' '
	rm -f "$MEMO" && mkdir "$MEMO" && read_config cgmemo 2>"$T/err"; rc=$?; cat "$T/err";
	rmdir "$MEMO"; [ $rc = 0 ] && grep -q "cgroups: not a regular file" "$T/err" &&
	grep -q "removed cgroups may decode as unknown" "$T/err" && sample "$KEPT" 7'
tcase 'the test cgroups are gone' 'rmdir "$KEPT" && ! test -e "$KEPT" && ! test -e "$GONE"'
tdone
