/*
 * idsearch: binary search in an array sorted by a u64 id (ascending, equal ids allowed),
 * such as cgroup ids or kernel addresses. The id is a uint64_t at byte @off of each
 * @size-byte element (offsetof() the member); the element type is the caller's. As with
 * bsearch(), an element found is returned without const: it is the caller's array.
 */
#ifndef EBPFEXP_IDSEARCH_H
#define EBPFEXP_IDSEARCH_H
#include <stddef.h>
#include <stdint.h>

/* The index of the first element whose id is @id or more; @n when there is none. */
size_t idsearch_lower(const void *base, size_t n, size_t size, size_t off, uint64_t id);
/*
 * The index of the first element whose id is more than @id; @n when there is none. The
 * element before it, if any, is the last one whose id is @id or less.
 */
size_t idsearch_upper(const void *base, size_t n, size_t size, size_t off, uint64_t id);
/* The first (lowest index) of the elements whose id is @id, or NULL. */
void *idsearch_first(const void *base, size_t n, size_t size, size_t off, uint64_t id);
/* The last (highest index) of the elements whose id is @id, or NULL. */
void *idsearch_last(const void *base, size_t n, size_t size, size_t off, uint64_t id);

#endif
