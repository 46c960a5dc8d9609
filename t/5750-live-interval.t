#!/bin/sh
# 5750: ebpfexp-read --interval shows what happens now: under a known load of getppid() calls
# a second, each interval's rate is that load; the JSON lines are one per interval; a loader
# restart and a replaced map never give a negative rate or a spike; the table redraws in place
# in a terminal and Ctrl-C leaves the terminal as it was
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
command -v tmux >/dev/null || skip_all "needs tmux (scripts/install-deps)"
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"
use_binary_copies
CALLRATE=$BUILD/t/helpers/callrate
[ -x "$CALLRATE" ] || skip_all "run make first (build/t/helpers/callrate)"
# getppid() calls by process: the load's own calls, whatever else the machine runs
export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf

RATE=20000
GROUP=ebpfexp-t$$
NOBODY=65534
groupadd -r "$GROUP" || skip_all "cannot create a group"
tcleanup "groupdel $GROUP"
GID=$(getent group "$GROUP" | cut -d: -f3)
chmod 0711 "$T"
LIVE="$READ --state.dir=$STATE --bpffs.root=$BPFFS_ROOT --config.names=getppid_by_pid"
FAM=ebpf_exporter_getppid_calls_total

as_reader() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --groups="$GID" --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- "$@"
}

# rates FILE: the load's rate in each JSON line of FILE, and its state
rates() {
	jq -r --arg pid "$LOAD_PID" ".families[] | select(.name == \"$FAM\") |
		.series[] | select(.labels.pid == \$pid) | \"\\(.rate) \\(.state)\"" "$1"
}

tcase 'loader up with a test config counting getppid() calls by process' \
	"start_loader getppid_by_pid --bpffs.group=$GROUP"
tcase "a load of $RATE getppid() calls a second runs, and one of 500" \
	'"$CALLRATE" $RATE & LOAD_PID=$!
	 tcleanup "kill $LOAD_PID 2>/dev/null; wait $LOAD_PID 2>/dev/null"
	 "$CALLRATE" 500 & SMALL_PID=$!
	 tcleanup "kill $SMALL_PID 2>/dev/null; wait $SMALL_PID 2>/dev/null"
	 kill -0 $LOAD_PID && kill -0 $SMALL_PID &&
	 wait_for "$LIVE --format=json --output=- | grep -qF \"\\\"pid\\\": \\\"$LOAD_PID\\\"\""'

tcase '--interval=1 --count=3 --format=json: three JSON lines, exit 0' \
	'$LIVE --interval=1 --count=3 --format=json >"$T/live.json" 2>"$T/live.err"; rc=$?
	 cat "$T/live.err"; [ $rc = 0 ] && [ "$(wc -l <"$T/live.json")" = 3 ] &&
	 jq -e . "$T/live.json" >/dev/null && [ "$(jq -s length "$T/live.json")" = 3 ]'
tcase 'each line has a time, the measured interval length and the metric' \
	'jq -e "(.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$\")) and
		.interval_seconds > 0 and any(.families[]; .name == \"$FAM\")" "$T/live.json"'
tcase 'every rate is its delta over the measured interval length' \
	'jq -s -e "[.[] | .interval_seconds as \$s | .families[].series[] |
		(.rate - .delta / \$s) as \$d | (if \$d < 0 then -\$d else \$d end) <=
		1e-9 * (1 + .rate)] | all" "$T/live.json" &&
	 jq -e "[.families[].series[] | .rate >= 0 and .delta >= 0] | all" "$T/live.json"'
tcase "the load's rate is $RATE a second in every interval" \
	'rates "$T/live.json" >"$T/rates"; cat "$T/rates"; [ "$(wc -l <"$T/rates")" = 3 ] &&
	 awk -v r=$RATE "\$1 < 0.8 * r || \$1 > 1.2 * r || \$2 != \"same\" { bad = 1 }
		END { exit bad }" "$T/rates"'
tcase 'rows are sorted by rate, busiest first' \
	'jq -s -e "[.[].families[] | select(.name == \"$FAM\") |
		[.series[].rate] | . == (sort | reverse)] | all" "$T/live.json"'
tcase '--top=1 keeps the busiest series and says how many it hid' \
	'$LIVE --interval=0.3 --count=1 --format=json --top=1 >"$T/top.json" &&
	 jq -e ".families[] | select(.name == \"$FAM\") |
		(.series | length) == 1 and .hidden >= 1" "$T/top.json"'
tcase 'piped, the table is successive blocks, each headed by a timestamp and its length' \
	'$LIVE --interval=0.2 --count=2 >"$T/blocks" &&
	 [ "$(grep -Ec "^[0-9-]{10} [0-9:]{8} [A-Z]+  interval [0-9.]+s  \[[12]/2\]$" \
		"$T/blocks")" = 2 ] &&
	 grep -q "^pid  *delta  *rate/s$" "$T/blocks" && grep -q "^$LOAD_PID  " "$T/blocks" &&
	 ! grep -q "$(printf "\033")" "$T/blocks"'
tcase 'a reader with no capability, in the pins'"'"' group, watches as one-shot reads do' \
	'as_reader $LIVE --interval=0.2 --count=2 --format=json >"$T/unpriv.json" &&
	 [ "$(jq -s length "$T/unpriv.json")" = 2 ] &&
	 [ "$(rates "$T/unpriv.json" | wc -l)" = 2 ]'
