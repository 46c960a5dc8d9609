#!/bin/sh
# 4060: systemd's watchdog: with $WATCHDOG_USEC (and $WATCHDOG_PID unset or naming it) the
# loader sends WATCHDOG=1 on $NOTIFY_SOCKET from its main loop, at half the interval, after
# READY=1; with $WATCHDOG_PID naming another process, without $WATCHDOG_USEC or with a
# malformed one, it sends none and runs on
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

NOTIFYSOCK=$BUILD/t/helpers/notifysock
[ -x "$NOTIFYSOCK" ] || skip_all "run make first (build/t/helpers/notifysock)"
# sets WATCHDOG_PID to the pid that the loader it execs will have
printf '#!/bin/sh\nWATCHDOG_PID=$$\nexport WATCHDOG_PID\nexec "$@"\n' >"$T/own-pid"
chmod +x "$T/own-pid"

# loader_with NAME [VAR=VALUE...] [$T/own-pid]: a loader of the timers example with that
# environment (through env(1)) and its own notify socket, state dir and pin root; the
# socket's lines go to $T/NAME.out as "MS PID LINE", its log to $T/NAME.log, its pid to
# $T/NAME.pid. Ready when the socket has READY=1.
loader_with() {
	_n=$1
	shift
	"$NOTIFYSOCK" "$T/$_n.sock" >"$T/$_n.out" 2>&1 &
	tcleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	wait_for "test -S '$T/$_n.sock'" 10 || return 1
	mkdir -p "$T/$_n.state"
	env -u WATCHDOG_USEC -u WATCHDOG_PID NOTIFY_SOCKET="$T/$_n.sock" "$@" "$LOAD" \
		--config.dir="$TOP/configs" --bpf.dir="$BUILD/bpf" --config.names=timers \
		--bpffs.root="$BPFFS/$_n" --state.dir="$T/$_n.state" --log.no-timestamps \
		>"$T/$_n.log" 2>&1 &
	echo $! >"$T/$_n.pid"
	tcleanup "kill -TERM $! 2>/dev/null; wait $! 2>/dev/null"
	wait_for "grep -q ' READY=1\$' '$T/$_n.out'" 30 || { cat "$T/$_n.log"; return 1; }
}
pings() {	# pings NAME: how many WATCHDOG=1 it sent
	grep -c ' WATCHDOG=1$' "$T/$1.out"
}
stop() {	# stop NAME: SIGTERM, and its exit status is 0
	_p=$(cat "$T/$1.pid")
	kill -TERM "$_p" && wait "$_p"
}

# Loaders that must not ping start first and are READY before the one that must: all the
# time it takes that one to ping 10 times, they had their chance to ping too.
tcase 'WATCHDOG_PID naming another process: READY=1' \
	'loader_with otherpid WATCHDOG_USEC=200000 WATCHDOG_PID=1'
tcase 'no WATCHDOG_USEC: READY=1' 'loader_with none'
WARNING='ebpfexp-load: warning: watchdog: not pinging: $WATCHDOG_USEC="0.2s": '\
'not a positive number of microseconds'
tcase 'a malformed WATCHDOG_USEC: READY=1, and a warning that names it' \
	'loader_with malformed WATCHDOG_USEC=0.2s && cat "$T/malformed.log" &&
	 grep -Fqx "$WARNING" "$T/malformed.log"'
tcase 'WATCHDOG_USEC=200000: READY=1, then WATCHDOG=1 again and again, from the loader' \
	'loader_with wd WATCHDOG_USEC=200000 && wait_for "[ \$(pings wd) -ge 10 ]" 20 &&
	 PID=$(cat "$T/wd.pid") && cat "$T/wd.out" &&
	 [ "$(grep -n " READY=1$" "$T/wd.out" | head -n 1 | cut -d: -f1)" -lt \
	   "$(grep -n " WATCHDOG=1$" "$T/wd.out" | head -n 1 | cut -d: -f1)" ] &&
	 ! grep " WATCHDOG=1$" "$T/wd.out" | grep -v "^[0-9]* $PID WATCHDOG=1$"'
# half of 200 ms is 100 ms; the bounds leave room for scheduling delays at the receiver
tcase 'at about half the interval: the first 10 pings span 0.7 s to 1.8 s' \
	'grep " WATCHDOG=1$" "$T/wd.out" | head -n 10 |
	 awk "NR == 1 { a = \$1 }
	      NR == 10 { d = \$1 - a; print d \" ms\"; exit !(d >= 700 && d < 1800) }"'
tcase 'meanwhile the loaders that were not asked to ping sent none, and run on' \
	'for n in otherpid none malformed; do
		echo "$n: $(pings $n) pings"; [ "$(pings $n)" = 0 ] || return 1
		kill -0 "$(cat "$T/$n.pid")" || return 1
	 done'
tcase 'a reload goes on pinging after it' \
	'N=$(pings wd) && kill -HUP "$(cat "$T/wd.pid")" &&
	 wait_for "[ \$(grep -c \" READY=1\$\" \"$T/wd.out\") = 2 ]" 30 &&
	 wait_for "[ \$(pings wd) -ge \$((N + 5)) ]" 10'
tcase 'WATCHDOG_PID naming the loader itself: it pings' \
	'loader_with ownpid WATCHDOG_USEC=200000 "$T/own-pid" &&
	 wait_for "[ \$(pings ownpid) -ge 3 ]" 10'
tcase 'every loader stops cleanly on SIGTERM' \
	'for n in otherpid none malformed wd ownpid; do stop $n || { echo "$n"; return 1; }; done'
tdone
