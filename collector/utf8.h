/*
 * utf8: validity of UTF-8 sequences (Unicode table 3-7: no overlongs, no surrogates,
 * nothing above U+10FFFF). Shared by the exposition writer, the views and the regexp
 * decoder, which all replace what is not valid with U+FFFD.
 */
#ifndef EBPFEXP_UTF8_H
#define EBPFEXP_UTF8_H
#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER, encoded. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * Length of the valid UTF-8 sequence at @s (reading at most @len >= 1 bytes), or 0 when
 * the first byte does not start one. Inline: it runs for every byte of every label value.
 */
static inline size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

#endif
