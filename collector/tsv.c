/* tsv: escaped, tab-separated fields for the small files of the state and textfile dirs. */
#include "tsv.h"

#include "strbuf.h"

int tsv_add_escaped(struct strbuf *sb, const char *s)
{
	int err = 0;

	for (; s && *s && !err; s++) {
		if (*s == '\\')
			err = strbuf_add(sb, "\\\\", 2);
		else if (*s == '\t')
			err = strbuf_add(sb, "\\t", 2);
		else if (*s == '\n')
			err = strbuf_add(sb, "\\n", 2);
		else
			err = strbuf_addch(sb, *s);
	}
	return err;
}

bool tsv_unescape(char *s, char *end)
{
	char *w = s;

	for (; s < end; s++) {
		if (*s == '\t' || *s == '\0')
			return false;
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		if (++s == end)
			return false;
		if (*s == '\\')
			*w++ = '\\';
		else if (*s == 't')
			*w++ = '\t';
		else if (*s == 'n')
			*w++ = '\n';
		else
			return false;
	}
	*w = '\0';
	return true;
}

bool tsv_parse_num(const char *s, const char *end, bool sign, uint64_t *out)
{
	bool neg = sign && s < end && *s == '-';
	uint64_t v = 0, max = sign ? (uint64_t)INT64_MAX + neg : UINT64_MAX;

	s += neg;
	if (s == end)
		return false;
	for (; s < end; s++) {
		unsigned dig = (unsigned)(unsigned char)*s - '0';

		if (dig > 9 || v > (max - dig) / 10)
			return false;
		v = v * 10 + dig;
	}
	*out = neg ? 0 - v : v;
	return true;
}
