/*
 * idsearch: lower and upper bounds over sorted u64 ids, the first and the last of equal
 * ids, ids at an offset inside larger elements, and empty arrays.
 */
#include "idsearch.h"

#include <stdint.h>

#include "tap.h"

struct elem {
	uint32_t tag;
	uint64_t id;
	uint32_t seq;
};

static void test_bounds(void)
{
	static const uint64_t a[] = {2, 4, 4, 4, 9, UINT64_MAX};
	const size_t n = sizeof(a) / sizeof(a[0]);

	is_int(idsearch_lower(a, n, 8, 0, 0), 0, "lower bound below every id: 0");
	is_int(idsearch_upper(a, n, 8, 0, 0), 0, "upper bound below every id: 0");
	is_int(idsearch_lower(a, n, 8, 0, 4), 1, "lower bound: the first of equal ids");
	is_int(idsearch_upper(a, n, 8, 0, 4), 4, "upper bound: one past the last of equal ids");
	is_int(idsearch_lower(a, n, 8, 0, 5), 4, "lower bound of an absent id: the next above");
	is_int(idsearch_upper(a, n, 8, 0, 5), 4, "upper bound of an absent id: the same");
	is_int(idsearch_upper(a, n, 8, 0, UINT64_MAX), n, "upper bound of the largest id: n");
	is_int(idsearch_lower(a, n, 8, 0, UINT64_MAX), n - 1, "lower bound of the largest id");
	is_int(idsearch_lower(a, 0, 8, 0, 4), 0, "an empty array: 0 ...");
	is_int(idsearch_upper(NULL, 0, 8, 0, 4), 0, "... also with no array at all");
	ok(idsearch_first(NULL, 0, 8, 0, 4) == NULL && idsearch_last(NULL, 0, 8, 0, 4) == NULL,
	   "nothing is found in an empty array");
}

static void test_elements(void)
{
	struct elem e[] = {
		{0, 3, 0}, {0, 7, 1}, {0, 7, 2}, {0, 7, 3}, {0, 8, 4}, {0, 1ull << 40, 5},
	};
	const size_t n = sizeof(e) / sizeof(e[0]), sz = sizeof(e[0]);
	const size_t off = offsetof(struct elem, id);
	struct elem *p;

	p = idsearch_first(e, n, sz, off, 7);
	ok(p == &e[1], "first: the lowest index of equal ids");
	p = idsearch_last(e, n, sz, off, 7);
	ok(p == &e[3], "last: the highest index of equal ids");
	ok(idsearch_first(e, n, sz, off, 3) == &e[0] && idsearch_last(e, n, sz, off, 3) == &e[0],
	   "the first element is found both ways");
	ok(idsearch_first(e, n, sz, off, 1ull << 40) == &e[5] &&
		   idsearch_last(e, n, sz, off, 1ull << 40) == &e[5],
	   "the last element is found both ways (ids above 32 bits)");
	ok(!idsearch_first(e, n, sz, off, 5) && !idsearch_last(e, n, sz, off, 5),
	   "an id between two is not found");
	ok(!idsearch_first(e, n, sz, off, 2) && !idsearch_last(e, n, sz, off, 2),
	   "an id below all is not found");
	ok(!idsearch_first(e, n, sz, off, 9) && !idsearch_last(e, n, sz, off, 9),
	   "an id above all is not found");
	ok(idsearch_last(e, 3, sz, off, 7) == &e[2], "only the first @n elements are searched");
}

int main(void)
{
	test_bounds();
	test_elements();
	return done_testing();
}
