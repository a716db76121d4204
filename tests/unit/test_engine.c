/* The Engine API client against the tests' fake engine: version
 * negotiation, and what each engine fault becomes (the error code a client
 * sees, the engine's own message kept, a refused sandbox removed again, a
 * hanging engine bounded by engine_timeout_ms). The real dockerd path is
 * the integration suites'. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_engine.h"
#include "llsr/config.h"
#include "llsr/engine.h"
#include "llsr/err.h"
#include "tap_main.h"

static struct fake_engine fk;
static struct config cfg;

static struct engine *
setup(void)
{
	struct engine *e;

	fe_start(&fk, &cfg);
	e = engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	return e;
}

static void
teardown(struct engine *e)
{
	engine_free(e);
	fe_stop(&fk);
}

static json_object *
spec(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Image",
			       json_object_new_string("llsr-sandbox:test"));
	return o;
}

/* Creates a container; -1 with err filled when the engine refuses. */
static int
create(struct engine *e, char *id, struct llsr_err *err)
{
	json_object *o = spec();
	int rc;

	err_clear(err);
	rc = engine_create(e, "llsr-unit", o, id, err);
	json_object_put(o);
	return rc;
}

START_TEST(negotiates_the_engines_version)
{
	struct llsr_err err;
	struct engine *e = setup();

	snprintf(cfg.engine_api_version, sizeof(cfg.engine_api_version),
		 "auto");
	ck_assert_int_eq(engine_ping(e, &err), 0);
	ck_assert_str_eq(engine_api_version(e), "1.41");
	teardown(e);
}
END_TEST

START_TEST(a_newer_engine_is_spoken_to_at_our_newest)
{
	struct llsr_err err;
	struct engine *e = setup();

	snprintf(cfg.engine_api_version, sizeof(cfg.engine_api_version),
		 "auto");
	fe_do(&fk, "api 9.99");
	ck_assert_int_eq(engine_ping(e, &err), 0);
	ck_assert_str_eq(engine_api_version(e), ENGINE_API_MAX);
	teardown(e);
}
END_TEST

START_TEST(an_older_engine_is_refused)
{
	struct llsr_err err;
	struct engine *e = setup();

	snprintf(cfg.engine_api_version, sizeof(cfg.engine_api_version),
		 "auto");
	fe_do(&fk, "api 1.24");
	err_clear(&err);
	ck_assert_int_eq(engine_ping(e, &err), -1);
	ck_assert_int_eq(err.status, 503);
	ck_assert_str_eq(err.code, "engine_unavailable");
	ck_assert_ptr_nonnull(strstr(err.message, "1.24"));
	teardown(e);
}
END_TEST

START_TEST(creates_a_container)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	ck_assert_int_eq(create(e, id, &err), 0);
	ck_assert_uint_eq(strlen(id), ENGINE_ID_LEN);
	ck_assert_int_eq(fe_count(&fk, "POST", "/containers/create"), 1);
	teardown(e);
}
END_TEST

/* A limit the host cannot enforce comes back as a create Warning: the
 * sandbox would be weaker than configured, so it never runs. */
START_TEST(warnings_refuse_the_sandbox_and_remove_it)
{
	char id[ENGINE_ID_LEN + 1] = "x";
	struct llsr_err err;
	struct engine *e = setup();

	fe_do(&fk, "mode warnings");
	ck_assert_int_eq(create(e, id, &err), -1);
	ck_assert_int_eq(err.status, 503);
	ck_assert_str_eq(err.code, "sandbox_refused");
	ck_assert_ptr_nonnull(strstr(err.message, "memory limit"));
	ck_assert_str_eq(id, "");
	ck_assert_int_eq(fe_count(&fk, "DELETE", "/containers/[0-9a-f]{64}"),
			 1);
	teardown(e);
}
END_TEST

START_TEST(a_missing_image_says_so)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	fe_do(&fk, "mode no_image");
	ck_assert_int_eq(create(e, id, &err), -1);
	ck_assert_str_eq(err.code, "image_missing");
	ck_assert_ptr_nonnull(strstr(err.message, "build-image.sh"));
	teardown(e);
}
END_TEST

