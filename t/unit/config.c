/*
 * config: every bad config gets exactly one message, naming file:line:col, the metric and
 * field, what was expected and, where it helps, the nearest valid word; good configs parse
 * into the expected model.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"
#include "tap.h"

struct bad_case {
	const char *title;
	const char *yaml;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{"an empty file", "", "t.yaml:1:1: empty config (expected a mapping with \"metrics\")"},
	{"a file with only a comment", "# nothing here\n",
	 "t.yaml:1:1: empty config (expected a mapping with \"metrics\")"},
	{"a list at the top", "- metrics\n",
	 "t.yaml:1:1: expected a mapping with \"metrics\", got a list"},
	{"a YAML syntax error",
	 "metrics:\n"
	 "  counters: [\n",
	 "t.yaml:3:1: YAML: did not find expected node content (while parsing a flow node at "
	 "3:1)"},
	{"a tab used for indentation",
	 "metrics:\n"
	 "\tcounters: []\n",
	 "t.yaml:2:1: YAML: found character that cannot start any token (while scanning for "
	 "the next token at 2:1)"},
	{"invalid UTF-8",
	 "metrics:\n"
	 "  counters: []\n"
	 "# \xff"
	 "\n",
	 "t.yaml:3:3: YAML: invalid leading UTF-8 octet"},
	{"no metrics at all", "kaddrs: [foo]\n",
	 "t.yaml:1:1: no metrics (expected \"metrics\" with \"counters\" or \"histograms\")"},
	{"metrics without counters or histograms", "metrics: {}\n",
	 "t.yaml:1:10: no metrics (expected \"metrics\" with \"counters\" or \"histograms\")"},
	{"a duplicate top-level key",
	 "metrics:\n"
	 "  counters: []\n"
	 "metrics: {}\n",
	 "t.yaml:3:1: duplicate key \"metrics\" (first at 1:1)"},
	{"an unknown top-level key",
	 "metrics:\n"
	 "  counters: []\n"
	 "kaddr: [x]\n",
	 "t.yaml:3:1: unknown key \"kaddr\" (did you mean \"kaddrs\"?)"},
	{"an unknown key under metrics",
	 "metrics:\n"
	 "  counters: []\n"
	 "  gauges: []\n",
	 "t.yaml:3:3: metrics: unknown key \"gauges\" (expected one of: counters, histograms)"},
	{"a non-scalar key",
	 "metrics:\n"
	 "  counters: []\n"
	 "? [a]\n"
	 ": b\n",
	 "t.yaml:3:3: expected a key name, got a list"},
	{"counters as a mapping",
	 "metrics:\n"
	 "  counters: {}\n",
	 "t.yaml:2:13: metrics: counters: expected a list of counters, got a mapping"},
	{"metrics as a list",
	 "metrics: [counters]\n"
	 "tracing: {}\n",
	 "t.yaml:1:10: metrics: expected a mapping with counters and histograms, got a list"},
	{"a counter that is a scalar",
	 "metrics:\n"
	 "  counters:\n"
	 "    - foo\n",
	 "t.yaml:3:7: counters[0]: expected a mapping with name, help and labels, got \"foo\""},
	{"a counter without a name",
	 "metrics:\n"
	 "  counters:\n"
	 "    - help: h\n",
	 "t.yaml:3:7: counters[0]: missing \"name\" (the metric and map name)"},
	{"a counter without help",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n",
	 "t.yaml:3:7: metric \"c\": missing \"help\" (the HELP text for Prometheus)"},
	{"an empty help",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: \"\"\n",
	 "t.yaml:4:13: metric \"c\": help: expected a non-empty HELP text, got an empty string"},
	{"help as a list",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: [a]\n",
	 "t.yaml:4:13: metric \"c\": help: expected a non-empty HELP text, got a list"},
	{"a name that is no metric name",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: bad-name\n"
	 "      help: h\n",
	 "t.yaml:3:13: metric \"bad-name\": name: not a valid metric name (letters, digits and "
	 "_, not starting with a digit; it is also the map name)"},
	{"a name starting with a digit",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: 1x\n"
	 "      help: h\n",
	 "t.yaml:3:13: metric \"1x\": name: not a valid metric name (letters, digits and _, "
	 "not starting with a digit; it is also the map name)"},
	{"a built-in metric name",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: decoder_errors_total\n"
	 "      help: h\n",
	 "t.yaml:3:13: metric \"decoder_errors_total\": name: "
	 "ebpf_exporter_decoder_errors_total is a built-in metric"},
	{"a metric name used twice",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "  histograms:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:7: metric \"c\": defined twice (first at 3:7)"},
	{"a misspelt key",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      hlep: x\n",
	 "t.yaml:5:7: metric \"c\": unknown key \"hlep\" (did you mean \"help\"?)"},
	{"an unknown key with nothing near",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      colour: red\n",
	 "t.yaml:5:7: metric \"c\": unknown key \"colour\" (expected one of: name, help, "
	 "labels, perf_event_array, flush_interval)"},
	{"a histogram key in a counter",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n",
	 "t.yaml:5:7: metric \"c\": bucket_type: a histogram setting, not valid for a counter"},
	{"a counter key in a histogram",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      perf_event_array: true\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:7:7: metric \"h\": perf_event_array: a counter setting, not valid for a "
	 "histogram"},
	{"a duplicate key in a metric",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      help: again\n",
	 "t.yaml:5:7: metric \"c\": duplicate key \"help\" (first at 4:7)"},
	{"labels as a mapping",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels: {}\n",
	 "t.yaml:5:15: metric \"c\": labels: expected a list of labels, got a mapping"},
	{"a label that is a scalar",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - cpu\n",
	 "t.yaml:6:11: metric \"c\": labels[0]: expected a mapping with name, size and "
	 "decoders, got \"cpu\""},
	{"a label without a name",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - size: 4\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:11: metric \"c\": labels[0]: missing \"name\" (the Prometheus label name)"},
	{"a label name with a dash",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: op-code\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:6:17: metric \"c\": label \"op-code\": name: not a valid label name (letters, "
	 "digits and _, not starting with a digit)"},
	{"a label name reserved by Prometheus",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: __x\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:6:17: metric \"c\": label \"__x\": name: label names starting with __ are "
	 "reserved by Prometheus"},
	{"a label without size",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:6:11: metric \"c\": label \"a\": missing \"size\" (bytes of the map key this "
	 "label decodes)"},
	{"a zero size",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 0\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:7:17: metric \"c\": label \"a\": size: expected a positive number of bytes, "
	 "got \"0\""},
	{"a negative size",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: -4\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:7:17: metric \"c\": label \"a\": size: expected a positive number of bytes, "
	 "got \"-4\""},
	{"a quoted size",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: \"4\"\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:7:17: metric \"c\": label \"a\": size: expected a positive number of bytes, "
	 "got the quoted string \"4\""},
	{"a fractional size",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4.5\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:7:17: metric \"c\": label \"a\": size: expected a positive number of bytes, "
	 "got \"4.5\""},
	{"a size with a leading zero",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 010\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:7:17: metric \"c\": label \"a\": size: expected a positive number of bytes, "
	 "got \"010\""},
	{"a size beyond any key",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 100000\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:7:17: metric \"c\": label \"a\": size: 100000 is more than 65536 bytes"},
	{"a negative padding",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          padding: -1\n"
	 "          decoders:\n"
	 "          - name: uint\n",
	 "t.yaml:8:20: metric \"c\": label \"a\": padding: expected a number of bytes (0 or "
	 "more), got \"-1\""},
	{"a label without decoders",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n",
	 "t.yaml:6:11: metric \"c\": label \"a\": no decoders (list at least one, e.g. - name: "
	 "uint)"},
	{"reuse on the first label",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          reuse: true\n"
	 "          decoders: [{name: uint}]\n",
	 "t.yaml:6:11: metric \"c\": label \"a\": reuse: true, but no label before it has key "
	 "bytes to reuse (give the first label a size)"},
	{"reuse with a size",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 8\n"
	 "          decoders: [{name: uint}]\n"
	 "        - name: b\n"
	 "          reuse: true\n"
	 "          size: 8\n"
	 "          decoders: [{name: uint}]\n",
	 "t.yaml:11:17: metric \"c\": label \"b\": size: a label with reuse: true decodes the "
	 "bytes of the label before it and has no size of its own (remove size)"},
	{"reuse with padding",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 8\n"
	 "          decoders: [{name: uint}]\n"
	 "        - name: b\n"
	 "          reuse: true\n"
	 "          padding: 4\n"
	 "          decoders: [{name: uint}]\n",
	 "t.yaml:11:20: metric \"c\": label \"b\": padding: a label with reuse: true takes no "
	 "key bytes, so it has no padding (put it on the label whose bytes it reuses)"},
	{"reuse that is no boolean",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 8\n"
	 "          decoders: [{name: uint}]\n"
	 "        - name: b\n"
	 "          reuse: previous\n"
	 "          decoders: [{name: uint}]\n",
	 "t.yaml:10:18: metric \"c\": label \"b\": reuse: expected true or false, got "
	 "\"previous\""},
	{"reuse on a last label named cpu",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 8\n"
	 "          decoders: [{name: uint}]\n"
	 "        - name: cpu\n"
	 "          reuse: true\n"
	 "          decoders: [{name: uint}]\n",
	 "t.yaml:9:11: metric \"c\": label \"cpu\": reuse: true on a last label named cpu (on "
	 "per-CPU maps it is the CPU number; rename it or move it)"},
	{"reuse on a histogram's bucket label",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 8\n"
	 "          decoders: [{name: uint}]\n"
	 "        - name: bucket\n"
	 "          reuse: true\n"
	 "          decoders: [{name: uint}]\n",
	 "t.yaml:11:11: metric \"h\": label \"bucket\": reuse: true on the bucket label (the "
	 "last label of a histogram must have its own key bytes)"},
	{"an empty decoder list",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders: []\n",
	 "t.yaml:8:21: metric \"c\": label \"a\": no decoders (list at least one, e.g. - name: "
	 "uint)"},
	{"decoders as a mapping",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "            name: uint\n",
	 "t.yaml:9:13: metric \"c\": label \"a\": decoders: expected a list of decoders, got a "
	 "mapping"},
	{"a misspelt decoder",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: stirng\n",
	 "t.yaml:9:19: metric \"c\": label \"a\": unknown decoder \"stirng\" (did you mean "
	 "\"string\"?)"},
	{"an unknown decoder",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: foobar\n",
	 "t.yaml:9:19: metric \"c\": label \"a\": unknown decoder \"foobar\" (expected one of: "
	 "cgroup, container_id, dname, errno, hex, ifname, inet_ip, kstack, ksym, "
	 "kube_container, kube_namespace, kube_pod, kube_pod_uid, majorminor, pci_class, "
	 "pci_device, pci_subclass, pci_vendor, regexp, static_map, string, syscall, "
	 "systemd_unit, uint)"},
	{"a decoder without a name",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - static_map: {}\n",
	 "t.yaml:9:13: metric \"c\": label \"a\": decoders[0]: missing \"name\" (the decoder, "
	 "e.g. uint)"},
	{"an unknown key in a decoder",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: static_map\n"
	 "            allow_unkown: true\n"
	 "            static_map: {}\n",
	 "t.yaml:10:13: metric \"c\": label \"a\": decoder \"static_map\": unknown key "
	 "\"allow_unkown\" (did you mean \"allow_unknown\"?)"},
	{"static_map on a uint decoder",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n"
	 "            static_map:\n"
	 "              1: a\n",
	 "t.yaml:11:15: metric \"c\": label \"a\": decoder \"uint\": static_map: only the "
	 "static_map decoder takes a static_map"},
	{"allow_unknown on a uint decoder",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n"
	 "            allow_unknown: true\n",
	 "t.yaml:10:28: metric \"c\": label \"a\": decoder \"uint\": allow_unknown: only the "
	 "static_map decoder takes allow_unknown"},
	{"regexps on a string decoder",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: string\n"
	 "            regexps: [a]\n",
	 "t.yaml:10:22: metric \"c\": label \"a\": decoder \"string\": regexps: only the "
	 "regexp decoder takes regexps"},
	{"a regexp decoder without regexps",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: regexp\n",
	 "t.yaml:9:13: metric \"c\": label \"a\": decoder \"regexp\": missing \"regexps\" (a "
	 "list of patterns; a value none matches drops the sample)"},
	{"regexps as a string",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: regexp\n"
	 "            regexps: ^a\n",
	 "t.yaml:10:22: metric \"c\": label \"a\": decoder \"regexp\": regexps: expected a "
	 "list of regular expressions, got \"^a\""},
	{"allow_unknown that is not a bool",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n"
	 "          - name: static_map\n"
	 "            allow_unknown: maybe\n"
	 "            static_map: {}\n",
	 "t.yaml:11:28: metric \"c\": label \"a\": decoder \"static_map\": allow_unknown: "
	 "expected true or false, got \"maybe\""},
	{"static_map as a list",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: static_map\n"
	 "            static_map: [a, b]\n",
	 "t.yaml:10:25: metric \"c\": label \"a\": decoder \"static_map\": static_map: "
	 "expected a mapping of key text to label value, got a list"},
	{"a duplicate static_map key",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: static_map\n"
	 "            static_map:\n"
	 "              1: a\n"
	 "              1: b\n",
	 "t.yaml:12:15: metric \"c\": label \"a\": decoder \"static_map\": static_map: "
	 "duplicate key \"1\" (first at 11:15)"},
	{"a static_map value that is a list",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: static_map\n"
	 "            static_map:\n"
	 "              1: [a]\n",
	 "t.yaml:11:18: metric \"c\": label \"a\": decoder \"static_map\": static_map: \"1\": "
	 "expected a label value, got a list"},
	{"a label name used twice",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      labels:\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n"
	 "        - name: a\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:10:11: metric \"c\": label \"a\": defined twice (first at 6:11)"},
	{"perf_event_array that is not a bool",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      perf_event_array: 1\n",
	 "t.yaml:5:25: metric \"c\": perf_event_array: expected true or false, got \"1\""},
	{"flush_interval without perf_event_array",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      flush_interval: 30s\n",
	 "t.yaml:5:23: metric \"c\": flush_interval: only used with perf_event_array: true"},
	{"a flush_interval that is no duration",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      perf_event_array: true\n"
	 "      flush_interval: 5 min\n",
	 "t.yaml:6:23: metric \"c\": flush_interval: expected a duration such as 30s, 5m or "
	 "1h30m, got \"5 min\""},
	{"a negative flush_interval",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "      perf_event_array: true\n"
	 "      flush_interval: -1s\n",
	 "t.yaml:6:23: metric \"c\": flush_interval: expected a duration such as 30s, 5m or "
	 "1h30m, got \"-1s\""},
	{"a histogram without bucket_type",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_max: 3\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:3:7: metric \"h\": missing \"bucket_type\" (one of: exp2, exp2zero, linear, "
	 "fixed)"},
	{"a misspelt bucket_type",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp3\n"
	 "      bucket_max: 3\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:5:20: metric \"h\": unknown bucket_type \"exp3\" (did you mean \"exp2\"?)"},
	{"an unknown bucket_type",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: log10\n"
	 "      bucket_max: 3\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:5:20: metric \"h\": unknown bucket_type \"log10\" (expected one of: exp2, "
	 "exp2zero, linear, fixed)"},
	{"bucket_max not above bucket_min",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_min: 5\n"
	 "      bucket_max: 5\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:7:19: metric \"h\": bucket_max (5) must be greater than bucket_min (5)"},
	{"a dynamic histogram without bucket_max",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: linear\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:3:7: metric \"h\": missing \"bucket_max\" (the last bucket key, e.g. 26)"},
	{"a bucket_max that is not an integer",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 2.5\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:19: metric \"h\": bucket_max: expected an integer bucket key, got \"2.5\""},
	{"too many buckets",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: linear\n"
	 "      bucket_min: 0\n"
	 "      bucket_max: 100000\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:7:19: metric \"h\": bucket_max: 0..100000 is more than 65536 buckets"},
	{"fixed without bucket_keys",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: fixed\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:3:7: metric \"h\": missing \"bucket_keys\" (bucket_type fixed needs a list of "
	 "bucket keys)"},
	{"fixed with empty bucket_keys",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: fixed\n"
	 "      bucket_keys: []\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:20: metric \"h\": bucket_keys: empty (bucket_type fixed needs at least one "
	 "bucket key)"},
	{"fixed with bucket_min",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: fixed\n"
	 "      bucket_min: 0\n"
	 "      bucket_keys: [1, 2]\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:19: metric \"h\": bucket_min: not used with bucket_type fixed (list "
	 "bucket_keys instead)"},
	{"bucket_keys that do not increase",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: fixed\n"
	 "      bucket_keys: [1, 5, 5]\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:27: metric \"h\": bucket_keys[2]: 5 does not follow 5 (keys must increase)"},
	{"a bucket key that is not a number",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: fixed\n"
	 "      bucket_keys: [1, x]\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:6:24: metric \"h\": bucket_keys[1]: expected a number, got \"x\""},
	{"bucket_keys with exp2",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      bucket_keys: [1]\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:7:20: metric \"h\": bucket_keys: only used with bucket_type fixed"},
	{"a negative bucket_multiplier",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      bucket_multiplier: -1\n"
	 "      labels:\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:7:26: metric \"h\": bucket_multiplier: expected a number (0 or more; 0 means "
	 "1), got \"-1\""},
	{"a histogram without labels",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n",
	 "t.yaml:3:7: metric \"h\": labels: a histogram needs at least one label (the last one "
	 "is the bucket key)"},
	{"a histogram with an empty label list",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      labels: []\n",
	 "t.yaml:7:15: metric \"h\": labels: a histogram needs at least one label (the last "
	 "one is the bucket key)"},
	{"a histogram label named le",
	 "metrics:\n"
	 "  histograms:\n"
	 "    - name: h\n"
	 "      help: h\n"
	 "      bucket_type: exp2\n"
	 "      bucket_max: 3\n"
	 "      labels:\n"
	 "        - name: le\n"
	 "          size: 4\n"
	 "          decoders:\n"
	 "          - name: uint\n"
	 "        - name: bucket\n"
	 "          size: 8\n"
	 "          decoders:\n"
	 "            - name: uint\n",
	 "t.yaml:8:11: metric \"h\": label \"le\": reserved for the histogram bucket bounds"},
	{"kaddrs as a string",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "kaddrs: bpf_jit_current\n",
	 "t.yaml:5:9: kaddrs: expected a list of kernel symbol names, got \"bpf_jit_current\""},
	{"a kaddr listed twice",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "kaddrs:\n"
	 "  - a\n"
	 "  - a\n",
	 "t.yaml:7:5: kaddrs[1]: \"a\" is listed twice"},
	{"a kaddr that is no identifier",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "kaddrs:\n"
	 "  - foo.isra.0\n",
	 "t.yaml:6:5: kaddrs[0]: \"foo.isra.0\" is not a C identifier (the object needs a "
	 "variable kaddr_foo.isra.0)"},
	{"cgroup_id_map as a list",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "cgroup_id_map: [a]\n",
	 "t.yaml:5:16: cgroup_id_map: expected a mapping with name, type and regexps, got a "
	 "list"},
	{"cgroup_id_map without name",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "cgroup_id_map:\n"
	 "  type: hash\n"
	 "  regexps: [a]\n",
	 "t.yaml:6:3: cgroup_id_map: missing \"name\" (the map of interesting cgroup ids)"},
	{"cgroup_id_map with a misspelt type",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "cgroup_id_map:\n"
	 "  name: m\n"
	 "  type: hashh\n"
	 "  regexps: [a]\n",
	 "t.yaml:7:9: cgroup_id_map: unknown type \"hashh\" (did you mean \"hash\"?)"},
	{"cgroup_id_map without regexps",
	 "metrics:\n"
	 "  counters:\n"
	 "    - name: c\n"
	 "      help: h\n"
	 "cgroup_id_map:\n"
	 "  name: m\n",
	 "t.yaml:6:3: cgroup_id_map: missing \"regexps\" (patterns for the cgroup paths to put "
	 "in the map)"},
};

static struct config *parse(const char *yaml, struct diag *d)
{
	struct config *c = NULL;

	diag_clear(d);
	if (config_parse_buf(&c, yaml, strlen(yaml), "t.yaml", "t", d))
		return NULL;
	return c;
}

static void test_bad_configs(void)
{
	struct diag d = {0};

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct config *c = NULL;
		int err;

		diag_clear(&d);
		err = config_parse_buf(&c, bc->yaml, strlen(bc->yaml), "t.yaml", "t", &d);
		if (!ok(err == -EINVAL && !c && d.n_errors == 1, "%s: fails with one error",
			bc->title)) {
			printf("#   err %d, %zu errors\n", err, d.n_errors);
			for (size_t j = 0; j < d.n_msgs; j++)
				printf("#   %s\n", d.msgs[j].text);
		}
		for (size_t j = 0; j < d.n_msgs; j++) {
			if (!d.msgs[j].is_warning) {
				is_str(d.msgs[j].text, bc->msg, "%s: message", bc->title);
				break;
			}
		}
		config_free(c);
	}
	diag_release(&d);
}

static const char biolatency[] = "name: ignored\n"
				 "metrics:\n"
				 "  histograms:\n"
				 "    - name: bio_latency_seconds\n"
				 "      help: Block IO latency histogram\n"
				 "      bucket_type: exp2\n"
				 "      bucket_min: 0\n"
				 "      bucket_max: 27\n"
				 "      bucket_multiplier: 0.000001 # microseconds to seconds\n"
				 "      labels:\n"
				 "        - name: device\n"
				 "          size: 4\n"
				 "          decoders:\n"
				 "            - name: majorminor\n"
				 "        - name: operation\n"
				 "          size: 1\n"
				 "          padding: 3\n"
				 "          decoders:\n"
				 "            - name: uint\n"
				 "            - name: static_map\n"
				 "              allow_unknown: yes\n"
				 "              static_map:\n"
				 "                1: read\n"
				 "                0x10: \"quoted\"\n"
				 "                01: x\n"
				 "                false: f\n"
				 "                3:\n"
				 "                4: ~\n"
				 "        - name: bucket\n"
				 "          size: 8\n"
				 "          decoders:\n"
				 "            - name: uint\n"
				 "  counters:\n"
				 "    - name: bio_ops_total\n"
				 "      help: Block IO operations\n";

static void test_biolatency(void)
{
	static const char *const keys[] = {"1", "0x10", "01", "false", "3", "4"};
	static const char *const values[] = {"read", "quoted", "x", "f", "", ""};
	struct diag d = {0};
	struct config *c = parse(biolatency, &d);
	const struct config_metric *m;
	const struct config_decoder *sm;

	if (!ok(c != NULL, "biolatency parses")) {
		for (size_t j = 0; j < d.n_msgs; j++)
			printf("#   %s\n", d.msgs[j].text);
		diag_release(&d);
		return;
	}
	is_int(d.n_msgs, 0, "biolatency: no warnings");
	is_str(c->name, "t", "the config name comes from the caller, not from name:");
	is_str(c->path, "t.yaml", "the path is kept for messages");
	is_int(c->n_metrics, 2, "two metrics");
	m = &c->metrics[0];
	is_str(m->name, "bio_ops_total", "counters come first, whatever the file order");
	is_int(m->kind, METRIC_COUNTER, "the first metric is a counter");
	is_int(m->n_labels, 0, "the counter has no labels");
	is_int(config_metric_key_size(m), 4, "a label-less counter has a 4-byte key");
	is_int(m->at.line, 34, "counter position: line");
	is_int(m->at.col, 7, "counter position: column");
	m = &c->metrics[1];
	is_str(m->name, "bio_latency_seconds", "the histogram follows");
	is_str(m->help, "Block IO latency histogram", "help text");
	is_int(m->kind, METRIC_HISTOGRAM, "kind histogram");
	is_int(m->bucket_type, HIST_EXP2, "bucket_type exp2");
	is_int(m->bucket_min, 0, "bucket_min");
	is_int(m->bucket_max, 27, "bucket_max");
	ok(m->bucket_multiplier == 0.000001, "bucket_multiplier 1e-6");
	is_int(m->n_labels, 3, "three labels");
	is_int(config_metric_n_exported_labels(m), 2, "the bucket label is not exported");
	is_int(config_metric_key_size(m), 16, "key size is the sum of sizes and paddings");
	is_str(m->labels[1].name, "operation", "label name");
	is_int(m->labels[1].size, 1, "label size");
	is_int(m->labels[1].padding, 3, "label padding");
	is_int(m->labels[1].at.line, 15, "label position: line");
	is_int(m->labels[1].at.col, 11, "label position: column");
	is_int(m->labels[1].n_decoders, 2, "two decoders in the chain");
	is_str(m->labels[1].decoders[0].name, "uint", "first decoder");
	is_int(m->labels[1].decoders[0].kind, DECODER_UINT, "... resolved to its kind");
	sm = &m->labels[1].decoders[1];
	is_str(sm->name, "static_map", "second decoder");
	ok(sm->has_static_map, "static_map present");
	ok(sm->allow_unknown, "allow_unknown: yes is true");
	ok(!sm->has_regexps, "no regexps");
	is_int(sm->n_static, 6, "six static_map entries");
	for (size_t i = 0; i < 6 && i < sm->n_static; i++) {
		is_str(sm->static_map[i].key, keys[i], "static_map key %zu is the literal text", i);
		is_str(sm->static_map[i].value, values[i], "static_map value %zu", i);
	}
	is_int(sm->at.line, 20, "decoder position: line");
	config_free(c);
	diag_release(&d);
}

static void test_counter_settings(void)
{
	static const struct {
		const char *text;
		uint64_t ns;
	} durations[] = {
		{"30s", 30000000000ULL},
		{"1h30m", 5400000000000ULL},
		{"500ms", 500000000ULL},
		{"1.5s", 1500000000ULL},
		{"2m0.5s", 120500000000ULL},
		{"10us", 10000ULL},
		{"0", 0},
		{"3h", 10800000000000ULL},
	};
	struct diag d = {0};
	struct config *c;
	char yaml[512];

	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "metrics:\n  counters:\n    - name: oom_kills_total\n"
			 "      help: OOM kills\n      perf_event_array: true\n"
			 "      flush_interval: %s\n",
			 durations[i].text);
		c = parse(yaml, &d);
		ok(c && c->metrics[0].perf_event_array, "perf_event_array: true");
		ok(c && c->metrics[0].flush_interval_ns == durations[i].ns,
		   "flush_interval %s is %llu ns", durations[i].text,
		   (unsigned long long)durations[i].ns);
		config_free(c);
	}

	c = parse("metrics:\n  counters:\n    - name: e_total\n      help: e\n"
		  "      perf_event_array: true\n      flush_interval: 60\n",
		  &d);
	ok(c && c->metrics[0].flush_interval_ns == 60, "a bare integer is nanoseconds");
	is_int(d.n_errors, 0, "... which is no error");
	is_str(diag_last(&d),
	       "t.yaml:6:23: metric \"e_total\": flush_interval: 60 without a unit means 60 "
	       "nanoseconds [compat] (write e.g. 60s for seconds)",
	       "... but a warning");
	config_free(c);
	diag_release(&d);
}

static void test_other_sections(void)
{
	struct diag d = {0};
	struct config *c;

	c = parse("tracing:\n  spans: []\n", &d);
	ok(c && c->has_tracing && c->n_metrics == 0, "tracing alone is accepted");
	is_int(d.n_errors, 0, "tracing: no error");
	is_str(diag_last(&d),
	       "t.yaml:2:3: tracing: spans are not metrics and a textfile collector cannot "
	       "export them; ignored",
	       "tracing: a warning says it is ignored");
	config_free(c);

	c = parse("metrics:\n  counters: []\n", &d);
	ok(c && c->n_metrics == 0 && d.n_msgs == 0, "an empty counter list is accepted [compat]");
	config_free(c);

	c = parse("metrics:\n  counters:\n    - name: jit_pages\n      help: pages\n"
		  "kaddrs:\n  - bpf_jit_current\n  - init_task\n"
		  "cgroup_id_map:\n  name: cgroup_ids\n  type: cgrp_storage\n"
		  "  regexps:\n    - ^.*(system\\.slice/.*)$\n",
		  &d);
	if (ok(c != NULL, "kaddrs and cgroup_id_map parse")) {
		is_int(c->n_kaddrs, 2, "two kaddrs");
		is_str(c->kaddrs[1].symbol, "init_task", "kaddr symbol");
		is_int(c->kaddrs[1].at.line, 7, "kaddr position");
		is_str(c->cgroup_id_map.name, "cgroup_ids", "cgroup_id_map name");
		is_int(c->cgroup_id_map.type, CGROUP_MAP_CGRP_STORAGE, "cgroup_id_map type");
		is_int(c->cgroup_id_map.n_regexps, 1, "one regexp");
		is_str(c->cgroup_id_map.regexps[0], "^.*(system\\.slice/.*)$", "regexp text");
	}
	config_free(c);

	c = parse("metrics:\n  counters:\n    - name: c\n      help: h\n"
		  "cgroup_id_map:\n  name: ids\n  regexps: []\n",
		  &d);
	ok(c && c->cgroup_id_map.type == CGROUP_MAP_HASH, "cgroup_id_map type defaults to hash");
	config_free(c);
	diag_release(&d);
}

static void test_histogram_kinds(void)
{
	struct diag d = {0};
	struct config *c;

	c = parse("metrics:\n  histograms:\n    - name: sizes\n      help: sizes\n"
		  "      bucket_type: fixed\n      bucket_keys: [1, 2.5, 10, 1e3]\n"
		  "      bucket_multiplier: 2\n"
		  "      labels:\n        - name: bucket\n          size: 8\n"
		  "          decoders:\n            - name: uint\n",
		  &d);
	if (ok(c != NULL, "a fixed histogram parses")) {
		const struct config_metric *m = &c->metrics[0];

		is_int(m->bucket_type, HIST_FIXED, "bucket_type fixed");
		is_int(m->n_bucket_keys, 4, "four bucket keys");
		ok(m->bucket_keys[1] == 2.5 && m->bucket_keys[3] == 1000, "bucket keys as numbers");
		ok(m->bucket_multiplier == 2, "bucket_multiplier 2");
		is_int(config_metric_n_exported_labels(m), 0, "only a bucket label: none exported");
	}
	config_free(c);

	c = parse("metrics:\n  histograms:\n    - name: backlog\n      help: backlog\n"
		  "      bucket_type: exp2zero\n      bucket_min: -2\n      bucket_max: 0x11\n"
		  "      labels:\n        - name: bucket\n          size: 8\n"
		  "          decoders:\n            - name: uint\n",
		  &d);
	ok(c && c->metrics[0].bucket_type == HIST_EXP2ZERO && c->metrics[0].bucket_min == -2 &&
		   c->metrics[0].bucket_max == 17,
	   "exp2zero with a negative bucket_min and a hex bucket_max");
	config_free(c);
	diag_release(&d);
}

static void test_aliases_and_warnings(void)
{
	struct diag d = {0};
	struct config *c;

	c = parse("metrics:\n  counters:\n"
		  "    - name: a_total\n      help: a\n      labels:\n"
		  "        - &op\n          name: op\n          size: 4\n"
		  "          decoders:\n            - name: uint\n"
		  "    - name: b_total\n      help: b\n      labels:\n        - *op\n",
		  &d);
	ok(c && c->n_metrics == 2 && c->metrics[1].n_labels == 1 &&
		   !strcmp(c->metrics[1].labels[0].name, "op"),
	   "an alias reuses a label");
	config_free(c);

	c = parse("metrics:\n  counters:\n    - name: c\n      help: h\n      labels:\n"
		  "        - name: x\n          size: 1\n          decoders:\n"
		  "            - name: static_map\n",
		  &d);
	ok(c && !c->metrics[0].labels[0].decoders[0].has_static_map,
	   "static_map decoder without a map parses");
	is_str(diag_last(&d),
	       "t.yaml:9:15: metric \"c\": label \"x\": decoder \"static_map\": no static_map: "
	       "every value decodes to \"empty mapping\" [compat]",
	       "... with a warning");
	config_free(c);

	{
		struct strbuf y = {0};

		strbuf_addstr(&y, "metrics:\n  counters:\n    - name: c\n      help: h\n"
				  "      labels:\n        - name: x\n          size: 1\n"
				  "          decoders:\n"
				  "            - {name: static_map, static_map: &s {");
		for (int i = 0; i < 500; i++)
			strbuf_addf(&y, "%s%d: v", i ? ", " : "", i);
		strbuf_addstr(&y, "}}\n");
		for (int i = 0; i < 500; i++)
			strbuf_addstr(&y, "            - {name: static_map, static_map: *s}\n");
		c = parse(strbuf_str(&y), &d);
		strbuf_release(&y);
	}
	is_str(d.n_msgs ? d.msgs[0].text : "",
	       "t.yaml:1:1: too many nodes (aliases expanding to more than 200000)",
	       "aliases expanding to too many nodes are refused");
	ok(!c && d.n_errors > 0, "aliases that expand a lot do not hang the parser");
	config_free(c);
	diag_release(&d);
}

static void test_every_problem_reported(void)
{
	static const char *const want[] = {
		"t.yaml:3:7: metric \"bad-name\": missing \"help\" (the HELP text for Prometheus)",
		"t.yaml:3:13: metric \"bad-name\": name: not a valid metric name (letters, digits "
		"and _, not starting with a digit; it is also the map name)",
		"t.yaml:4:7: metric \"bad-name\": unknown key \"hlep\" (did you mean \"help\"?)",
		"t.yaml:7:17: metric \"bad-name\": label \"a\": size: expected a positive number "
		"of "
		"bytes, got \"0\"",
		"t.yaml:9:21: metric \"bad-name\": label \"a\": unknown decoder \"stirng\" (did "
		"you "
		"mean \"string\"?)",
		"t.yaml:11:39: metric \"h\": unknown bucket_type \"exp3\" (did you mean \"exp2\"?)",
		"t.yaml:13:1: unknown key \"kaddr\" (did you mean \"kaddrs\"?)",
	};
	const char *yaml =
		"metrics:\n  counters:\n    - name: bad-name\n      hlep: x\n"
		"      labels:\n        - name: a\n          size: 0\n"
		"          decoders:\n            - name: stirng\n"
		"  histograms:\n    - {name: h, help: h, bucket_type: exp3, bucket_max: 1,\n"
		"       labels: [{name: b, size: 8, decoders: [{name: uint}]}]}\n"
		"kaddr: [x]\n";
	struct diag d = {0};
	struct config *c = parse(yaml, &d);
	size_t n = sizeof(want) / sizeof(want[0]);

	ok(!c, "a config with many problems fails");
	is_int(d.n_errors, n, "every problem is reported, in file order");
	for (size_t i = 0; i < n && i < d.n_msgs; i++)
		is_str(d.msgs[i].text, want[i], "problem %zu", i + 1);
	diag_release(&d);
}

static void test_check_set(void)
{
	struct diag d = {0};
	struct config *a = NULL, *b = NULL, *cc = NULL;
	const char *ya = "metrics:\n  counters:\n    - name: x_total\n      help: x\n";
	const char *yb = "metrics:\n  counters:\n    - name: y_total\n      help: y\n"
			 "    - name: x_total\n      help: x\n";
	const char *yc = "metrics:\n  counters:\n    - name: z_total\n      help: z\n";

	config_parse_buf(&a, ya, strlen(ya), "configs/a.yaml", "a", &d);
	config_parse_buf(&b, yb, strlen(yb), "configs/b.yaml", "b", &d);
	config_parse_buf(&cc, yc, strlen(yc), "configs/c.yaml", "c", &d);
	if (!ok(a && b && cc, "three configs parse"))
		goto out;
	{
		struct config *const set[] = {a, cc};
		struct config *const set2[] = {a, b};

		is_int(config_check_set(set, 2, &d), 0, "distinct metric names pass");
		is_int(config_check_set(set2, 2, &d), -EEXIST,
		       "one metric name in two configs fails");
		is_str(diag_last(&d),
		       "configs/b.yaml:5:7: metric \"x_total\": also defined by config \"a\" at "
		       "configs/a.yaml:3:7 (a metric name must come from one config)",
		       "the message names both places");
	}
out:
	config_free(a);
	config_free(b);
	config_free(cc);
	diag_release(&d);
}

static void test_files(void)
{
	char path[] = "/tmp/ebpfexp-config-XXXXXX";
	struct diag d = {0};
	struct config *c = NULL;
	int fd = mkstemp(path);
	const char *y = "metrics:\n  counters:\n    - name: f_total\n      help: f\n";

	if (!ok(fd >= 0 && write(fd, y, strlen(y)) == (ssize_t)strlen(y), "temp file written"))
		return;
	close(fd);
	is_int(config_parse_file(&c, path, "f", &d), 0, "config_parse_file reads a file");
	ok(c && !strcmp(c->metrics[0].name, "f_total") && !strcmp(c->metrics[0].at.file, path),
	   "positions name the file");
	config_free(c);
	unlink(path);
	is_int(config_parse_file(&c, "/nonexistent/x.yaml", "x", &d), -ENOENT,
	       "a missing file is -ENOENT");
	is_str(diag_last(&d), "/nonexistent/x.yaml: No such file or directory",
	       "... and the message names it");
	diag_release(&d);
}

static void test_words(void)
{
	static const char *const words[] = {"help", "name", "labels", NULL};

	is_str(config_suggest("stirng", decoderkind_names()), "string", "suggest: transposition");
	is_str(config_suggest("hlep", words), "help", "suggest: swapped letters are one edit");
	is_str(config_suggest("lables", words), "labels", "suggest: labels");
	ok(config_suggest("bucket_type", words) == NULL, "suggest: nothing near");
	ok(config_suggest("x", words) == NULL, "suggest: nothing for a stray letter");
	is_str(config_hist_kind_name(HIST_EXP2ZERO), "exp2zero", "hist kind name");
	ok(config_hist_kind_name(HIST_NONE) == NULL, "no name for HIST_NONE");
}

static void test_model_helpers(void)
{
	struct config_label labels[2] = {
		{.name = strdup("pid"), .size = 4, .padding = 4},
		{.name = strdup("cpu"), .size = 2},
	};
	struct config_metric m = {.kind = METRIC_COUNTER, .name = strdup("m")};

	m.labels = malloc(sizeof(labels));
	memcpy(m.labels, labels, sizeof(labels));
	m.n_labels = 2;
	is_int(config_metric_key_size(&m), 10, "key size counts padding");
	is_int(config_metric_n_exported_labels(&m), 2, "a counter exports every label");
	config_metric_release(&m);
	ok(m.name == NULL && m.n_labels == 0, "release leaves an empty metric");
	config_metric_release(NULL);
	config_free(NULL);
	ok(1, "NULL frees do nothing");
}

int main(void)
{
	test_bad_configs();
	test_biolatency();
	test_counter_settings();
	test_other_sections();
	test_histogram_kinds();
	test_aliases_and_warnings();
	test_every_problem_reported();
	test_check_set();
	test_files();
	test_words();
	test_model_helpers();
	return done_testing();
}
