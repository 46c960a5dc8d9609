/*
 * fuzz/decode: any decoder chain over any key bytes gives a value, DECODE_SKIP or an error
 * with a message, never a crash, a leak or a read outside the key; decoding the same bytes
 * again with the warmed-up context gives the same answer.
 *
 * Input: byte 0 picks the chain length (1-4) and flags, then one byte per decoder picks
 * its name (every registered decoder, plus one unknown name) and, for regexp and
 * static_map, one of a few fixed specs; the rest is the key. Lookup sources are the
 * fixtures in t/data/decode/ and t/fuzz/data/ (found from the executable's path, or
 * from $EBPFEXP_TOP), so a run does not depend on this machine's kallsyms or cgroups.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "fuzz.h"

#define MAX_CHAIN 4

static char *const regexps_word[] = {"^(\\w+)_.*$", "^([a-z]+)"};
static char *const regexps_groups[] = {"foo", "(a)(b)", "^(x)?$"};
static char *const regexps_utf8[] = {"[\\x{100}-\\x{10ffff}]+",
				     "(?i)stra\xc3\x9f"
				     "e",
				     "."};
static char *const regexps_empty[] = {"^$", ""};
static char *const regexps_backtrack[] = {"(a+)+$", "(x+x+)+y"};
static char *const regexps_re2_rejects[] = {"(?=x)", "a{1001}", "\\v(\\d)"};
static char *const regexps_bad[] = {"(", "[z-a]"};

static const struct {
	char *const *p;
	size_t n;
	bool present;
} regexp_specs[] = {
	{regexps_word, 2, true},
	{regexps_groups, 3, true},
	{regexps_utf8, 3, true},
	{regexps_empty, 2, true},
	{regexps_backtrack, 2, true},
	{regexps_re2_rejects, 3, true},
	{regexps_bad, 2, true},
	{NULL, 0, true},
	{NULL, 0, false},
};

static struct config_static_entry map_numbers[] = {
	{"1", "one"}, {"2", "two"}, {"0x10", "sixteen"}, {"", "empty"}, {"-1", ""},
};
static struct config_static_entry map_dups[] = {
	{"a", "first"},
	{"a", "second"},
	{"b", NULL},
	{NULL, "no key"},
	{"\xff\xfe", "invalid utf-8 key"},
};

static const struct {
	struct config_static_entry *e;
	size_t n;
	bool present;
} static_specs[] = {
	{map_numbers, 5, true},
	{map_dups, 5, true},
	{NULL, 0, true},
	{NULL, 0, false},
};

#define N_REGEXP_SPECS (sizeof(regexp_specs) / sizeof(regexp_specs[0]))
#define N_STATIC_SPECS (sizeof(static_specs) / sizeof(static_specs[0]))

static char top[PATH_MAX];
static char kallsyms[PATH_MAX + 64], partitions[PATH_MAX + 64], pci_ids[PATH_MAX + 64];
static char cgroup_root[PATH_MAX + 64];
static const char *const *names;
static size_t n_names;
static bool verbose; /* $FUZZ_VERBOSE: print each result (for reading a finding) */

