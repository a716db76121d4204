#ifndef LLSR_CONFIG_H
#define LLSR_CONFIG_H
/* The service configuration: one table of keys (type, range, default),
 * parsed once at start-up into a struct that is read-only afterwards. Only
 * this module reads configuration files. File syntax: `key = value` lines,
 * `#` starts a comment line, blank lines are ignored, a value may be wrapped
 * in double quotes. Every key, its default and its range is documented in
 * conf/ll-solution-runner.conf. */

#include <stdio.h>

enum config_log_target { CONFIG_LOG_STDERR = 0, CONFIG_LOG_SYSLOG };
/* PID 1 of the sandbox: the harness itself, or the engine's docker-init. */
enum config_init { CONFIG_INIT_HARNESS = 0, CONFIG_INIT_DOCKER };
/* Whether uid_range may contain the uid or gid of key user. */
enum config_uid_overlap {
	CONFIG_UID_OVERLAP_REFUSE = 0,
	CONFIG_UID_OVERLAP_ALLOW
};

/* The most sandbox uids one worker holds beyond its warm pool: the run in
 * hand, and containers waiting for their removal (the reaper's queue, its
 * retries, and the one it is removing: see reaper.h). uid_range must hold
 * max_workers * (pool_size + CONFIG_UIDS_PER_WORKER) uids. */
#define CONFIG_UIDS_PER_WORKER 50

/* Bearer tokens: at most this many, each of 16 to CONFIG_TOKEN_MAX bytes of
 * the RFC 6750 b64token alphabet (A-Z a-z 0-9 - . _ ~ + /, then '=' padding).
 */
#define CONFIG_TOKENS_MAX 32
#define CONFIG_TOKEN_MIN  16
#define CONFIG_TOKEN_MAX  128

/* The seccomp profile's JSON text, NUL included, is at most this long. */
#define CONFIG_SECCOMP_MAX 65536

struct config {
	/* Docker Engine API endpoint */
	char engine_url[512];	   /* unix:///path, http://h:p or https://h:p */
	char engine_tls_ca[512];   /* PEM CA bundle for https, "" = system */
	char engine_tls_cert[512]; /* client certificate, "" = none */
	char engine_tls_key[512];  /* client key, "" = none */
	char engine_api_version[16]; /* "auto" (negotiate) or "1.41" style */
	long engine_timeout_ms;	     /* every engine call but the run itself */

	/* Sandbox */
	char image[256];
	char runtime[64]; /* "" = the engine's default, or e.g. "runsc" */
	/* seccomp_profile: "builtin" (conf/seccomp.json, compiled in),
	 * "engine-default" (the engine's own default profile) or the absolute
	 * path of a profile in Docker's JSON format. seccomp_json is that
	 * profile's compact JSON text, read and checked at load time, "" for
	 * engine-default; policy passes it as SecurityOpt "seccomp=<text>". */
	char seccomp_profile[512];
	char seccomp_json[CONFIG_SECCOMP_MAX];
	int init;	    /* enum config_init */
	char user[64];	    /* uid:gid inside the container (uid_range off) */
	char uid_range[64]; /* "LO-HI": a uid of its own per container;
			     * "off": every container runs as user */
	int uid_range_overlap;	/* enum config_uid_overlap */
	char uid_lock_dir[512]; /* the uids' lock files (see uids.h) */
	long max_workers;	/* workers sharing the range, for the check */
	long memory_mb;		/* cap and default; client may lower */
	long timeout_ms;	/* cap and default wall clock of a run */
	double cpus;
	long pids_limit;
	long tmpfs_mb;
	long nofile;
	long fsize_mb;
	long output_limit_bytes; /* user stdout, and stderr, kept per run */
	long report_limit_bytes; /* the harness's whole report */

	/* Program cases ("cases" in /run_code): caps a client may lower */
	long max_cases;	      /* cases in one request */
	long max_case_bytes;  /* one case's stdin, expected output, stdout */
	long case_timeout_ms; /* cap and default CPU time of one case */
	/* The client's checker (compare "checker"): caps a client may lower */
	long checker_timeout_ms;   /* CPU time of one checker run */
	long checker_memory_mb;	   /* its own memory limit */
	long checker_output_bytes; /* its stdout kept (the message's source) */

	/* HTTP */
	long max_body_bytes;
	long max_queue; /* requests waiting for a worker */

	/* Batches: {"submissions": [...]} in one container */
	long max_batch;	       /* submissions in one batch */
	double batch_cpus;     /* CPUs of a batch's container */
	long batch_memory_mb;  /* memory of a batch's container */
	long batch_timeout_ms; /* wall clock of a whole batch */

	/* Authentication. The tokens of key auth_tokens and then those read
	 * from auth_token_file at load time, held in the struct itself (no
	 * heap: a copy of the struct is a complete, independent config).
	 * Every slot is zero-padded to its full size, used or not, so that
	 * auth_check can compare whole slots. auth_ntokens == 0 means that
	 * authentication is off. Secret: config_dump prints only the count. */
	char auth_token_file[512]; /* one token a line, "" = none */
	int auth_ntokens;
	char auth_tokens[CONFIG_TOKENS_MAX][CONFIG_TOKEN_MAX + 1];

	/* Warm pool: containers each worker keeps started and waiting */
	long pool_size;	     /* 0 turns the pool off */
	long pool_max_age_s; /* older warm containers are replaced */
	long pool_ready_ms;  /* a younger one may still be booting */

	/* Fair shares (src/fair.c): per client, a bearer token when tokens
	 * are configured, else the client's address. 0 = unlimited. */
	long max_batch_cost_ms;	 /* sum of a batch's timeout_ms */
	long client_concurrency; /* requests in service at once */
	double client_rate;	 /* requests per second (token bucket) */
	long client_burst;	 /* the bucket's size */
	/* Per token, from auth_token_file options; -1 = the client_* key's. */
	long auth_concurrency[CONFIG_TOKENS_MAX];
	double auth_rate[CONFIG_TOKENS_MAX];
	long auth_burst[CONFIG_TOKENS_MAX];

	/* Logging */
	enum config_log_target log_target;
	int log_level; /* enum log_level */
};

/* Fills c with the documented defaults. */
void config_defaults(struct config *c);

/* Reads path on top of what c holds (call config_defaults first). Every
 * problem (unreadable file, syntax error, unknown key, duplicate key, bad or
 * out-of-range value) is written to errout as "path:line: message", and
 * parsing goes on so that all are reported at once; errout can be NULL.
 * When auth_token_file is set, that file is read too (after the whole of
 * path) and its tokens added to those of auth_tokens; its problems are
 * reported as "tokenfile:line: message", never with the token itself.
 * Returns the number of problems: 0 means c is complete and valid. */
int config_load(struct config *c, const char *path, FILE *errout);

/* Checks the cross-key rules (e.g. https URL needs no cert but unix needs a
 * path). Same reporting as config_load with line 0. Returns problem count. */
int config_validate(const struct config *c, const char *path, FILE *errout);

/* The range of key uid_range: 1 with *lo and *hi set, 0 when it is off
 * (every container runs as key user). c must be valid. */
int config_uid_range(const struct config *c, long *lo, long *hi);

/* Writes every key with its current value, in table order, as a valid
 * config file; the tokens are never written: a non-empty auth_tokens comes
 * out as the comment line "# auth_tokens = <N tokens>". */
void config_dump(const struct config *c, FILE *out);

/* Whether the sandbox's kernel is gVisor's (runtime "runsc"). */
int config_is_runsc(const struct config *c);

#endif
