/*
 * Unit tests for collector/decoderkind.c: names resolve to kinds and back, the names are
 * sorted (the order of "did you mean" and "expected one of"), every ebpf_exporter decoder
 * is known, and the properties the parser and the loader ask for are the right ones.
 */
#include "decoderkind.h"

#include <stdbool.h>
#include <string.h>

#include "tap.h"

/* ebpf_exporter's decoders (reference §2.6): configs written for it must parse. */
static const char *const upstream[] = {
	"cgroup",     "dname",	"errno",      "hex",	   "ifname",	 "inet_ip",
	"kstack",     "ksym",	"majorminor", "pci_class", "pci_device", "pci_subclass",
	"pci_vendor", "regexp", "static_map", "string",	   "syscall",	 "uint",
};

static void test_names(void)
{
	const char *const *names = decoderkind_names();
	bool sorted = true, round_trip = true, known = true;
	size_t n = 0;

	for (; names[n]; n++) {
		if (n && strcmp(names[n - 1], names[n]) >= 0)
			sorted = false;
		if (decoderkind_find(names[n]) != (enum decoder_kind)(n + 1) ||
		    strcmp(decoderkind_info(decoderkind_find(names[n]))->name, names[n]))
			round_trip = false;
	}
	ok(sorted, "decoder names are sorted");
	is_int(n, DECODER_N_KINDS - 1, "one name for every kind, then NULL");
	ok(round_trip, "every name finds its kind, in enum order, and the kind its name");
	for (size_t i = 0; i < sizeof(upstream) / sizeof(upstream[0]); i++)
		if (decoderkind_find(upstream[i]) == DECODER_UNKNOWN)
			known = false;
	ok(known, "every decoder of ebpf_exporter is a kind");
	is_int(decoderkind_find("uint"), DECODER_UINT, "uint is DECODER_UINT");
	is_int(decoderkind_find("cgroup"), DECODER_CGROUP, "the first name is the first kind");
	ok(decoderkind_find("stirng") == DECODER_UNKNOWN &&
		   decoderkind_find("") == DECODER_UNKNOWN &&
		   decoderkind_find(NULL) == DECODER_UNKNOWN &&
		   decoderkind_find("UINT") == DECODER_UNKNOWN &&
		   decoderkind_find("uint ") == DECODER_UNKNOWN,
	   "misspellings, case, spaces, empty and NULL are unknown");
}

static void test_properties(void)
{
	bool others_plain = true;

	is_int(decoderkind_info(DECODER_STATIC_MAP)->keys,
	       DECODER_KEY_STATIC_MAP | DECODER_KEY_ALLOW_UNKNOWN,
	       "static_map takes static_map and allow_unknown");
	is_int(decoderkind_info(DECODER_REGEXP)->keys, DECODER_KEY_REGEXPS, "regexp takes regexps");
	is_int(decoderkind_info(DECODER_KSYM)->needs, DECODER_NEEDS_KALLSYMS,
	       "ksym needs the symbol snapshot");
	is_int(decoderkind_info(DECODER_KSTACK)->needs, DECODER_NEEDS_KALLSYMS, "kstack too");
	is_int(decoderkind_info(DECODER_CGROUP)->needs, DECODER_NEEDS_CGROUP_IDS,
	       "cgroup needs the cgroup record");
	for (int k = DECODER_UNKNOWN + 1; k < DECODER_N_KINDS; k++) {
		const struct decoderkind_info *info = decoderkind_info((enum decoder_kind)k);

		if (k != DECODER_STATIC_MAP && k != DECODER_REGEXP && info->keys)
			others_plain = false;
		if (k != DECODER_KSYM && k != DECODER_KSTACK && k != DECODER_CGROUP && info->needs)
			others_plain = false;
	}
	ok(others_plain, "no other kind takes keys or needs anything of the loader");
	ok(decoderkind_info(DECODER_UNKNOWN)->name == NULL &&
		   !decoderkind_info(DECODER_UNKNOWN)->keys &&
		   !decoderkind_info(DECODER_UNKNOWN)->needs,
	   "DECODER_UNKNOWN has no name and no properties");
	ok(decoderkind_info(DECODER_N_KINDS) == decoderkind_info(DECODER_UNKNOWN) &&
		   decoderkind_info((enum decoder_kind) - 1) == decoderkind_info(DECODER_UNKNOWN),
	   "a value out of range is DECODER_UNKNOWN");
}

int main(void)
{
	test_names();
	test_properties();
	return done_testing();
}
