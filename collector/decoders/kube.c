/*
 * kube_namespace, kube_pod, kube_container, kube_pod_uid, container_id, systemd_unit: the
 * workload of a cgroup path (the cgroup decoder's output), from the node alone. The path
 * gives the pod uid, the container id and the unit (kubepath.h); kubelet's pods dir
 * (decode_opts.kube_pods_dir, /var/log/pods) gives the names: one directory
 * <namespace>_<pod>_<uid> per pod, one subdirectory per container. Which container an id
 * is comes from the symlinks kubelet keeps beside it, <pods dir>/../containers/
 * <pod>_<namespace>_<container>-<id>.log; without them, a pod with a single container
 * directory names that one. What is unknown decodes as "" (a label Prometheus drops).
 * Both directories are read once per context, on first use.
 */
#include "decoders.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kubepath.h"

struct kube_pod {
	const char *uid, *ns, *name, *dir; /* into kube.names */
	int n_ctrs;			   /* container dirs: -1 not counted yet */
	const char *only;		   /* the container when n_ctrs == 1 */
};

struct kube_ctr {
	const char *id, *name, *pod, *ns; /* into kube.names */
};

struct kube {
	struct strbuf names;   /* NUL-separated; offsets until both tables are built */
	struct kube_pod *pods; /* sorted by uid */
	size_t n_pods;
	struct kube_ctr *ctrs; /* sorted by id */
	size_t n_ctrs;
	struct strbuf only; /* single container names */
};

static const char *pods_dir(const struct decode_ctx *ctx)
{
	return ctx->opts.kube_pods_dir ? ctx->opts.kube_pods_dir : KUBEPATH_PODS_DIR_DEFAULT;
}

/* Append @s[0..@n) and a NUL to @sb; the offset in *@off. */
static int add_name(struct strbuf *sb, const char *s, size_t n, size_t *off)
{
	*off = sb->len;
	if (strbuf_add(sb, s, n))
		return -ENOMEM;
	return strbuf_addch(sb, '\0');
}

static int pod_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kube_pod *)a)->uid, ((const struct kube_pod *)b)->uid);
}

static int ctr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kube_ctr *)a)->id, ((const struct kube_ctr *)b)->id);
}

/* Offsets, kept as pointers-to-be in the tables until the names stop growing. */
#define OFF(x) ((const char *)(uintptr_t)(x))
#define PTR(k, x) ((k)->names.buf + (uintptr_t)(x))

