/*
 * decoderkind: names and properties of the decoder kinds, from the one list in
 * decoderkind.h. Which bytes a kind makes of its input is decode's business; this module
 * links no decoder, so the loader and the config parser can use it alone.
 */
#include "decoderkind.h"

#include <stdlib.h>
#include <string.h>

#define DECODERKIND_INFO(kind, n, k, nd)                                                           \
	[DECODER_##kind] = {.name = #n, .keys = (k), .needs = (nd)},
static const struct decoderkind_info kinds[DECODER_N_KINDS] = {[DECODER_UNKNOWN] = {.name = NULL},
							       DECODERKIND_LIST(DECODERKIND_INFO)};
#undef DECODERKIND_INFO

/* names[i] is kind i + 1's name: the list is sorted, so the enum is too. */
#define DECODERKIND_NAME(kind, n, k, nd) #n,
static const char *const names[] = {DECODERKIND_LIST(DECODERKIND_NAME) NULL};
#undef DECODERKIND_NAME

_Static_assert(sizeof(names) / sizeof(names[0]) == DECODER_N_KINDS,
	       "one name per kind, and the NULL that ends the list");

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

enum decoder_kind decoderkind_find(const char *name)
{
	const char *const *found;

	if (!name)
		return DECODER_UNKNOWN;
	found = bsearch(name, names, DECODER_N_KINDS - 1, sizeof(names[0]), name_cmp);
	return found ? (enum decoder_kind)(found - names + 1) : DECODER_UNKNOWN;
}

const struct decoderkind_info *decoderkind_info(enum decoder_kind k)
{
	return &kinds[(unsigned)k < DECODER_N_KINDS ? k : DECODER_UNKNOWN];
}

const char *const *decoderkind_names(void)
{
	return names;
}