/* The source tree: $EBPFEXP_TOP, or two levels above build/fuzz/NAME. */
static void find_top(void)
{
	const char *env = getenv("EBPFEXP_TOP");
	ssize_t n;

	if (env) {
		snprintf(top, sizeof(top), "%s", env);
	} else {
		n = readlink("/proc/self/exe", top, sizeof(top) - 1);
		top[n > 0 ? n : 0] = '\0';
		for (int up = 0; up < 3; up++) {
			char *slash = strrchr(top, '/');

			if (slash)
				*slash = '\0';
		}
		if (!top[0])
			snprintf(top, sizeof(top), ".");
	}
	snprintf(kallsyms, sizeof(kallsyms), "%s/t/data/decode/kallsyms", top);
	snprintf(partitions, sizeof(partitions), "%s/t/data/decode/partitions", top);
	snprintf(pci_ids, sizeof(pci_ids), "%s/t/data/decode/pci.ids", top);
	snprintf(cgroup_root, sizeof(cgroup_root), "%s/t/fuzz/data/cgroup", top);
	if (access(kallsyms, R_OK) || access(cgroup_root, R_OK)) {
		fprintf(stderr, "fuzz/decode: fixtures not found under %s (set EBPFEXP_TOP)\n",
			top);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_opts opts;
	struct config_decoder *decs;
	struct config_label label = {0};
	struct decode_ctx *ctx = NULL;
	struct strbuf out = {0}, again = {0};
	struct diag d = {0};
	size_t n, i, errors_before;
	uint8_t *key;
	size_t key_len;
	int err, err2;

	if (!names) {
		find_top();
		names = decoderkind_names();
		verbose = getenv("FUZZ_VERBOSE") != NULL;
		while (names[n_names])
			n_names++;
	}
	if (size < 2)
		return 0;
	n = 1 + (data[0] & 3);
	if (size < 1 + n)
		return 0;
	/* A fresh allocation per input: the regexp cache is keyed by the spec's address. */
	decs = calloc(n, sizeof(*decs));
	FUZZ_ASSERT(decs, "out of memory");
	for (i = 0; i < n; i++) {
		uint8_t b = data[1 + i];
		size_t which = b % (n_names + 1);

		decs[i].name = which < n_names ? (char *)names[which] : "no_such_decoder";
		decs[i].kind = decoderkind_find(decs[i].name);
		decs[i].allow_unknown = data[0] & (0x10 << (i & 3));
		if (decs[i].kind == DECODER_REGEXP) {
			size_t s = (b / (n_names + 1)) % N_REGEXP_SPECS;

			decs[i].has_regexps = regexp_specs[s].present;
			decs[i].regexps = (char **)regexp_specs[s].p;
			decs[i].n_regexps = regexp_specs[s].n;
		} else if (decs[i].kind == DECODER_STATIC_MAP) {
			size_t s = (b / (n_names + 1)) % N_STATIC_SPECS;

			decs[i].has_static_map = static_specs[s].present;
			decs[i].static_map = static_specs[s].e;
			decs[i].n_static = static_specs[s].n;
		}
	}
	/* An exact-size copy of the key, so that ASan sees a read past its end. */
	key_len = size - 1 - n;
	key = malloc(key_len ? key_len : 1);
	FUZZ_ASSERT(key, "out of memory");
	memcpy(key, data + 1 + n, key_len);
	label.name = "l";
	label.size = (uint32_t)key_len;
	label.n_decoders = n;
	label.decoders = decs;

	opts = (struct decode_opts){
		.kallsyms_path = kallsyms,
		.partitions_path = partitions,
		.pci_ids_path = pci_ids,
		.cgroup_root = cgroup_root,
		/* unused while cgroup_root is set; a file that is no mountinfo if it were not */
		.mountinfo_path = partitions,
	};
	FUZZ_ASSERT(decode_ctx_new(&ctx, &opts) == 0, "decode_ctx_new failed");

	errors_before = d.n_errors;
	err = decode_label(ctx, &label, key, key_len, &out, &d);
	FUZZ_ASSERT(err == 0 || err == DECODE_SKIP || err == DECODE_COUNTED || err < 0,
		    "decode_label returned %d", err);
	/* counted: the label stands, and the error has a message */
	if (err == DECODE_COUNTED)
		FUZZ_ASSERT(d.n_errors > errors_before, "a counted error without a message");
	if (err < 0) {
		FUZZ_ASSERT(d.n_errors > errors_before, "error %d without a message", err);
		FUZZ_ASSERT(out.len == 0, "an error left a value behind");
	}
	if (verbose) {
		fprintf(stderr, "chain");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", decs[i].name);
		fprintf(stderr, ": %d \"%s\" %s\n", err, strbuf_str(&out),
			err < 0 ? diag_last(&d) : "");
	}
	if (out.len)
		FUZZ_ASSERT(strlen(out.buf) <= out.len, "strbuf not NUL-terminated");

	/* Warm: the same answer again. */
	err2 = decode_label(ctx, &label, key, key_len, &again, &d);
	FUZZ_ASSERT(err2 == err, "second decode returned %d, first %d", err2, err);
	FUZZ_ASSERT(again.len == out.len && (!out.len || !memcmp(again.buf, out.buf, out.len)),
		    "second decode gave another value");

	/* The config-time check of the same chain. */
	errors_before = d.n_errors;
	if (decode_check_label(&label, &d) < 0)
		FUZZ_ASSERT(d.n_errors > errors_before, "decode_check_label failed silently");

	decode_ctx_free(ctx);
	strbuf_release(&again);
	strbuf_release(&out);
	diag_release(&d);
	free(key);
	free(decs);
	return 0;
}
