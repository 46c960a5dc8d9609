#!/bin/sh
# 6030: the worked example of README.md ("Writing your own program and config") builds,
# passes --config.check, loads, and gives the metric the README shows
. "${0%/*}/lib.sh"
use_binary_copies
need ROOT BPF BUILD
command -v clang >/dev/null || skip_all "needs clang"

EX=$T/example
mkdir -p "$EX/configs"

# block LANG: the first fenced block of LANG in the README's section on writing programs
block() {
	awk -v lang="$1" '
		/^## / { in_sec = ($0 == "## Writing your own program and config") }
		in_sec && !done && $0 == "```" lang { on = 1; next }
		on && $0 == "```" { on = 0; done = 1 }
		on' "$TOP/README.md"
}

ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
tcase 'the README has the C program and the YAML config' \
	'block c > "$EX/signals.bpf.c" && block yaml > "$EX/configs/signals.yaml" &&
	 grep -q "SEC(\"tp_btf/signal_generate\")" "$EX/signals.bpf.c" &&
	 grep -q "name: signals_total" "$EX/configs/signals.yaml"'
tcase 'the program builds as the Makefile builds bpf/*.bpf.c' \
	'clang -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -I"$BUILD" -I"$TOP/bpf" -Wall -Werror \
		$("$TOP"/scripts/clang-bpf-sys-includes) \
		-c "$EX/signals.bpf.c" -o "$EX/signals.bpf.o"'
tcase 'ebpfexp-load --config.check passes' \
	'"$LOAD" --config.check --config.dir="$EX/configs" --bpf.dir="$EX" --config.names=signals \
		--log.no-timestamps'
tcase 'the loader loads and attaches it' \
	'CONFIG_DIR=$EX/configs BPF_DIR=$EX start_loader signals &&
	 jq -e "all(.programs[]; .attached)" "$STATE/signals.json"'
tcase 'signals are counted by name, as the README shows' \
	'sh -c "kill -TERM \$\$"; sh -c "kill -TERM \$\$"
	 "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --config.names=signals \
		--format=prom > "$T/out" &&
	 grep "^ebpf_exporter_signals_total{signal=\"SIGTERM\"} [1-9]" "$T/out" &&
	 grep -q "^ebpf_exporter_signals_total{signal=\"SIGCHLD\"} [1-9]" "$T/out"'
tcase 'the loader stops cleanly' 'stop_loader'
tdone
