#!/bin/sh
# 4070: on a faked Kubernetes node (cgroups in both kubelet drivers' shapes and the three
# runtimes' names under this test's own cgroup2 directory, a /var/log/pods-like tree in a
# temp dir), processes run in each cgroup and the cgroups are removed before the reader
# runs: the shipped kube.yaml still labels every series with its cgroup path and its
# namespace, pod and container, from the loader's cgroup record; what is no pod keeps its
# path; an id seen nowhere stays unknown_cgroup_id:N; hostile names (quotes, newlines, tabs,
# 4 KB paths) come out escaped; 100k short-lived cgroups keep the record within its cap.
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"
. "$TOP/t/helpers/maps.sh"
use_binary_copies

CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
[ -n "$CG2" ] && [ -d "$CG2" ] || skip_all "no cgroup2 mount"
BASE=$CG2/ebpfexp-t4070.$$
PODS=$T/log/pods
REC=$STATE/cgroups
CAP=1000
NEVER=4611686018427387904	# 2^62: no cgroup has this id
TAB=$(printf "\t")
NL='
'
# every directory below BASE, deepest first, then BASE: run at the end whatever happened
tcleanup "[ -d '$BASE' ] && find '$BASE' -depth -type d -exec rmdir {} + 2>/dev/null"

U1=1a2b3c4d-0001-4000-8000-00000000a001	# cgroupfs, burstable, containerd
U2=1a2b3c4d-0002-4000-8000-00000000a002	# cgroupfs, besteffort, CRI-O
U3=1a2b3c4d-0003-4000-8000-00000000a003	# systemd, burstable, containerd
U4=1a2b3c4d-0004-4000-8000-00000000a004	# systemd, besteffort, CRI-O
U5=1a2b3c4d-0005-4000-8000-00000000a005	# systemd, guaranteed, docker (hostile names)
C1=c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1
C2=c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2
C3=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3
C4=c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4
C5=c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5
C6=c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6
us() { echo "$1" | tr - _; }
P1=$BASE/kubepods/burstable/pod$U1/$C1
P2=$BASE/kubepods/besteffort/pod$U2/crio-$C2
P3=$BASE/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$(us $U3).slice/cri-containerd-$C3.scope
P4=$BASE/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$(us $U4).slice/crio-$C4.scope
P5=$BASE/kubepods.slice/kubepods-pod$(us $U5).slice/docker-$C5.scope
SVC=$BASE/system.slice/nginx.service
DOCK=$BASE/system.slice/docker-$C6.scope
ODD="$BASE/system.slice/we\"ird${TAB}na\\me.service"	# the kernel refuses a newline
# a path of about 4 KB: 15 components of 250 bytes
LONG=$BASE/long
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	LONG=$LONG/$(printf "%0250d" "$i")
done
ALL="$P1|$P2|$P3|$P4|$P5|$SVC|$DOCK|$ODD|$LONG"

# each_path CMD: CMD "$path" for every test cgroup (paths may hold a newline)
each_path() {
	_IFS=$IFS; IFS='|'
	for _p in $ALL; do IFS=$_IFS; "$1" "$_p" || { IFS=$_IFS; return 1; }; IFS='|'; done
	IFS=$_IFS
}

# run_in DIR: a shell in cgroup DIR that sleeps a few times (context switches), then exits
run_in() {
	sh -c 'echo $$ >"$1/cgroup.procs" && for i in 1 2 3 4 5; do sleep 0.01; done' sh "$1"
}

# escaped PATH: the record's escaping (backslash, tab, newline)
escaped() {
	printf "%s" "$1" | sed 's/\\/\\\\/g; s/\t/\\t/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
}
mkdir_p() { mkdir -p "$1"; }
# remove_all: every cgroup below BASE, deepest first (a cgroup whose last task has just
# exited may still be busy for a moment)
remove_all() {
	find "$BASE" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
	[ -z "$(find "$BASE" -mindepth 1 -type d)" ]
}
recorded() { grep -Fq "	$(escaped "$1")" "$REC"; }

# the pods dir: <namespace>_<pod>_<uid>/<container>/0.log
mkpod() { mkdir -p "$PODS/$1_$2_$3/$4" && : >"$PODS/$1_$2_$3/$4/0.log"; }

# series CGROUP CONTAINER NAMESPACE POD: one series with these labels (prom-escaped; an
# empty value is what Prometheus takes for no label), > 0
prom_esc() {
	printf "%s" "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
}
series() {
	_l="cgroup=\"$(prom_esc "$1")\",container=\"$(prom_esc "$2")\""
	_l="$_l,namespace=\"$(prom_esc "$3")\",pod=\"$(prom_esc "$4")\""
	grep -F "ebpf_exporter_kube_context_switches_total{$_l} " "$TEXTFILE/ebpfexp_kube.prom" |
		awk '$NF > 0 { f = 1 } END { exit !f }' ||
		{ echo "no series {$_l} > 0 in:"; cat "$TEXTFILE/ebpfexp_kube.prom"; return 1; }
}

read_kube() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		--config.names="$1" --kube.pods-dir="$PODS" 2>"$T/read.err"; _rc=$?
	cat "$T/read.err"; return $_rc
}

tcase 'the loader runs kube.yaml and writes its cgroup record, like its manifests' '
	mkdir "$BASE" && start_loader kube --cgroups.record-max=$CAP &&
	wait_for "test -f $REC" 10 && head -n1 "$REC" | grep -qx "# ebpfexp cgroup record 1" &&
	[ "$(stat -c "%a %u %g" "$REC")" = "$(stat -c "%a %u %g" "$STATE/kube.json")" ]'