static int scan_pods(struct kube *k, const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	if (!dp)
		return 0; /* no pods dir: no names */
	while (!err && (de = readdir(dp))) {
		const char *n = de->d_name, *u1 = strchr(n, '_'), *u2 = strrchr(n, '_');
		size_t o_ns, o_name, o_uid, o_dir;

		if (!u1 || u1 == u2 || u1 == n || u2 == u1 + 1 || !u2[1])
			continue;
		if (k->n_pods == cap) {
			struct kube_pod *p = reallocarray(k->pods, cap ? 2 * cap : 64, sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			k->pods = p;
			cap = cap ? 2 * cap : 64;
		}
		err = add_name(&k->names, n, (size_t)(u1 - n), &o_ns);
		if (!err)
			err = add_name(&k->names, u1 + 1, (size_t)(u2 - u1 - 1), &o_name);
		if (!err)
			err = add_name(&k->names, u2 + 1, strlen(u2 + 1), &o_uid);
		if (!err)
			err = add_name(&k->names, n, strlen(n), &o_dir);
		if (!err)
			k->pods[k->n_pods++] = (struct kube_pod){OFF(o_uid), OFF(o_ns), OFF(o_name),
								 OFF(o_dir), -1,	NULL};
	}
	closedir(dp);
	return err;
}

/* <pods dir>/../containers: <pod>_<ns>_<container>-<id>.log */
static int scan_ctrs(struct kube *k, const char *pdir)
{
	struct strbuf path = {0};
	struct dirent *de;
	size_t cap = 0;
	const char *slash;
	int err = 0;
	DIR *dp;

	size_t len = strlen(pdir);

	while (len > 1 && pdir[len - 1] == '/')
		len--;
	slash = memrchr(pdir, '/', len);
	if (slash)
		err = strbuf_add(&path, pdir, (size_t)(slash - pdir) + 1);
	if (!err)
		err = strbuf_addstr(&path, "containers");
	if (err) {
		strbuf_release(&path);
		return err;
	}
	dp = opendir(path.buf);
	strbuf_release(&path);
	if (!dp)
		return 0;
	while (!err && (de = readdir(dp))) {
		const char *n = de->d_name, *u1 = strchr(n, '_'), *u2, *dash, *dot;
		size_t o_pod, o_ns, o_name, o_id;

		len = strlen(n);

		if (len < 5 || strcmp(n + len - 4, ".log") || !u1)
			continue;
		u2 = strchr(u1 + 1, '_');
		dot = n + len - 4;
		dash = NULL;
		for (const char *p = dot; u2 && p > u2; p--)
			if (*p == '-') {
				dash = p;
				break;
			}
		if (!u2 || !dash || dash == u2 + 1 || dash + 1 == dot)
			continue;
		if (k->n_ctrs == cap) {
			struct kube_ctr *c = reallocarray(k->ctrs, cap ? 2 * cap : 64, sizeof(*c));

			if (!c) {
				err = -ENOMEM;
				break;
			}
			k->ctrs = c;
			cap = cap ? 2 * cap : 64;
		}
		err = add_name(&k->names, n, (size_t)(u1 - n), &o_pod);
		if (!err)
			err = add_name(&k->names, u1 + 1, (size_t)(u2 - u1 - 1), &o_ns);
		if (!err)
			err = add_name(&k->names, u2 + 1, (size_t)(dash - u2 - 1), &o_name);
		if (!err)
			err = add_name(&k->names, dash + 1, (size_t)(dot - dash - 1), &o_id);
		if (!err)
			k->ctrs[k->n_ctrs++] =
				(struct kube_ctr){OFF(o_id), OFF(o_name), OFF(o_pod), OFF(o_ns)};
	}
	closedir(dp);
	return err;
}

static int kube_load(struct decode_ctx *ctx, struct kube **out)
{
	struct kube *k = calloc(1, sizeof(*k));
	int err;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	err = scan_pods(k, pods_dir(ctx));
	if (!err)
		err = scan_ctrs(k, pods_dir(ctx));
	if (err) {
		free(k->pods);
		free(k->ctrs);
		strbuf_release(&k->names);
		free(k);
		return err;
	}
	for (size_t i = 0; i < k->n_pods; i++) {
		struct kube_pod *p = &k->pods[i];

		*p = (struct kube_pod){
			PTR(k, p->uid), PTR(k, p->ns), PTR(k, p->name), PTR(k, p->dir), -1, NULL};
	}
	for (size_t i = 0; i < k->n_ctrs; i++) {
		struct kube_ctr *c = &k->ctrs[i];

		*c = (struct kube_ctr){PTR(k, c->id), PTR(k, c->name), PTR(k, c->pod),
				       PTR(k, c->ns)};
	}
	qsort(k->pods, k->n_pods, sizeof(*k->pods), pod_cmp);
	qsort(k->ctrs, k->n_ctrs, sizeof(*k->ctrs), ctr_cmp);
	*out = k;
	return 0;
}

static struct kube_pod *find_pod(struct kube *k, const char *uid)
{
	struct kube_pod key = {.uid = uid};

	return bsearch(&key, k->pods, k->n_pods, sizeof(key), pod_cmp);
}

/* The one container directory of @p, counted on first use; NULL unless exactly one. */
static const char *only_container(struct decode_ctx *ctx, struct kube *k, struct kube_pod *p)
{
	struct dirent *de;
	DIR *dp;

	if (p->n_ctrs >= 0)
		return p->only;
	p->n_ctrs = 0;
	strbuf_reset(&k->only);
	if (strbuf_addf(&k->only, "%s/%s", pods_dir(ctx), p->dir))
		return NULL;
	dp = opendir(k->only.buf);
	strbuf_reset(&k->only);
	if (!dp)
		return NULL;
	while ((de = readdir(dp))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!p->n_ctrs++ && strbuf_addstr(&k->only, de->d_name))
			p->n_ctrs = 2; /* no memory: as if unknown */
	}
	closedir(dp);
	if (p->n_ctrs == 1)
		p->only = strdup(strbuf_str(&k->only)); /* NULL: unknown */
	return p->only;
}

