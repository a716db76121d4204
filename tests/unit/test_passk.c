#include "config.h"

#include <math.h>

#include "llsr/passk.h"
#include "tap_main.h"

#define EPS 1e-12

/* C(a, b) in floating point, straight from the definition, for small a. */
static double
binom(unsigned long a, unsigned long b)
{
	double r = 1.0;
	unsigned long i;

	if (b > a)
		return 0.0;
	for (i = 1; i <= b; i++)
		r = r * (double)(a - b + i) / (double)i;
	return r;
}

static double
est(unsigned long n, unsigned long c, unsigned long k)
{
	double v = -1.0;

	ck_assert_int_eq(passk_estimate(n, c, k, &v), 0);
	return v;
}

START_TEST(known_values)
{
	ck_assert_double_eq_tol(est(10, 3, 1), 0.3, EPS);
	ck_assert_double_eq_tol(est(5, 0, 1), 0.0, EPS);
	ck_assert_double_eq_tol(est(5, 0, 5), 0.0, EPS);
	ck_assert_double_eq_tol(est(5, 5, 1), 1.0, EPS);
	ck_assert_double_eq_tol(est(5, 5, 5), 1.0, EPS);
	ck_assert_double_eq_tol(est(1, 1, 1), 1.0, EPS);
	ck_assert_double_eq_tol(est(1, 0, 1), 0.0, EPS);
	/* k > n - c: every draw holds a passing sample. */
	ck_assert_double_eq_tol(est(10, 3, 8), 1.0, EPS);
	ck_assert_double_eq_tol(est(10, 9, 2), 1.0, EPS);
	/* n=10, c=3, k=2: 1 - C(7,2)/C(10,2) = 1 - 21/45 */
	ck_assert_double_eq_tol(est(10, 3, 2), 1.0 - 21.0 / 45.0, EPS);
	/* pass@1 is always c/n. */
	ck_assert_double_eq_tol(est(200, 37, 1), 37.0 / 200.0, EPS);
}
END_TEST

START_TEST(matches_binomials)
{
	unsigned long n, c, k;

	for (n = 1; n <= 30; n++)
		for (c = 0; c <= n; c++)
			for (k = 1; k <= n; k++)
				ck_assert_double_eq_tol(
					est(n, c, k),
					1.0 - binom(n - c, k) / binom(n, k),
					1e-9);
}
END_TEST

/* A plain loop and one assertion at the end: a Check assertion per point
 * made this test take seconds, and time out on a loaded machine. */
START_TEST(monotonic_in_k)
{
	static const unsigned long ns[] = {1, 2, 3, 7, 10, 31, 64, 100, 200};
	unsigned long n, c, k, bad_n = 0, bad_c = 0, bad_k = 0;
	double prev, v = 0.0;
	size_t i, bad = 0;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		n = ns[i];
		for (c = 0; c <= n; c += 1 + n / 16) {
			if (passk_estimate(n, c, 1, &prev) < 0)
				prev = -1.0;
			for (k = 2; k <= n; k++) {
				if (passk_estimate(n, c, k, &v) < 0 ||
				    v < prev - EPS || v < 0.0 || v > 1.0) {
					if (!bad++) {
						bad_n = n;
						bad_c = c;
						bad_k = k;
					}
				}
				prev = v;
			}
		}
	}
	ck_assert_msg(bad == 0,
		      "%zu points not monotonic or out of [0, 1], the first "
		      "at n=%lu c=%lu k=%lu",
		      bad, bad_n, bad_c, bad_k);
}
END_TEST

START_TEST(large_n_is_stable)
{
	double v = est(100000, 1, 100);

	/* 1 - C(99999,100)/C(100000,100) = 100/100000 exactly. */
	ck_assert_double_eq_tol(v, 0.001, 1e-12);
	ck_assert(isfinite(est(1000000, 500000, 1000)));
	ck_assert_double_eq_tol(est(1000000, 500000, 1000), 1.0, 1e-12);
}
END_TEST

START_TEST(undefined)
{
	double v = 42.0;

	ck_assert_int_eq(passk_estimate(5, 1, 0, &v), -1);
	ck_assert_int_eq(passk_estimate(5, 1, 6, &v), -1);
	ck_assert_int_eq(passk_estimate(5, 6, 1, &v), -1);
	ck_assert_int_eq(passk_estimate(0, 0, 1, &v), -1);
	ck_assert_double_eq(v, 42.0);
}
END_TEST

START_TEST(mean_over_tasks)
{
	unsigned long n[] = {10, 10, 5};
	unsigned long c[] = {3, 0, 5};
	double v = -1.0;

	ck_assert_int_eq(passk_mean(n, c, 3, 1, &v), 0);
	ck_assert_double_eq_tol(v, (0.3 + 0.0 + 1.0) / 3.0, EPS);
	ck_assert_int_eq(passk_mean(n, c, 3, 5, &v), 0);
	ck_assert_double_eq_tol(v, (est(10, 3, 5) + 0.0 + 1.0) / 3.0, EPS);
	/* A task with 5 samples leaves pass@10 undefined for the set. */
	ck_assert_int_eq(passk_mean(n, c, 3, 10, &v), -1);
	ck_assert_int_eq(passk_mean(n, c, 2, 10, &v), 0);
	ck_assert_int_eq(passk_mean(n, c, 0, 1, &v), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("passk");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, known_values);
	tcase_add_test(tc, matches_binomials);
	tcase_add_test(tc, monotonic_in_k);
	tcase_add_test(tc, large_n_is_stable);
	tcase_add_test(tc, undefined);
	tcase_add_test(tc, mean_over_tasks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(suite());
}
