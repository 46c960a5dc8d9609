/*
 * kubepath: what a cgroup path says about the workload in it, from the path alone: the
 * Kubernetes pod uid and container id under either kubelet cgroup driver (cgroupfs:
 * kubepods/burstable/pod<uid>/<id>; systemd: kubepods.slice/kubepods-burstable.slice/
 * kubepods-burstable-pod<uid with _>.slice/<runtime>-<id>.scope) for containerd, CRI-O and
 * docker; for what is no pod, a container id (docker-<id>.scope, libpod-<id>.scope,
 * docker/<id>) and the innermost systemd unit. Names (namespace, pod, container) are not
 * in the path: kubelet's pods dir has them (the kube_* decoders).
 */
#ifndef EBPFEXP_KUBEPATH_H
#define EBPFEXP_KUBEPATH_H
#include <stdbool.h>
#include <stddef.h>

/* Default of ebpfexp-read --kube.pods-dir: kubelet's /var/log/pods/<ns>_<pod>_<uid>/<ctr>/ */
#define KUBEPATH_PODS_DIR_DEFAULT "/var/log/pods"
/* Longer pod uids are no uids (a real one has 36 characters). */
#define KUBEPATH_UID_MAX 64

struct kubepath {
	bool is_pod;			    /* in a pod's cgroup or below it */
	char pod_uid[KUBEPATH_UID_MAX + 1]; /* with dashes, as kubelet names it; "" */
	const char *cid;		    /* container id in the path, or NULL */
	size_t cid_len;
	const char *runtime; /* "containerd", "cri-o", "docker", "podman" */
	const char *unit;    /* innermost systemd unit (a slice if no other) */
	size_t unit_len;
};

/* Parse @path[0..@len) into @kp (pointers into @path). Never fails: unknown is empty. */
void kubepath_parse(const char *path, size_t len, struct kubepath *kp);

#endif
