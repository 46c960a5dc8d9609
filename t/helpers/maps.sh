# t/helpers/maps.sh: filling pinned maps for the 3NNN map tests; sourced after t/lib.sh.
#
#   fill CONFIG METRIC TYPE KEY_SIZE VALUE_SIZE MAX_ENTRIES < SPEC   a map at the pin the
#                                         manifest will name (SPEC: see t/helpers/mapfill.c)
#   write_manifest CONFIG                 $STATE/CONFIG.json from t/data/maps/CONFIG.yaml
#   read_config CONFIG                    ebpfexp-read --textfile.dir for that config only
#   same_as_expected CONFIG               diff -u t/data/maps/CONFIG.prom against the output
#   n_cpus                                possible CPUs (the per-CPU slots of a value)

MAPFILL=$BUILD/t/helpers/mapfill
MAPS_DATA=$TOP/t/data/maps
[ -x "$MAPFILL" ] || skip_all "run make first (no $MAPFILL)"

fill() {
	mkdir -p "$BPFFS_ROOT/$1" &&
		"$MAPFILL" create --type="$3" --key-size="$4" --value-size="$5" \
			--max-entries="$6" "$BPFFS_ROOT/$1/$2"
}

write_manifest() {
	"$MAPFILL" manifest "$MAPS_DATA/$1.yaml" "$1" "$STATE" "$BPFFS_ROOT/$1"
}

read_config() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		--config.names="$1"
}

same_as_expected() {
	diff -u "$MAPS_DATA/$1.prom" "$TEXTFILE/ebpfexp_$1.prom"
}

# "0-1" -> 2, "0-3,5" -> 5
n_cpus() {
	awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { split($i, r, "-");
		n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }' \
		/sys/devices/system/cpu/possible
}

# The decoder error count ebpfexp.prom reports for CONFIG.
decoder_errors() {
	sed -n "s/^ebpf_exporter_decoder_errors_total{config=\"$1\"} //p" "$TEXTFILE/ebpfexp.prom"
}
