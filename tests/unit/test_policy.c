/* The sandbox policy's container spec: what the engine is asked for. */
#include "config.h"

#include <check.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/policy.h"
#include "tap_main.h"

/* HostConfig.<key> of a spec built for cfg, as an integer (-1: absent). */
static long long
host_int(const struct config *cfg, const struct policy_limits *lim,
	 const char *key)
{
	json_object *spec = policy_container_spec(cfg, lim, "w1:h:1:1");
	json_object *host, *v;
	long long n = -1;

	ck_assert_ptr_nonnull(spec);
	if (json_object_object_get_ex(spec, "HostConfig", &host) &&
	    json_object_object_get_ex(host, key, &v))
		n = json_object_get_int64(v);
	json_object_put(spec);
	return n;
}

static const char *
host_runtime(const struct config *cfg, const struct policy_limits *lim,
	     char *out, size_t size)
{
	json_object *spec = policy_container_spec(cfg, lim, "w1:h:1:1");
	json_object *host, *v;

	out[0] = '\0';
	if (json_object_object_get_ex(spec, "HostConfig", &host) &&
	    json_object_object_get_ex(host, "Runtime", &v))
		snprintf(out, size, "%s", json_object_get_string(v));
	json_object_put(spec);
	return out;
}

START_TEST(runc_gets_the_configured_pids)
{
	struct config c;
	struct policy_limits lim = {256, 1.0, 64, 0};
	char rt[64];

	config_defaults(&c);
	ck_assert_int_eq(host_int(&c, &lim, "PidsLimit"), 64);
	ck_assert_str_eq(host_runtime(&c, &lim, rt, sizeof(rt)), "");
	snprintf(c.runtime, sizeof(c.runtime), "runc");
	ck_assert_int_eq(host_int(&c, &lim, "PidsLimit"), 64);
	ck_assert_str_eq(host_runtime(&c, &lim, rt, sizeof(rt)), "runc");
}
END_TEST

START_TEST(runsc_leaves_room_for_gvisor)
{
	struct config c;
	struct policy_limits lim = {256, 1.0, 64, 0};
	char rt[64];

	config_defaults(&c);
	snprintf(c.runtime, sizeof(c.runtime), "runsc");
	ck_assert_int_eq(host_int(&c, &lim, "PidsLimit"),
			 64 * POLICY_RUNSC_PIDS_FACTOR);
	ck_assert_str_eq(host_runtime(&c, &lim, rt, sizeof(rt)), "runsc");
	/* never past the engine-side maximum */
	lim.pids = 65536;
	ck_assert_int_eq(host_int(&c, &lim, "PidsLimit"), POLICY_PIDS_MAX);
	ck_assert_int_eq(policy_engine_pids(&c, 8), 8 * POLICY_RUNSC_PIDS_FACTOR);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("pids");

	tcase_add_test(tc, runc_gets_the_configured_pids);
	tcase_add_test(tc, runsc_leaves_room_for_gvisor);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(policy_suite());
}
