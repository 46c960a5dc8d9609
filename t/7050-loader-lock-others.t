#!/bin/sh
# 7050: a user who cannot write the state dir cannot keep the loader from starting by
# holding STATE/loader.lock. The loader makes it mode 0600, so that user cannot open it, and
# replaces a lock file it did not make so (one of an older version, 0644, that the user holds
# a lock on). The reader still tells whether the loader is up: as root without capabilities
# (it owns the file) and as a user in --bpffs.group, who finds the lock in /proc/locks, also
# under a /proc mounted hidepid=invisible (the reader unit's ProtectProc=invisible).
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
for tool in setpriv useradd userdel flock; do
	command -v $tool >/dev/null || skip_all "needs $tool"
done

U=ebpfexp-t$$
useradd --system --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin "$U" || skip_all "cannot create a user"
tcleanup "userdel $U 2>/dev/null; groupdel $U 2>/dev/null"
UID_U=$(id -u "$U")
GID_U=$(id -g "$U")
chmod 0711 "$T"
mkdir "$T/tf-user" && chown "$U:$U" "$T/tf-user"
LOCK=$STATE/loader.lock

as_user() {
	setpriv --reuid="$UID_U" --regid="$GID_U" --groups="$GID_U" --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- "$@"
}
as_root_nocaps() {
	setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"
}
# loader_up_is WHO 0|1: the reader run by WHO (user, hidepid: the user under a /proc
# mounted hidepid=invisible, or root_nocaps) exports ebpfexp_loader_up 0|1
loader_up_is() {
	case $1 in
	user) as_user "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
		--textfile.dir="$T/tf-user" && _f=$T/tf-user/ebpfexp.prom ;;
	hidepid) unshare -m sh -c 'mount -t proc -o hidepid=invisible proc /proc && exec "$@"' \
		sh setpriv --reuid="$UID_U" --regid="$GID_U" --groups="$GID_U" --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- "$READ" --state.dir="$STATE" \
		--bpffs.root="$BPFFS_ROOT" --textfile.dir="$T/tf-user" &&
		_f=$T/tf-user/ebpfexp.prom ;;
	root_nocaps) as_root_nocaps "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
		--textfile.dir="$TEXTFILE" && _f=$TEXTFILE/ebpfexp.prom ;;
	esac || return 1
	grep "^ebpfexp_loader_up " "$_f"
	grep -qx "ebpfexp_loader_up $2" "$_f"
}
# holds FILE: the user holds a shared flock on FILE, in the background, until the end
# (one process, its pid in $!, so that killing it leaves nothing of the user's behind)
holds() {
	setpriv --reuid="$UID_U" --regid="$GID_U" --groups="$GID_U" --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- \
		sh -c 'exec 9<"$1" && flock -s 9 && exec sleep 600' sh "$1" &
	_h=$!
	tcleanup "kill $_h 2>/dev/null; wait $_h 2>/dev/null"
	wait_for "grep -q ':$(stat -c %i "$1") ' /proc/locks" 10
}

tcase 'the user holds a shared flock on an older, 0644 loader.lock' \
	'touch "$LOCK" && chmod 0644 "$LOCK" && holds "$LOCK"'
tcase 'the loader starts all the same, replacing that file, and says so' \
	"start_loader timers --bpffs.group=$U &&
	 wait_for \"grep -q 'loader.lock: mode 0644, owner uid 0: not a lock file this loader made' \$T/loader.log\" 10 ||
	 { cat \"\$T/loader.log\"; false; }"
tcase 'the new loader.lock is root'"'"'s, mode 0600' \
	'[ "$(stat -c %a:%u "$LOCK")" = 600:0 ]'
tcase 'the user cannot open it, so cannot lock it' \
	'! as_user flock -n -s "$LOCK" true 2>"$T/err" && cat "$T/err" &&
	 grep -q "Permission denied" "$T/err"'
tcase 'the reader as root without capabilities: ebpfexp_loader_up 1' 'loader_up_is root_nocaps 1'
tcase 'the reader as a user in the group (by /proc/locks): ebpfexp_loader_up 1' \
	'loader_up_is user 1'
tcase 'and so under a /proc mounted hidepid=invisible' 'loader_up_is hidepid 1'
tcase 'stopped: the user still cannot open the lock file to hold it' \
	'stop_loader; ! as_user flock -n -s "$LOCK" true 2>/dev/null'
tcase 'the reader, both ways: ebpfexp_loader_up 0' \
	'loader_up_is user 0 && loader_up_is hidepid 0 && loader_up_is root_nocaps 0'
tcase 'the loader starts again (a restart is not blocked)' \
	"start_loader timers --bpffs.group=$U && ! grep -q 'not a lock file' \"\$T/loader.log\" &&
	 loader_up_is user 1"
tcase 'a second loader on the same state dir is still refused, exit 2' \
	'"$LOAD" --config.dir="$TOP/configs" --bpf.dir="$BUILD/bpf" --config.names=timers \
		--bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" --log.no-timestamps 2>"$T/err2"
	 rc=$?; cat "$T/err2"; [ $rc = 2 ] && grep -q "another ebpfexp-load runs" "$T/err2"'
tcase 'stopped again: ebpfexp_loader_up 0' 'stop_loader; loader_up_is user 0'
tdone
