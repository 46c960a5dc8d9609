/*
 * fuzz/ksymidx: the reader's side of the symbol index on arbitrary bytes. ksymidx_from_mem()
 * refuses what it cannot use and, on what it accepts, no lookup reads outside the buffer
 * (ASan watches an exact-size copy) and every name it returns ends inside it. The same bytes
 * as kallsyms text: what ksymidx_build() accepts, from_mem() accepts, and each symbol is
 * found again at its own address.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "ksymidx.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookups(const struct ksymidx *ix, const uint8_t *buf, size_t size, const uint8_t *data,
		    size_t n_data)
{
	static const uint64_t edges[] = {0, 1, 0xffffffff81000000ull, UINT64_MAX - 1, UINT64_MAX};
	size_t n = ksymidx_count(ix);
	const char *name;
	uint64_t addr;
	bool exact;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		if (!ksymidx_find(ix, edges[i], &name, &exact) && name)
			FUZZ_ASSERT(name >= (const char *)buf &&
					    name + strlen(name) < (const char *)buf + size,
				    "a name outside the buffer");
	for (size_t off = 0; off + 8 <= n_data && off < 512; off += 8) {
		memcpy(&addr, data + off, 8);
		(void)ksymidx_find(ix, addr, &name, &exact);
	}
	for (size_t i = 0; i < n && i < 4096; i++) {
		name = ksymidx_at(ix, i, &addr);
		if (name)
			FUZZ_ASSERT(name + strlen(name) < (const char *)buf + size,
				    "symbol %zu's name runs past the buffer", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf built = {0};
	struct ksymidx *ix = NULL;
	struct diag d = {0};
	bool all_zero;
	uint8_t *copy;
	int err;

	/* as a mapped file: an exact-size, aligned copy, so that a read past it is seen */
	copy = aligned_alloc(8, size ? (size + 7) / 8 * 8 : 8);
	FUZZ_ASSERT(copy, "out of memory");
	memcpy(copy, data, size);
	err = ksymidx_from_mem(&ix, copy, size, &d);
	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -ENOMEM, "from_mem returned %d", err);
	FUZZ_ASSERT(err || ix, "accepted, but no index");
	FUZZ_ASSERT(!err || d.n_msgs, "refused without a reason");
	if (!err)
		lookups(ix, copy, size, data, size);
	ksymidx_free(ix);
	free(copy);
	diag_clear(&d);

	/* as kallsyms text: built, then accepted, then every symbol found at its address */
	err = ksymidx_build((const char *)data, size, "fuzz", NULL, &built, &all_zero, &d);
	if (!err) {
		ix = NULL;
		err = ksymidx_from_mem(&ix, built.buf, built.len, &d);
		FUZZ_ASSERT(!err, "a built index is refused: %s", diag_last(&d));
		for (size_t i = 0; i < ksymidx_count(ix); i++) {
			const char *name, *at;
			uint64_t addr;
			bool exact;

			at = ksymidx_at(ix, i, &addr);
			FUZZ_ASSERT(at, "a built index has a broken name");
			FUZZ_ASSERT(!ksymidx_find(ix, addr, &name, &exact) && exact && name == at,
				    "symbol %zu is not found at its own address", i);
		}
		ksymidx_free(ix);
	}
	diag_release(&d);
	strbuf_release(&built);
	return 0;
}
