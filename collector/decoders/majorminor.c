/*
 * majorminor: a host-order u32 device number in the kernel's new_encode_dev() layout ->
 * the device name from /proc/partitions (§6.11), e.g. "sda" or "nvme0n1p1"; otherwise
 * "unknown:<major>:<minor>". The file is read on first use and again, once per context,
 * on a miss (a disk may have appeared meanwhile).
 */
#include "decoders.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct partition {
	const char *major, *minor, *name; /* into partitions.text */
};

struct partitions {
	bool loaded, reread;
	struct strbuf text;
	struct partition *p;
	size_t n, cap;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* [compat] Only lines of exactly four whitespace-separated fields count. */
static int partitions_load(struct decode_ctx *ctx, struct diag *d)
{
	const char *path =
		ctx->opts.partitions_path ? ctx->opts.partitions_path : "/proc/partitions";
	struct partitions *pt = ctx->partitions;
	char *s, *end;
	int err;

	if (!pt) {
		pt = calloc(1, sizeof(*pt));
		if (!pt)
			return -ENOMEM;
		ctx->partitions = pt;
	}
	pt->loaded = false;
	pt->n = 0;
	err = decoders_read_file(path, &pt->text, d);
	if (err)
		return err;
	s = pt->text.buf;
	end = s + pt->text.len;
	while (s < end) {
		char *eol = memchr(s, '\n', (size_t)(end - s)), *f[5];
		int n = 0;

		if (!eol)
			eol = end;
		*eol = '\0';
		while (s < eol && n < 5) {
			while (s < eol && is_space(*s))
				s++;
			if (s == eol)
				break;
			f[n++] = s;
			while (s < eol && !is_space(*s))
				s++;
			*s = '\0';
			if (s < eol)
				s++;
		}
		s = eol + 1;
		if (n != 4)
			continue;
		if (pt->n == pt->cap) {
			size_t cap = pt->cap ? pt->cap * 2 : 32;
			struct partition *p = reallocarray(pt->p, cap, sizeof(*p));

			if (!p)
				return -ENOMEM;
			pt->p = p;
			pt->cap = cap;
		}
		pt->p[pt->n++] = (struct partition){f[0], f[1], f[3]};
	}
	pt->loaded = true;
	return 0;
}

static const char *partitions_find(const struct partitions *pt, const char *major,
				   const char *minor)
{
	size_t i;

	for (i = 0; i < pt->n; i++)
		if (!strcmp(pt->p[i].major, major) && !strcmp(pt->p[i].minor, minor))
			return pt->p[i].name;
	return NULL;
}

int majorminor_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		      size_t len, struct strbuf *out, struct diag *d)
{
	char major[16], minor[16];
	const char *name;
	uint32_t v, maj, min;
	int err;

	(void)dec;
	/* [crash] Go reads 4 bytes whatever the length; extra bytes are ignored. */
	if (len < 4)
		return diag_err(d, EINVAL, NULL, "input is %zu bytes; expected at least 4", len);
	v = decoders_u32(in);
	maj = (v >> 8) & 0xfff;
	min = (v & 0xff) | ((v >> 12) & 0xfff00);
	snprintf(major, sizeof(major), "%u", maj);
	snprintf(minor, sizeof(minor), "%u", min);
	if (!ctx->partitions || !ctx->partitions->loaded) {
		err = partitions_load(ctx, d);
		if (err)
			return err;
	}
	name = partitions_find(ctx->partitions, major, minor);
	if (!name && !ctx->partitions->reread) {
		ctx->partitions->reread = true;
		err = partitions_load(ctx, d);
		if (err)
			return err;
		name = partitions_find(ctx->partitions, major, minor);
	}
	if (name)
		return strbuf_addstr(out, name);
	return strbuf_addf(out, "unknown:%u:%u", maj, min);
}

void majorminor_release(struct decode_ctx *ctx)
{
	struct partitions *pt = ctx->partitions;

	if (!pt)
		return;
	strbuf_release(&pt->text);
	free(pt->p);
	free(pt);
	ctx->partitions = NULL;
}
