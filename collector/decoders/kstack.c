/*
 * kstack: host-order u64 frame addresses up to the first zero -> the nearest symbol at or
 * below each, one per line (§6.9); "??" for a frame below every symbol. No frames -> "".
 */
#include "decoders.h"

#include <errno.h>

/* Append the frames; *@n_missing counts those below every symbol. */
static int kstack_frames(struct decode_ctx *ctx, const uint8_t *in, size_t n_frames,
			 struct strbuf *out, size_t *n_missing, struct diag *d)
{
	const char *name;
	bool exact;
	size_t i;
	int err = 0;

	*n_missing = 0;
	for (i = 0; i < n_frames && !err; i++) {
		err = kallsyms_find(ctx, decoders_u64(in + 8 * i), &name, &exact, d);
		if (!err && i)
			err = strbuf_addch(out, '\n');
		if (!err && !name)
			(*n_missing)++;
		if (!err)
			err = strbuf_addstr(out, name ? name : "??");
	}
	return err;
}

int kstack_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	size_t n_frames = 0, n_missing, start = out->len;
	int err;

	(void)dec;
	while (8 * n_frames + 8 <= len && decoders_u64(in + 8 * n_frames))
		n_frames++;
	/* [crash] Go slices 8 bytes past the end when a short tail is reached. */
	if (8 * n_frames < len && len - 8 * n_frames < 8)
		return diag_err(d, EINVAL, NULL,
				"input is %zu bytes, not a multiple of 8, and has no zero frame "
				"before its %zu-byte tail",
				len, len - 8 * n_frames);
	err = kstack_frames(ctx, in, n_frames, out, &n_missing, d);
	if (!err && n_missing) {
		err = kallsyms_reread_once(ctx, d);
		if (err == 1) {
			out->len = start;
			err = kstack_frames(ctx, in, n_frames, out, &n_missing, d);
		}
	}
	return err;
}
