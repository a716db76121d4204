#include "config.h"

#include "llsr/passk.h"

int
passk_estimate(unsigned long n, unsigned long c, unsigned long k, double *out)
{
	double prod = 1.0;
	unsigned long i;

	if (k == 0 || k > n || c > n)
		return -1;
	/* Every draw of k contains a passing sample. */
	if (n - c < k) {
		*out = 1.0;
		return 0;
	}
	for (i = n - c + 1; i <= n; i++)
		prod *= 1.0 - (double)k / (double)i;
	*out = 1.0 - prod;
	return 0;
}

int
passk_mean(const unsigned long *n, const unsigned long *c, size_t ntasks,
	   unsigned long k, double *out)
{
	double sum = 0.0, v;
	size_t i;

	if (ntasks == 0)
		return -1;
	for (i = 0; i < ntasks; i++) {
		if (passk_estimate(n[i], c[i], k, &v) < 0)
			return -1;
		sum += v;
	}
	*out = sum / (double)ntasks;
	return 0;
}
