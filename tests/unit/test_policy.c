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
	/* room for gVisor's kernel beside the submission's memory_mb (which
	 * the harness enforces per process under runsc) */
	ck_assert_int_eq(host_int(&c, &lim, "Memory"),
			 (256LL + POLICY_RUNSC_MEMORY_EXTRA_MB) << 20);
	ck_assert_int_eq(host_int(&c, &lim, "MemorySwap"),
			 (256LL + POLICY_RUNSC_MEMORY_EXTRA_MB) << 20);
	ck_assert_int_eq(policy_engine_memory_mb(&c, 64),
			 64 + POLICY_RUNSC_MEMORY_EXTRA_MB);
	snprintf(c.runtime, sizeof(c.runtime), "runc");
	ck_assert_int_eq(policy_engine_memory_mb(&c, 64), 64);
}
END_TEST

/* The spec's HostConfig.SecurityOpt for c. */
static json_object *
secopt_of(const struct config *c, json_object **spec)
{
	struct policy_limits lim = {.memory_mb = 64, .cpus = 1.0, .pids = 32};
	json_object *host, *opt;

	*spec = policy_container_spec(c, &lim, "test:1:2");
	ck_assert_ptr_nonnull(*spec);
	ck_assert(json_object_object_get_ex(*spec, "HostConfig", &host));
	ck_assert(json_object_object_get_ex(host, "SecurityOpt", &opt));
	return opt;
}

/* By default the built-in profile's JSON text goes to the engine after
 * "seccomp=": the Engine API takes the profile, not a path. */
START_TEST(test_builtin_profile)
{
	struct config c;
	json_object *spec, *opt;
	const char *s;

	config_defaults(&c);
	opt = secopt_of(&c, &spec);
	ck_assert_int_eq(json_object_array_length(opt), 2);
	ck_assert_str_eq(
		json_object_get_string(json_object_array_get_idx(opt, 0)),
		"no-new-privileges");
	s = json_object_get_string(json_object_array_get_idx(opt, 1));
	ck_assert(!strncmp(s, "seccomp=", 8));
	ck_assert_str_eq(s + 8, c.seccomp_json);
	ck_assert_ptr_nonnull(strstr(s, "\"io_uring_setup\""));
	json_object_put(spec);
}
END_TEST

/* engine-default: no profile of ours, the engine's default applies. */
START_TEST(test_engine_default)
{
	struct config c;
	json_object *spec, *opt;

	config_defaults(&c);
	strcpy(c.seccomp_profile, "engine-default");
	c.seccomp_json[0] = '\0';
	ck_assert_int_eq(config_validate(&c, "t", NULL), 0);
	opt = secopt_of(&c, &spec);
	ck_assert_int_eq(json_object_array_length(opt), 1);
	ck_assert_str_eq(
		json_object_get_string(json_object_array_get_idx(opt, 0)),
		"no-new-privileges");
	json_object_put(spec);
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

	tc = tcase_create("seccomp");
	tcase_add_test(tc, test_builtin_profile);
	tcase_add_test(tc, test_engine_default);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(policy_suite());
}