tcase 'SIGTERM ends a live view with exit 0' \
	'$LIVE --interval=0.2 --format=json >"$T/term.json" 2>&1 & pid=$!
	 wait_for "[ -s $T/term.json ]" && kill -TERM $pid; wait $pid; rc=$?
	 [ $rc = 0 ] && jq -e . "$T/term.json" >/dev/null'
tcase 'loader restarts, reusing the pins or with a new map: no negative rate, no spike' \
	'$LIVE --interval=0.25 --format=json >"$T/restart.json" 2>"$T/restart.err" & pid=$!
	 wait_for "[ \"\$(rates $T/restart.json | wc -l)\" -ge 2 ]" &&
	 stop_loader && start_loader getppid_by_pid --unpin &&
	 n=$(wc -l <"$T/restart.json") &&
	 wait_for "[ \"\$(wc -l <$T/restart.json)\" -ge $((n + 3)) ]" &&
	 stop_loader && [ ! -e "$BPFFS_ROOT/getppid_by_pid/getppid_calls_total" ] &&
	 start_loader getppid_by_pid &&
	 wait_for "rates $T/restart.json | grep -qv \" same\$\"" &&
	 n=$(wc -l <"$T/restart.json") &&
	 wait_for "[ \"\$(wc -l <$T/restart.json)\" -ge $((n + 2)) ]" &&
	 kill -INT $pid; wait $pid; rc=$?; rates "$T/restart.json" >"$T/rates"; cat "$T/rates"
	 [ $rc = 0 ] && awk -v r=$RATE "\$1 < 0 || \$1 > 1.5 * r { bad = 1 } END { exit bad }" \
		"$T/rates" && grep -Eq " (reset|start|new)$" "$T/rates" &&
	 tail -n 1 "$T/rates" | grep -q " same$"'
tcase '--format=prom with --interval is refused, exit 2, with the reason' \
	'$LIVE --interval=1 --format=prom >"$T/out" 2>"$T/err"; rc=$?; cat "$T/err"
	 [ $rc = 2 ] && [ ! -s "$T/out" ] && grep -q "rates are not Prometheus text" "$T/err"'
tcase '--interval never writes a textfile dir: with --textfile.dir it is refused' \
	'$LIVE --interval=1 --textfile.dir="$TEXTFILE" 2>"$T/err"; rc=$?; cat "$T/err"
	 [ $rc = 2 ] && [ -z "$(ls -A "$TEXTFILE")" ] && grep -q "stdout" "$T/err"'
tcase 'bad --interval, --count and --top values, and --count alone, are refused' \
	'for a in --interval=0 --interval=x --interval=-1 "--interval=1 --count=-2" \
		"--interval=1 --top=x" --count=3 --top=3; do
		$LIVE $a >/dev/null 2>&1; rc=$?
		[ $rc = 2 ] || { echo "$a: exit $rc"; return 1; }
	 done'

# A person at a terminal: tmux is the terminal, its pane what they would see.
TMUX_SOCK=ebpfexp-t$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
tcleanup "tmux -L $TMUX_SOCK kill-server 2>/dev/null"
first_line() { tm capture-pane -p | head -n 1; }
titles() { tm capture-pane -p | grep -cE "^[0-9-]{10} [0-9:]{8} [A-Z]+  interval "; }

tcase 'in a terminal (tmux, 120x40), a shell waits at its prompt' \
	'TERM=xterm tm new-session -d -x 120 -y 40 "env PS1=\"PROMPT> \" sh" &&
	 wait_for "tm capture-pane -p | grep -q \"^PROMPT>\""'
tcase 'the live table is drawn on the alternate screen, the cursor hidden' \
	'tm send-keys "$LIVE --interval=1; echo exit=\$?" Enter &&
	 wait_for "[ \"\$(titles)\" = 1 ]" &&
	 wait_for "[ \"\$(tm display -p \"#{alternate_on} #{cursor_flag}\")\" = \"1 0\" ]" &&
	 tm capture-pane -p >"$T/screen1" && cat "$T/screen1" &&
	 grep -q "^$FAM (counter)" "$T/screen1" && grep -q "^$LOAD_PID  " "$T/screen1"'
tcase 'it is redrawn in place: a newer timestamp on the same first line, one title on screen' \
	'one=$(first_line); echo "$one"
	 wait_for "[ \"\$(first_line)\" != \"$one\" ]" 10 && first_line &&
	 first_line | grep -qE "^[0-9-]{10} [0-9:]{8} [A-Z]+  interval [0-9.]+s$" &&
	 [ "$(titles)" = 1 ]'
tcase 'Ctrl-C: exit 0, the shell prompt back, no alternate screen, the cursor visible' \
	'tm send-keys C-c &&
	 wait_for "tm capture-pane -p | grep -q \"^exit=0\$\"" &&
	 wait_for "tm capture-pane -p | grep -v ^\$ | tail -n 1 | grep -q \"^PROMPT>\"" &&
	 [ "$(tm display -p "#{alternate_on} #{cursor_flag}")" = "0 1" ] &&
	 tm capture-pane -p | grep -v ^\$ && [ "$(titles)" = 0 ]'
tdone
