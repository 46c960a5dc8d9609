/*
 * kubepath: one pass over the components of a cgroup path. Only the first kubepods
 * component counts (kubelet may sit below a slice of its own: kubelet.slice/
 * kubelet-kubepods.slice), and below it only a pod component right after it or after a QoS
 * class; the component after the pod is the container, deeper ones are the container's own.
 */
#include "kubepath.h"

#include <string.h>

struct span {
	const char *s;
	size_t len;
};

static bool has_prefix(struct span c, const char *p)
{
	size_t n = strlen(p);

	return c.len >= n && !memcmp(c.s, p, n);
}

static bool has_suffix(struct span c, const char *p)
{
	size_t n = strlen(p);

	return c.len >= n && !memcmp(c.s + c.len - n, p, n);
}

static bool is_word(struct span c, const char *w)
{
	return c.len == strlen(w) && !memcmp(c.s, w, c.len);
}

static bool all_of(const char *s, size_t len, const char *set)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

#define ID_CHARS "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"

/* A systemd slice below kubepods: [prefix-]kubepods-<qos>.slice, [prefix-]kubepods-...pod<uid>.slice */
static bool is_kube_slice(struct span c)
{
	if (!has_suffix(c, ".slice"))
		return false;
	for (size_t i = 0; i + 9 <= c.len; i++)
		if (!memcmp(c.s + i, "kubepods-", 9) && (!i || c.s[i - 1] == '-'))
			return true;
	return false;
}

/* "pod<uid>" (cgroupfs) or "kubepods[-qos]-pod<uid with _>.slice" (systemd). */
static bool pod_uid(struct span c, struct kubepath *kp)
{
	const char *u;
	size_t n;

	if (has_prefix(c, "pod")) {
		u = c.s + 3;
		n = c.len - 3;
	} else if (is_kube_slice(c)) {
		const char *p = NULL;

		for (size_t i = 0; i + 4 <= c.len; i++)
			if (!memcmp(c.s + i, "-pod", 4))
				p = c.s + i;
		if (!p)
			return false;
		u = p + 4;
		n = (size_t)(c.s + c.len - 6 - u);
	} else {
		return false;
	}
	if (n > KUBEPATH_UID_MAX || !all_of(u, n, "0123456789abcdefABCDEF-_"))
		return false;
	for (size_t i = 0; i < n; i++)
		kp->pod_uid[i] = u[i] == '_' ? '-' : u[i];
	kp->pod_uid[n] = '\0';
	return true;
}

/* A runtime's scope or cgroup of a container: the id and the runtime's name. */
static bool container(struct span c, bool plain, struct kubepath *kp)
{
	static const struct {
		const char *prefix, *runtime;
	} rt[] = {
		{"cri-containerd-", "containerd"},
		{"crio-conmon-", "cri-o"},
		{"crio-", "cri-o"},
		{"docker-", "docker"},
		{"libpod-conmon-", "podman"},
		{"libpod-", "podman"},
	};
	struct span id = c;

	if (has_suffix(id, ".scope"))
		id.len -= 6;
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		if (!has_prefix(id, rt[i].prefix))
			continue;
		id.s += strlen(rt[i].prefix);
		id.len -= strlen(rt[i].prefix);
		if (!all_of(id.s, id.len, ID_CHARS))
			return false;
		kp->cid = id.s;
		kp->cid_len = id.len;
		kp->runtime = rt[i].runtime;
		return true;
	}
	/* cgroupfs: a bare id (containerd, docker); which runtime is not said */
	if (!plain || id.len != c.len || !all_of(id.s, id.len, ID_CHARS))
		return false;
	kp->cid = id.s;
	kp->cid_len = id.len;
	return true;
}

static bool is_unit(struct span c)
{
	static const char *const kinds[] = {".service", ".scope", ".socket", ".mount", ".swap"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (has_suffix(c, kinds[i]) && c.len > strlen(kinds[i]))
			return true;
	return false;
}

void kubepath_parse(const char *path, size_t len, struct kubepath *kp)
{
	enum { OUT, KUBE, QOS, POD, CTR } st = OUT;
	struct span prev = {NULL, 0}, slice = {NULL, 0};
	const char *end = path + len;

	*kp = (struct kubepath){0};
	for (const char *s = path; s < end;) {
		const char *e = memchr(s, '/', (size_t)(end - s));
		struct span c = {s, (size_t)((e ? e : end) - s)};

		s = e ? e + 1 : end;
		if (!c.len)
			continue;
		if (is_unit(c)) {
			kp->unit = c.s;
			kp->unit_len = c.len;
		} else if (has_suffix(c, ".slice")) {
			slice = c;
		}
		switch (st) {
		case OUT:
			if (is_word(c, "kubepods") || has_suffix(c, "kubepods.slice"))
				st = KUBE;
			else if (!kp->cid)
				container(c, is_word(prev, "docker"), kp);
			break;
		case KUBE:
		case QOS:
			if (pod_uid(c, kp)) {
				kp->is_pod = true;
				st = POD;
			} else if (st == KUBE &&
				   (is_word(c, "burstable") || is_word(c, "besteffort") ||
				    is_word(c, "guaranteed") || is_kube_slice(c))) {
				st = QOS;
			} else {
				st = CTR; /* kubepods/<something else>: nothing more to learn */
			}
			break;
		case POD:
			container(c, true, kp);
			st = CTR;
			break;
		case CTR: break;
		}
		prev = c;
	}
	if (!kp->unit && slice.s) {
		kp->unit = slice.s;
		kp->unit_len = slice.len;
	}
}
