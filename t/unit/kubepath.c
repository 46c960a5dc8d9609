/*
 * kubepath: a cgroup path gives the pod uid, container id, runtime and unit for both
 * kubelet cgroup drivers and the three runtimes, and nothing for what is no pod; hostile
 * components never pass for ids.
 */
#include "kubepath.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

#define UID "0b5c2e8a-1f4e-4c1a-9d2e-7a3b6c8d9e0f"
#define UID_ "0b5c2e8a_1f4e_4c1a_9d2e_7a3b6c8d9e0f"
#define CID "3f1a9c0e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a"

static void check(const char *path, bool pod, const char *uid, const char *cid, const char *rt,
		  const char *unit, const char *what)
{
	struct kubepath kp;
	char got_cid[256] = "", got_unit[256] = "";

	kubepath_parse(path, strlen(path), &kp);
	if (kp.cid)
		snprintf(got_cid, sizeof(got_cid), "%.*s", (int)kp.cid_len, kp.cid);
	if (kp.unit)
		snprintf(got_unit, sizeof(got_unit), "%.*s", (int)kp.unit_len, kp.unit);
	ok(kp.is_pod == pod, "%s: %s a pod", what, pod ? "is" : "is not");
	is_str(kp.pod_uid, uid, "%s: pod uid", what);
	is_str(got_cid, cid, "%s: container id", what);
	is_str(kp.runtime ? kp.runtime : "", rt, "%s: runtime", what);
	is_str(got_unit, unit, "%s: unit", what);
}

int main(void)
{
	check("/sys/fs/cgroup/unified/kubepods/burstable/pod" UID "/" CID, true, UID, CID, "", "",
	      "cgroupfs, burstable, containerd or docker");
	check("/sys/fs/cgroup/kubepods/pod" UID "/" CID, true, UID, CID, "", "",
	      "cgroupfs, guaranteed");
	check("/sys/fs/cgroup/kubepods/besteffort/pod" UID "/crio-" CID, true, UID, CID, "cri-o",
	      "", "cgroupfs, CRI-O");
	check("/sys/fs/cgroup/kubepods/burstable/pod" UID, true, UID, "", "", "",
	      "cgroupfs, the pod itself");
	check("/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	      ".slice/cri-containerd-" CID ".scope",
	      true, UID, CID, "containerd", "cri-containerd-" CID ".scope", "systemd, containerd");
	check("/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	      ".slice/crio-" CID ".scope",
	      true, UID, CID, "cri-o", "crio-" CID ".scope", "systemd, CRI-O");
	check("/sys/fs/cgroup/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID ".scope", true,
	      UID, CID, "docker", "docker-" CID ".scope", "systemd, guaranteed, docker");
	check("/sys/fs/cgroup/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID ".scope/init",
	      true, UID, CID, "docker", "docker-" CID ".scope", "a container's own sub-cgroup");
	check("/sys/fs/cgroup/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort."
	      "slice/kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" CID ".scope",
	      true, UID, CID, "containerd", "cri-containerd-" CID ".scope",
	      "systemd, kubelet below a slice of its own (kind, minikube)");
	check("/sys/fs/cgroup/system.slice/nginx.service", false, "", "", "", "nginx.service",
	      "a systemd service");
	check("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope", false, "", "", "",
	      "session-3.scope", "a login session");
	check("/sys/fs/cgroup/system.slice/docker-" CID ".scope", false, "", CID, "docker",
	      "docker-" CID ".scope", "docker outside Kubernetes");
	check("/sys/fs/cgroup/docker/" CID, false, "", CID, "", "", "docker with cgroupfs");
	check("/sys/fs/cgroup/machine.slice/libpod-" CID ".scope/container", false, "", CID,
	      "podman", "libpod-" CID ".scope", "podman");
	check("/sys/fs/cgroup/system.slice", false, "", "", "", "system.slice",
	      "a slice alone is its own unit");
	check("/sys/fs/cgroup", false, "", "", "", "", "the root");
	check("unknown_cgroup_id:42", false, "", "", "", "", "an unknown id");
	check("/sys/fs/cgroup/kubepods/burstable/pod" UID "/a\"b\nc", true, UID, "", "", "",
	      "a container name with a quote and a newline is no id");
	check("/sys/fs/cgroup/kubepods/burstable/podcast/" CID, false, "", "", "", "",
	      "pod followed by no uid is no pod");
	check("/sys/fs/cgroup/kubepods/burstable/pod"
	      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0/" CID,
	      false, "", "", "", "", "a uid longer than any is no uid");
	check("/sys/fs/cgroup/system.slice/docker-a\tb.scope", false, "", "", "",
	      "docker-a\tb.scope", "a tab in an id is no id");
	return done_testing();
}
