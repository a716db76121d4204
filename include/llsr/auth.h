#ifndef LLSR_AUTH_H
#define LLSR_AUTH_H
/* Bearer-token authentication (RFC 6750, header form only). The tokens come
 * from the configuration (keys auth_tokens and auth_token_file); this module
 * reads no file and keeps no state. */

#include "llsr/config.h"

/* 1 when cfg holds at least one token, i.e. authentication is on. */
int auth_enabled(const struct config *cfg);

/* Checks an Authorization header value (borrowed; NULL or "" when the
 * request had none). Returns 0 when authentication is off or the header is
 * "Bearer <token>" (scheme case-insensitive, one or more spaces) with a
 * configured token; -1 otherwise.
 *
 * Timing: the presented token is copied into a zero-padded buffer the size
 * of a token slot, and compared with every configured slot over its whole
 * size by an XOR-accumulating loop, with no early exit. The time taken
 * depends on the number of configured tokens and on the length of what the
 * client sent (both known to the client or harmless), never on the bytes or
 * the lengths of the configured tokens. */
int auth_check(const struct config *cfg, const char *authorization);

/* The same check, naming the token: its number in cfg->auth_tokens (the
 * first one when a token is listed twice), or -1 when none matches or
 * authentication is off. Same timing as auth_check. */
int auth_match(const struct config *cfg, const char *authorization);

#endif
