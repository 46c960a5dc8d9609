/*
 * decode: runs a label's decoder chain over its key bytes, each decoder found by its kind
 * in the table of operations (decoders/decoders.h; one file a decoder in decoders/), with
 * the context that keeps their lookup sources for one reader run. Splitting a key into
 * labels and counting errors are left to the caller.
 */
#include "decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/decoders.h"

struct decode_ops {
	decoder_fn *decode;
	decoder_check_fn *check; /* NULL: nothing to check without data */
};

/* Indexed by kind; DECODER_UNKNOWN has no operations. */
#define DECODE_OPS_ENTRY(kind, dec, chk) [DECODER_##kind] = {.decode = dec, .check = chk},
static const struct decode_ops decode_ops[DECODER_N_KINDS] = {DECODERS_OPS(DECODE_OPS_ENTRY)};
#undef DECODE_OPS_ENTRY

/*
 * Every kind has its operations: each line of DECODERS_OPS names a kind (DECODER_##kind
 * must exist), none twice (its constant below would be declared twice), and there are as
 * many lines as kinds.
 */
#define DECODE_OPS_COUNT(kind, dec, chk) DECODE_OPS_HAS_##kind,
enum { DECODERS_OPS(DECODE_OPS_COUNT) DECODE_N_OPS };
#undef DECODE_OPS_COUNT
_Static_assert(DECODE_N_OPS == DECODER_N_KINDS - 1,
	       "every kind of decoderkind.h needs its line in DECODERS_OPS (decoders/decoders.h)");

static const struct decode_ops *decode_ops_of(enum decoder_kind k)
{
	return &decode_ops[(unsigned)k < DECODER_N_KINDS ? k : DECODER_UNKNOWN];
}

int decode_ctx_new(struct decode_ctx **out, const struct decode_opts *opts)
{
	struct decode_ctx *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (!ctx)
		return -ENOMEM;
	if (opts)
		ctx->opts = *opts;
	*out = ctx;
	return 0;
}

void decode_ctx_free(struct decode_ctx *ctx)
{
	if (!ctx)
		return;
	regexp_release(ctx);
	kube_release(ctx);
	ifname_release(ctx);
	majorminor_release(ctx);
	pci_release(ctx);
	cgroup_release(ctx);
	kallsyms_release(ctx);
	diag_release(&ctx->warnings);
	strbuf_release(&ctx->chain[1]);
	strbuf_release(&ctx->chain[0]);
	free(ctx);
}

void decode_take_warnings(struct decode_ctx *ctx, struct diag *d)
{
	if (ctx->warnings.n_msgs)
		diag_move(d, &ctx->warnings);
	diag_clear(&ctx->warnings);
}

int decode_cgroups_remember(struct decode_ctx *ctx, const struct decode_cgroup *c, size_t n,
			    int64_t now)
{
	return cgroup_remember(ctx, c, n, now);
}

int decode_cgroups_to_keep(struct decode_ctx *ctx, int64_t now, const struct decode_cgroup **out,
			   size_t *n)
{
	return cgroup_to_keep(ctx, now, out, n);
}

static int decode_unknown(const struct config_decoder *dec, const struct pos *at, struct diag *d)
{
	const char *hint = config_suggest(dec->name, decoderkind_names());

	if (hint)
		return diag_err(d, EINVAL, at, "unknown decoder \"%s\" (did you mean \"%s\"?)",
				dec->name, hint);
	return diag_err(d, EINVAL, at, "unknown decoder \"%s\"", dec->name ? dec->name : "");
}

int decode_label(struct decode_ctx *ctx, const struct config_label *label, const uint8_t *in,
		 size_t len, struct strbuf *out, struct diag *d)
{
	const uint8_t *cur = in;
	size_t cur_len = len, i, before;
	bool counted = false;
	int err = 0;

	strbuf_reset(out);
	if (!label->n_decoders)
		return diag_err(d, EINVAL, NULL, "label \"%s\": no decoders set", label->name);
	for (i = 0; i < label->n_decoders; i++) {
		const struct config_decoder *dec = &label->decoders[i];
		decoder_fn *decode = decode_ops_of(dec->kind)->decode;
		/* The last decoder writes straight into @out; the others alternate. */
		struct strbuf *dst = i + 1 == label->n_decoders ? out : &ctx->chain[i & 1];

		if (!decode) {
			err = decode_unknown(dec, NULL, d);
			break;
		}
		before = d ? d->n_msgs : 0;
		strbuf_reset(dst);
		err = decode(ctx, dec, cur, cur_len, dst, d);
		if (err == DECODE_SKIP)
			return DECODE_SKIP;
		if (err == DECODE_COUNTED) {
			/* the output stands; the error is told once, for the first decoder */
			if (!counted)
				diag_prefix(d, "label \"%s\": decoder \"%s\"", label->name,
					    dec->name);
			counted = true;
			err = 0;
		}
		if (err) {
			/* Buffer growth fails without a message of its own. */
			if (d && d->n_msgs == before)
				diag_err(d, err, NULL, "%s", strerror(-err));
			diag_prefix(d, "decoder \"%s\"", dec->name);
			break;
		}
		/* An empty strbuf that never grew has no buffer: point at something. */
		cur = dst->buf ? (const uint8_t *)dst->buf : (const uint8_t *)"";
		cur_len = dst->len;
	}
	if (err) {
		strbuf_reset(out);
		diag_prefix(d, "label \"%s\"", label->name);
	}
	return err ? err : counted ? DECODE_COUNTED : 0;
}

int decode_check_label(const struct config_label *label, struct diag *d)
{
	size_t i, from = d->n_msgs;
	int err = 0, e;

	if (!label->n_decoders)
		err = diag_err(d, EINVAL, &label->at, "label \"%s\": no decoders set", label->name);
	for (i = 0; i < label->n_decoders; i++) {
		const struct config_decoder *dec = &label->decoders[i];
		const struct decode_ops *ops = decode_ops_of(dec->kind);

		if (!ops->decode) {
			e = decode_unknown(dec, &dec->at, d);
		} else if (ops->check) {
			size_t before = d->n_msgs;

			e = ops->check(dec, d);
			if (e)
				diag_prefix_from(d, before, "decoder \"%s\"", dec->name);
		} else {
			e = 0;
		}
		if (e && !err)
			err = e;
	}
	if (err)
		diag_prefix_from(d, from + (label->n_decoders ? 0 : 1), "label \"%s\"",
				 label->name);
	return err;
}
