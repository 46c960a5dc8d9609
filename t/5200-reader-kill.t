#!/bin/sh
# 5200: a reader killed at any moment leaves the old file or the new one, never a mix:
# node_exporter never sees a partial or missing file
. "${0%/*}/lib.sh"
need ROOT BPF BUILD NODE_EXPORTER
MAPFILL=$BUILD/t/helpers/mapfill
N=20000
KILLS=200

mkdir -p "$T/configs"
cat > "$T/configs/big.yaml" <<'YAML'
metrics:
  counters:
    - name: big_total
      help: A large counter map for kill tests
      labels:
        - name: id
          size: 8
          decoders:
            - name: uint
YAML
FILE=$TEXTFILE/ebpfexp_big.prom

read_big() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		--metrics.max-series=0 2>/dev/null
}

# complete: HELP + TYPE + N series, and the file ends with a newline
complete() {
	[ "$(wc -l < "$FILE")" = $((N + 2)) ] && [ "$(tail -c1 "$FILE" | od -An -c | tr -d ' ')" = '\n' ]
}

kill_repeatedly() {
	i=0
	while [ $i -lt $KILLS ]; do
		read_big &
		pid=$!
		# a kill at a different point of the run each time (0 to ~40 ms in)
		sleep "0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 40 / 10 ))$(( $(od -An -N1 -tu1 /dev/urandom) % 10 ))"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		complete || { echo "after kill $i: $(wc -l < "$FILE") lines"; return 1; }
		if [ $((i % 20)) = 0 ]; then
			scrape > "$T/scrape" || return 1
			grep -qx "node_textfile_scrape_error 0" "$T/scrape" ||
				{ grep textfile "$T/scrape"; return 1; }
			[ "$(grep -c "^ebpf_exporter_big_total{" "$T/scrape")" = $N ] ||
				{ echo "scrape $i: $(grep -c "^ebpf_exporter_big_total{" "$T/scrape") series"; return 1; }
		fi
		i=$((i + 1))
	done
}

tcase 'a pinned hash map of 20000 counters and its manifest' \
	'mkdir -p "$BPFFS_ROOT/big" &&
	 "$MAPFILL" bulk --type=hash --entries=$N "$BPFFS_ROOT/big/big_total" &&
	 "$MAPFILL" manifest "$T/configs/big.yaml" big "$STATE" "$BPFFS_ROOT/big"'
tcase 'a first full read' 'read_big && complete'
tcase 'node_exporter serves it' \
	'start_node_exporter && scrape | grep -qx "node_textfile_scrape_error 0"'
tcase "$KILLS kill -9 at random points: the file is always whole, node_exporter never errs" \
	'kill_repeatedly'
tcase 'the next run removes the leftover temp files of killed runs' \
	'read_big && complete && ! ls -A "$TEXTFILE" | grep -q "\.tmp\."'
tdone