/* Does the containers dir name any container of @p? */
static bool pod_has_ctrs(const struct kube *k, const struct kube_pod *p)
{
	for (size_t i = 0; i < k->n_ctrs; i++)
		if (!strcmp(k->ctrs[i].pod, p->name) && !strcmp(k->ctrs[i].ns, p->ns))
			return true;
	return false;
}

enum kube_field { K_NS, K_POD, K_CTR, K_UID, K_CID, K_UNIT };

static int kube_field(struct decode_ctx *ctx, enum kube_field f, const uint8_t *in, size_t len,
		      struct strbuf *out)
{
	struct kube_pod *p;
	struct kubepath kp;
	int err;

	kubepath_parse((const char *)in, len, &kp);
	if (f == K_UNIT)
		return kp.unit ? strbuf_add(out, kp.unit, kp.unit_len) : 0;
	if (f == K_CID)
		return kp.cid ? strbuf_add(out, kp.cid, kp.cid_len) : 0;
	if (!kp.is_pod)
		return 0;
	if (f == K_UID)
		return strbuf_addstr(out, kp.pod_uid);
	if (!ctx->kube) {
		err = kube_load(ctx, &ctx->kube);
		if (err)
			return err;
	}
	p = find_pod(ctx->kube, kp.pod_uid);
	if (!p)
		return 0;
	if (f == K_NS)
		return strbuf_addstr(out, p->ns);
	if (f == K_POD)
		return strbuf_addstr(out, p->name);
	if (!kp.cid)
		return 0;
	{
		char id[256];
		struct kube_ctr key = {.id = id}, *c;
		const char *only;

		if (kp.cid_len < sizeof(id)) {
			memcpy(id, kp.cid, kp.cid_len);
			id[kp.cid_len] = '\0';
			c = bsearch(&key, ctx->kube->ctrs, ctx->kube->n_ctrs, sizeof(key), ctr_cmp);
			if (c)
				return strbuf_addstr(out, c->name);
		}
		/* The containers dir knows this pod but not this id: its sandbox. */
		if (pod_has_ctrs(ctx->kube, p))
			return 0;
		only = only_container(ctx, ctx->kube, p);
		return only ? strbuf_addstr(out, only) : 0;
	}
}

#define KUBE_DECODER(fn, field)                                                                    \
	int fn(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,        \
	       size_t len, struct strbuf *out, struct diag *d)                                     \
	{                                                                                          \
		int err;                                                                           \
                                                                                                   \
		(void)dec;                                                                         \
		err = kube_field(ctx, field, in, len, out);                                        \
		return err ? diag_err(d, -err, NULL, "%s", strerror(-err)) : 0;                    \
	}

KUBE_DECODER(kube_namespace_decode, K_NS)
KUBE_DECODER(kube_pod_decode, K_POD)
KUBE_DECODER(kube_container_decode, K_CTR)
KUBE_DECODER(kube_pod_uid_decode, K_UID)
KUBE_DECODER(container_id_decode, K_CID)
KUBE_DECODER(systemd_unit_decode, K_UNIT)

void kube_release(struct decode_ctx *ctx)
{
	struct kube *k = ctx->kube;

	if (!k)
		return;
	for (size_t i = 0; i < k->n_pods; i++)
		free((char *)k->pods[i].only);
	free(k->pods);
	free(k->ctrs);
	strbuf_release(&k->names);
	strbuf_release(&k->only);
	free(k);
	ctx->kube = NULL;
}
