#ifndef LLSR_TAP_MAIN_H
#define LLSR_TAP_MAIN_H
/* The main of every unit test: runs one Check suite, TAP on stdout (for
 * automake's tap-driver.sh), exit status non-zero when a test failed. */

#include <check.h>
#include <stdlib.h>

static inline int
tap_main(Suite *s)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