START_TEST(a_failed_create_keeps_the_engines_message)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	fe_do(&fk, "mode fail_create");
	ck_assert_int_eq(create(e, id, &err), -1);
	ck_assert_int_eq(err.status, 503);
	ck_assert_str_eq(err.code, "engine_error");
	ck_assert_ptr_nonnull(strstr(err.message, "HTTP 500"));
	ck_assert_ptr_nonnull(strstr(err.message, "no space left on device"));
	teardown(e);
}
END_TEST

/* An id is used in later URLs: anything but 64 hex digits is refused. */
START_TEST(an_invalid_id_is_refused)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	fe_do(&fk, "mode bad_id");
	ck_assert_int_eq(create(e, id, &err), -1);
	ck_assert_str_eq(err.code, "engine_error");
	ck_assert_ptr_nonnull(strstr(err.message, "no valid Id"));
	teardown(e);
}
END_TEST

/* An engine that accepts and never answers costs engine_timeout_ms, not
 * the fake's 30 s hang (Check's own timeout, 20 s, fails the test). */
START_TEST(a_hanging_engine_is_bounded)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	cfg.engine_timeout_ms = 300;
	fe_do(&fk, "mode hang_create");
	ck_assert_int_eq(create(e, id, &err), -1);
	ck_assert_str_eq(err.code, "engine_unavailable");
	ck_assert_ptr_nonnull(strstr(err.message, "imeout"));
	teardown(e);
}
END_TEST

START_TEST(an_engine_that_is_gone_is_unavailable)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	fe_do(&fk, "down");
	ck_assert_int_eq(create(e, id, &err), -1);
	ck_assert_int_eq(err.status, 503);
	ck_assert_str_eq(err.code, "engine_unavailable");
	ck_assert_ptr_nonnull(strstr(err.message, cfg.engine_url));
	teardown(e);
}
END_TEST

/* Removing what is already gone (404) or being removed (409) succeeds;
 * an engine failure does not, and says why. */
START_TEST(remove_what_is_gone_succeeds_a_failure_does_not)
{
	char id[ENGINE_ID_LEN + 1];
	struct llsr_err err;
	struct engine *e = setup();

	memset(id, 'a', ENGINE_ID_LEN);
	id[ENGINE_ID_LEN] = '\0';
	fe_do(&fk, "delete_status 404");
	ck_assert_int_eq(engine_remove(e, id, &err), 0);
	fe_do(&fk, "delete_status 409");
	ck_assert_int_eq(engine_remove(e, id, &err), 0);
	fe_do(&fk, "delete_status 500");
	err_clear(&err);
	ck_assert_int_eq(engine_remove(e, id, &err), -1);
	ck_assert_str_eq(err.code, "engine_error");
	ck_assert_ptr_nonnull(strstr(err.message, "driver failed"));
	/* Force, with the volumes. */
	ck_assert_int_eq(fe_count(&fk, "DELETE", "force=1&v=1$"), 3);
	teardown(e);
}
END_TEST

START_TEST(inspect_reads_the_state)
{
	char id[ENGINE_ID_LEN + 1];
	struct engine_state st = {1, -1, 1};
	struct llsr_err err;
	struct engine *e = setup();

	ck_assert_int_eq(create(e, id, &err), 0);
	ck_assert_int_eq(engine_inspect(e, id, &st, &err), 0);
	ck_assert_int_eq(st.running, 0);
	ck_assert_int_eq(st.exit_code, 0);
	ck_assert_int_eq(st.oom_killed, 0);
	teardown(e);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, negotiates_the_engines_version);
	tcase_add_test(tc, a_newer_engine_is_spoken_to_at_our_newest);
	tcase_add_test(tc, an_older_engine_is_refused);
	tcase_add_test(tc, creates_a_container);
	tcase_add_test(tc, warnings_refuse_the_sandbox_and_remove_it);
	tcase_add_test(tc, a_missing_image_says_so);
	tcase_add_test(tc, a_failed_create_keeps_the_engines_message);
	tcase_add_test(tc, an_invalid_id_is_refused);
	tcase_add_test(tc, a_hanging_engine_is_bounded);
	tcase_add_test(tc, an_engine_that_is_gone_is_unavailable);
	tcase_add_test(tc, remove_what_is_gone_succeeds_a_failure_does_not);
	tcase_add_test(tc, inspect_reads_the_state);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(engine_suite());
}
