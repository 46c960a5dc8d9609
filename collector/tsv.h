/*
 * tsv: the line format of the small files the reader and the loader keep for each other
 * (the remembered cgroups, the cgroup record, the reader's state): fields split by tabs,
 * with backslash, tab and newline in a field written as \\, \t and \n.
 */
#ifndef EBPFEXP_TSV_H
#define EBPFEXP_TSV_H
#include <stdbool.h>
#include <stdint.h>

struct strbuf;

/* Append @s escaped to @sb (NULL appends nothing). 0 or -ENOMEM. */
int tsv_add_escaped(struct strbuf *sb, const char *s);
/*
 * Undo the escapes of [@s, @end) in place and put a NUL at the new end. False on a tab, a
 * NUL or a stray backslash in the range.
 */
bool tsv_unescape(char *s, char *end);
/* The decimal digits [@s, @end), a '-' in front allowed when @sign, within int64 or uint64. */
bool tsv_parse_num(const char *s, const char *end, bool sign, uint64_t *out);

#endif
