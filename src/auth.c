#include "config.h"

#include <string.h>
#include <strings.h>

#include "llsr/auth.h"

int
auth_enabled(const struct config *cfg)
{
	return cfg->auth_ntokens > 0;
}

/* 1 when the whole slots a and b are equal, in time that depends on neither:
 * every byte is looked at, differences are OR-ed together. volatile keeps the
 * compiler from turning the loop into an early-exit memcmp. */
static int
slot_equal(const char *a, const char *b)
{
	volatile unsigned char diff = 0;
	size_t i;

	for (i = 0; i < CONFIG_TOKEN_MAX + 1; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	/* 1 when diff is 0, without a branch on it. */
	return (int)((((unsigned)diff) - 1u) >> 8 & 1u);
}

int
auth_check(const struct config *cfg, const char *authorization)
{
	if (!auth_enabled(cfg))
		return 0;
	return auth_match(cfg, authorization) >= 0 ? 0 : -1;
}

int
auth_match(const struct config *cfg, const char *authorization)
{
	char presented[CONFIG_TOKEN_MAX + 1];
	const char *tok;
	size_t len;
	unsigned match = 0, idx = 0, eq;
	int i;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return -1;
	tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	len = strlen(tok);
	while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	/* Too long for any slot: no token can match. Depends only on what
	 * the client sent. */
	if (len == 0 || len > CONFIG_TOKEN_MAX)
		return -1;
	memset(presented, 0, sizeof(presented));
	memcpy(presented, tok, len);
	for (i = 0; i < CONFIG_TOKENS_MAX; i++) {
		/* Unused slots are all zeros and presented is not: comparing
		 * them too keeps the time independent of auth_ntokens. The
		 * index is picked by a mask, not a branch. */
		eq = (unsigned)slot_equal(presented, cfg->auth_tokens[i]);
		idx |= (0u - (eq & ~match)) & (unsigned)i;
		match |= eq;
	}
	return match ? (int)idx : -1;
}
