#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "llsr/log.h"
#include "llsr/policy.h"
#include "llsr/sweep.h"

#define OWNER_TAG "w1:"

/* Field 22 of /proc/PID/stat: start time in clock ticks after boot. */
static int
proc_start(long pid, unsigned long long *start)
{
	char path[64], line[1024], *p, *end;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* The command name may hold spaces and parentheses: skip past the
	 * last ')'. */
	if (!p || !(p = strrchr(line, ')')))
		return -1;
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	*start = strtoull(p + 1, &end, 10);
	return end == p + 1 ? -1 : 0;
}

static void
host_name(char *host, size_t size)
{
	if (gethostname(host, size) < 0)
		snprintf(host, size, "unknown");
	host[size - 1] = '\0';
}

void
sweep_owner(char *owner, size_t size)
{
	unsigned long long start = 0;
	char host[64];

	host_name(host, sizeof(host));
	proc_start((long)getpid(), &start);
	snprintf(owner, size, "%s%s:%ld:%llu", OWNER_TAG, host, (long)getpid(),
		 start);
}

int
sweep_owner_alive(const char *owner)
{
	char host[64], *end;
	const char *p, *q;
	unsigned long long want, have;
	long pid;

	/* An owner written in another format (another version of the
	 * service) is never judged: only its deadline counts. */
	if (strncmp(owner, OWNER_TAG, sizeof(OWNER_TAG) - 1) != 0)
		return -1;
	owner += sizeof(OWNER_TAG) - 1;
	p = strrchr(owner, ':');
	if (!p || p == owner)
		return -1;
	for (q = p - 1; q > owner && *q != ':'; q--)
		;
	if (*q != ':')
		return -1;
	host_name(host, sizeof(host));
	if ((size_t)(q - owner) != strlen(host) ||
	    strncmp(owner, host, (size_t)(q - owner)) != 0)
		return -1;
	pid = strtol(q + 1, &end, 10);
	if (end != p || pid <= 0)
		return -1;
	want = strtoull(p + 1, &end, 10);
	if (*end)
		return -1;
	return proc_start(pid, &have) == 0 && have == want;
}

static const char *
label(json_object *c, const char *key)
{
	json_object *l, *v;

	if (json_object_object_get_ex(c, "Labels", &l) &&
	    json_object_object_get_ex(l, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

int
sweep_run(struct engine *e, struct llsr_err *err)
{
	json_object *list;
	size_t i, n;
	time_t now = time(NULL);
	int removed = 0;

	if (engine_list_labelled(e, POLICY_LABEL, &list, err) < 0)
		return -1;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);
		const char *id =
			json_object_get_string(json_object_object_get(c, "Id"));
		const char *owner = label(c, POLICY_LABEL ".owner");
		long deadline =
			strtol(label(c, POLICY_LABEL ".deadline"), NULL, 10);
		int dead = sweep_owner_alive(owner) == 0;

		if (!dead && !(deadline > 0 && deadline < now))
			continue;
		if (engine_remove(e, id, NULL) == 0) {
			removed++;
			log_info(
				"sweeper removed container %.12s (owner %s %s)",
				id, owner,
				dead ? "is gone" : "missed its deadline");
		}
	}
	json_object_put(list);
	return removed;
}
