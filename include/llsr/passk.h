#ifndef LLSR_PASSK_H
#define LLSR_PASSK_H
/* pass@k, the unbiased estimator of Chen et al. 2021 ("Evaluating Large
 * Language Models Trained on Code", the Codex paper): with n samples of a
 * task of which c pass, the probability that at least one of k samples drawn
 * without replacement passes, 1 - C(n-c, k) / C(n, k). */

#include <stddef.h>

/* Stores pass@k of one task in *out and returns 0; -1 (and *out untouched)
 * unless 1 <= k <= n and c <= n. Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i),
 * which never forms a binomial coefficient, so it neither overflows nor loses
 * precision for large n. */
int passk_estimate(unsigned long n, unsigned long c, unsigned long k,
		   double *out);

/* The mean of pass@k over ntasks tasks (n[i] samples, c[i] passing), as the
 * paper reports it. Returns 0, or -1 when ntasks is 0 or some task has fewer
 * than k samples (then pass@k is not defined for the set). n, c borrowed. */
int passk_mean(const unsigned long *n, const unsigned long *c, size_t ntasks,
	       unsigned long k, double *out);

#endif
