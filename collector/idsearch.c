/* idsearch: lower and upper bound over u64 ids at a fixed offset of each element. */
#include "idsearch.h"

#include <string.h>

static const char *elem(const void *base, size_t size, size_t i)
{
	return (const char *)base + i * size;
}

static uint64_t id_at(const void *base, size_t size, size_t off, size_t i)
{
	uint64_t v;

	memcpy(&v, elem(base, size, i) + off, sizeof(v));
	return v;
}

size_t idsearch_lower(const void *base, size_t n, size_t size, size_t off, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (id_at(base, size, off, mid) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t idsearch_upper(const void *base, size_t n, size_t size, size_t off, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (id_at(base, size, off, mid) <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *idsearch_first(const void *base, size_t n, size_t size, size_t off, uint64_t id)
{
	size_t i = idsearch_lower(base, n, size, off, id);

	return i < n && id_at(base, size, off, i) == id ? (void *)elem(base, size, i) : NULL;
}

void *idsearch_last(const void *base, size_t n, size_t size, size_t off, uint64_t id)
{
	size_t i = idsearch_upper(base, n, size, off, id);

	return i && id_at(base, size, off, i - 1) == id ? (void *)elem(base, size, i - 1) : NULL;
}