tcase 'a first reader run, before the workloads exist' 'read_kube kube'
tcase 'a faked node: cgroups of both drivers and three runtimes, a service, docker, odd names' '
	each_path mkdir_p && mkpod default web-1 $U1 nginx && mkpod default web-1 $U1 sidecar &&
	mkdir -p "$T/log/containers" &&
	ln -s "$PODS/default_web-1_$U1/nginx/0.log" "$T/log/containers/web-1_default_nginx-$C1.log" &&
	mkpod kube-system dns-2 $U2 coredns &&
	mkpod shop cart-3 $U3 cart && mkpod shop pay-4 $U4 payments &&
	mkpod "odd\"ns" "po${NL}d-5" $U5 "con\"tainer" && wait_for "each_path recorded" 20'
tcase 'a process has run in each, and every cgroup is removed before the reader runs' '
	each_path run_in && wait_for remove_all 10'
tcase 'the record says they are gone (at most a second or so later)' '
	wait_for "[ \$(awk -F \"\t\" -v b=\"$BASE/\" \"index(\\\$4, b) == 1 && \\\$3 == 0\" $REC | wc -l) = 0 ]" 10'
tcase 'cgroupfs + containerd, two containers (named by kubelet'"'"'s containers/ links): path, namespace, pod and container from the removed cgroup' '
	read_kube kube && series "$P1" nginx default web-1'
tcase 'cgroupfs + CRI-O (one container directory, no link: that one)' 'series "$P2" coredns kube-system dns-2'
tcase 'systemd + containerd' 'series "$P3" cart shop cart-3'
tcase 'systemd + CRI-O' 'series "$P4" payments shop pay-4'
tcase 'systemd + docker, with a quote and a newline in the names: escaped' '
	series "$P5" "con\"tainer" "odd\"ns" "po${NL}d-5"'
tcase 'what is no pod keeps its path and has no workload labels' '
	series "$SVC" "" "" "" && series "$DOCK" "" "" ""'
tcase 'a cgroup name with a quote, a tab and a backslash (the kernel refuses newlines): escaped in the record and in the file' '
	series "$ODD" "" "" "" && promtool check metrics <"$TEXTFILE/ebpfexp_kube.prom"'
tcase 'a path of about 4 KB comes back whole' '[ ${#LONG} -gt 3800 ] && series "$LONG" "" "" ""'
tcase 'the reader remembers them itself from now on' '
	grep -Fq "$C3" "$TEXTFILE/.ebpfexp-read.cgroups"'
tcase 'an id seen nowhere stays unknown_cgroup_id:N, with the record there' '
	printf "%s\n" "$(printf "%016x" $NEVER | sed "s/../& /g" |
		awk "{ for (i = 8; i >= 1; i--) printf \"%s\", \$i; print \"\" }") 3" |
		fill cgmemo cgroup_events_total hash 8 8 8 && write_manifest cgmemo &&
	read_config cgmemo && grep -Fqx "ebpf_exporter_cgroup_events_total{cgroup=\"unknown_cgroup_id:$NEVER\"} 3" \
		"$TEXTFILE/ebpfexp_cgmemo.prom"'
tcase '100k short-lived cgroups: the record stays within its cap and still names the newest' '
	mkdir "$BASE/churn" && perl -e "for (1..100000) { mkdir \"\$ARGV[0]/c\$_\" or die \$!;
		rmdir \"\$ARGV[0]/c\$_\" or die \$! }" "$BASE/churn" && mkdir "$BASE/churn/last" &&
	wait_for "recorded \"$BASE/churn/last\"" 60 && n=$(($(wc -l <"$REC") - 1)) &&
	echo "# $n cgroups in the record" && [ "$n" -le $CAP ] && [ "$n" -gt 0 ] &&
	rmdir "$BASE/churn/last" "$BASE/churn"'
tcase 'the loader is still up; the test cgroups are gone' '
	kill -0 $LOADER_PID && rmdir "$BASE" && ! test -e "$BASE"'
tcase 'a restarted loader keeps the removed cgroups of its record' '
	stop_loader && start_loader kube --cgroups.record-max=$CAP &&
	awk -F "\t" -v p="$BASE/churn/last" "\$4 == p && \$3 > 0 { f = 1 } END { exit !f }" "$REC"'
tcase 'with --unpin, the loader removes its record on exit' '
	stop_loader && start_loader kube --unpin && test -f "$REC" && stop_loader && ! test -e "$REC"'
GROUP=ebpfexp-t4070-$$
as_reader() {	# no capability at all, nobody in GROUP
	setpriv --reuid=65534 --regid=65534 --groups="$(getent group "$GROUP" | cut -d: -f3)" \
		--inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"
}
tcase 'with --bpffs.group, the record is 0640 and the group'"'"'s, as the manifests' '
	groupadd -r "$GROUP" && tcleanup "groupdel $GROUP" && chmod 0711 "$T" &&
	start_loader kube --bpffs.group="$GROUP" &&
	[ "$(stat -c %a:%G "$REC")" = "640:$GROUP" ] &&
	[ "$(stat -c %a:%G "$STATE/kube.json")" = "640:$GROUP" ]'
tcase 'a reader with no capability names a cgroup removed before it ran, from the record' '
	mkdir "$BASE" "$BASE/brief" && wait_for "recorded \"$BASE/brief\"" 10 &&
	run_in "$BASE/brief" && wait_for "rmdir \"$BASE/brief\"" 10 &&
	as_reader "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --config.names=kube \
		--kube.pods-dir="$PODS" --output=- >"$T/unpriv.prom" &&
	grep -Fq "{cgroup=\"$BASE/brief\"," "$T/unpriv.prom" && rmdir "$BASE"'
tdone
