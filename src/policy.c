#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/policy.h"

/* The only environment the sandbox gets: nothing of the service's own. */
static const char *const sandbox_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
					  "LANG=C.UTF-8", "HOME=/tmp",
					  "PYTHONDONTWRITEBYTECODE=1", NULL};

static json_object *
str_array(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *
ulimit(const char *name, long long v)
{
	json_object *u = json_object_new_object();

	json_object_object_add(u, "Name", json_object_new_string(name));
	json_object_object_add(u, "Soft", json_object_new_int64(v));
	json_object_object_add(u, "Hard", json_object_new_int64(v));
	return u;
}

long
policy_engine_memory_mb(const struct config *cfg, long memory_mb)
{
	return config_is_runsc(cfg) ? memory_mb + POLICY_RUNSC_MEMORY_EXTRA_MB
				    : memory_mb;
}

long
policy_engine_pids(const struct config *cfg, long pids)
{
	long n;

	if (!config_is_runsc(cfg))
		return pids;
	/* gVisor (ptrace platform) backs each sandboxed process with host
	 * processes and threads of its own, all counted by the engine's
	 * limit, and a sentry that cannot get one panics and takes the
	 * whole sandbox down: with 64, one per-test timeout (a fresh judge
	 * and solution server) was enough. */
	n = pids * POLICY_RUNSC_PIDS_FACTOR;
	return n > POLICY_PIDS_MAX ? POLICY_PIDS_MAX : n;
}

/* no-new-privileges, and the seccomp profile of the config: the Engine API
 * takes the profile's JSON text after "seccomp=", not a path. Without one
 * (engine-default) the engine applies its own default profile. NULL on
 * ENOMEM. */
static json_object *
security_opts(const struct config *cfg)
{
	json_object *a = json_object_new_array();
	size_t len = strlen(cfg->seccomp_json);
	char *opt;

	if (!a)
		return NULL;
	json_object_array_add(a, json_object_new_string("no-new-privileges"));
	if (!len)
		return a;
	opt = malloc(len + sizeof("seccomp="));
	if (!opt) {
		json_object_put(a);
		return NULL;
	}
	memcpy(opt, "seccomp=", 8);
	memcpy(opt + 8, cfg->seccomp_json, len + 1);
	json_object_array_add(a, json_object_new_string(opt));
	free(opt);
	return a;
}

json_object *
policy_container_spec(const struct config *cfg, const struct policy_limits *lim,
		      const char *owner)
{
	static const char *const cmd[] = {"python3", "-I", "-S",
					  POLICY_HARNESS_PATH, NULL};
	static const char *const drop[] = {"ALL", NULL};
	json_object *spec, *host, *labels, *tmpfs, *ulimits, *logcfg, *secopt;
	long long mem = (long long)policy_engine_memory_mb(cfg, lim->memory_mb)
			<< 20;
	char tmpfs_opts[128], deadline[32], user[sizeof(cfg->user)];

	spec = json_object_new_object();
	host = json_object_new_object();
	labels = json_object_new_object();
	tmpfs = json_object_new_object();
	ulimits = json_object_new_array();
	logcfg = json_object_new_object();
	secopt = security_opts(cfg);
	if (!spec || !host || !labels || !tmpfs || !ulimits || !logcfg ||
	    !secopt) {
		json_object_put(spec);
		json_object_put(host);
		json_object_put(labels);
		json_object_put(tmpfs);
		json_object_put(ulimits);
		json_object_put(logcfg);
		json_object_put(secopt);
		return NULL;
	}

	json_object_object_add(spec, "Image",
			       json_object_new_string(cfg->image));
	json_object_object_add(spec, "Cmd", str_array(cmd));
	json_object_object_add(spec, "Entrypoint", json_object_new_array());
	/* A uid of its own: the kernel's per-uid accounting (descriptors in
	 * flight, inotify, RLIMIT_NPROC, pipe buffers) is then per container.
	 */
	if (lim->uid > 0)
		snprintf(user, sizeof(user), "%ld:%ld", lim->uid, lim->uid);
	else
		snprintf(user, sizeof(user), "%s", cfg->user);
	json_object_object_add(spec, "User", json_object_new_string(user));
	json_object_object_add(spec, "WorkingDir",
			       json_object_new_string("/tmp"));
	json_object_object_add(spec, "Env", str_array(sandbox_env));
	json_object_object_add(spec, "AttachStdin", json_object_new_boolean(1));
	json_object_object_add(spec, "AttachStdout",
			       json_object_new_boolean(1));
	json_object_object_add(spec, "AttachStderr",
			       json_object_new_boolean(1));
	json_object_object_add(spec, "OpenStdin", json_object_new_boolean(1));
	json_object_object_add(spec, "StdinOnce", json_object_new_boolean(1));
	json_object_object_add(spec, "Tty", json_object_new_boolean(0));
	json_object_object_add(spec, "NetworkDisabled",
			       json_object_new_boolean(1));

	snprintf(deadline, sizeof(deadline), "%ld", lim->deadline_unix);
	json_object_object_add(labels, POLICY_LABEL,
			       json_object_new_string("1"));
	json_object_object_add(labels, POLICY_LABEL ".owner",
			       json_object_new_string(owner));
	json_object_object_add(labels, POLICY_LABEL ".deadline",
			       json_object_new_string(deadline));
	json_object_object_add(spec, "Labels", labels);

	json_object_object_add(host, "NetworkMode",
			       json_object_new_string("none"));
	json_object_object_add(host, "ReadonlyRootfs",
			       json_object_new_boolean(1));
	snprintf(tmpfs_opts, sizeof(tmpfs_opts),
		 "rw,nosuid,nodev,noexec,size=%ldm,mode=1777", cfg->tmpfs_mb);
	json_object_object_add(tmpfs, "/tmp",
			       json_object_new_string(tmpfs_opts));
	json_object_object_add(host, "Tmpfs", tmpfs);
	json_object_object_add(host, "IpcMode",
			       json_object_new_string("private"));
	json_object_object_add(host, "ShmSize", json_object_new_int64(4 << 20));
	json_object_object_add(host, "Memory", json_object_new_int64(mem));
	json_object_object_add(host, "MemorySwap", json_object_new_int64(mem));
	json_object_object_add(
		host, "NanoCpus",
		json_object_new_int64((long long)(lim->cpus * 1e9)));
	json_object_object_add(
		host, "PidsLimit",
		json_object_new_int64(policy_engine_pids(cfg, lim->pids)));
	json_object_array_add(ulimits, ulimit("nofile", cfg->nofile));
	json_object_array_add(ulimits,
			      ulimit("fsize", (long long)cfg->fsize_mb << 20));
	json_object_array_add(ulimits, ulimit("core", 0));
	json_object_object_add(host, "Ulimits", ulimits);
	json_object_object_add(host, "CapDrop", str_array(drop));
	json_object_object_add(host, "SecurityOpt", secopt);
	json_object_object_add(host, "Privileged", json_object_new_boolean(0));
	/* The harness is PID 1 by default: it reaps orphans, it is immune to
	 * signals from inside the namespace, and it is non-dumpable, so user
	 * code can neither kill it, nor ptrace it, nor write to its stdout
	 * (the report stream) through /proc/1/fd. docker-init, the other
	 * choice, runs as the sandbox user and is dumpable: user code can
	 * attach to it. */
	json_object_object_add(
		host, "Init",
		json_object_new_boolean(cfg->init == CONFIG_INIT_DOCKER));
	json_object_object_add(host, "AutoRemove", json_object_new_boolean(0));
	json_object_object_add(logcfg, "Type", json_object_new_string("none"));
	json_object_object_add(host, "LogConfig", logcfg);
	if (cfg->runtime[0])
		json_object_object_add(host, "Runtime",
				       json_object_new_string(cfg->runtime));
	json_object_object_add(spec, "HostConfig", host);
	return spec;
}
