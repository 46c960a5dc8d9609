/*
 * ifname: a host-order u32 interface index -> its name in the reader's network namespace
 * (§6.12); otherwise "unknown:<index>". Names found are kept for the context, as
 * ebpf_exporter keeps them for its life, which spares a socket and an ioctl per entry.
 */
#include "decoders.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ifname_entry {
	uint32_t index;
	char name[IF_NAMESIZE];
};

struct ifnames {
	struct ifname_entry *e;
	size_t n, cap;
};

static const char *ifname_cached(const struct ifnames *ifn, uint32_t index)
{
	size_t i;

	for (i = 0; ifn && i < ifn->n; i++)
		if (ifn->e[i].index == index)
			return ifn->e[i].name;
	return NULL;
}

static int ifname_remember(struct decode_ctx *ctx, uint32_t index, const char *name)
{
	struct ifnames *ifn = ctx->ifnames;
	struct ifname_entry *e;

	if (!ifn) {
		ifn = calloc(1, sizeof(*ifn));
		if (!ifn)
			return -ENOMEM;
		ctx->ifnames = ifn;
	}
	if (ifn->n == ifn->cap) {
		size_t cap = ifn->cap ? ifn->cap * 2 : 16;

		e = reallocarray(ifn->e, cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		ifn->e = e;
		ifn->cap = cap;
	}
	e = &ifn->e[ifn->n++];
	e->index = index;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

int ifname_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	char buf[IF_NAMESIZE];
	const char *name;
	uint32_t index;
	int err;

	(void)dec;
	/* [crash] Go reads 4 bytes whatever the length; extra bytes are ignored. */
	if (len < 4)
		return diag_err(d, EINVAL, NULL, "input is %zu bytes; expected at least 4", len);
	index = decoders_u32(in);
	name = ifname_cached(ctx->ifnames, index);
	if (!name && index && if_indextoname(index, buf)) {
		err = ifname_remember(ctx, index, buf);
		if (err)
			return err;
		name = buf;
	}
	if (name)
		return strbuf_addstr(out, name);
	err = strbuf_add(out, "unknown:", 8);
	if (!err)
		err = strbuf_add_u64(out, index);
	return err;
}

void ifname_release(struct decode_ctx *ctx)
{
	if (!ctx->ifnames)
		return;
	free(ctx->ifnames->e);
	free(ctx->ifnames);
	ctx->ifnames = NULL;
}
