#ifndef LLSR_UIDS_H
#define LLSR_UIDS_H
/* Sandbox uids: every container runs as a uid (and gid) of its own, taken
 * from the configured range (uid_range) and held, across every process that
 * shares the lock directory, from before the container is created until
 * after it is removed. The kernel accounts some resources per uid across
 * the whole host (descriptors in flight over unix sockets, inotify
 * instances, RLIMIT_NPROC, pipe buffers); with a uid per container, what
 * one submission uses up is its own.
 *
 * A uid is held by an exclusive flock() on the file DIR/<uid>. The kernel
 * drops the lock when its holder exits, however it exits, so the uids of a
 * crashed worker come free by themselves. The file names the container the
 * uid was given to (written before the container is created, cleared once
 * it is removed): a uid whose file still names a container when it is next
 * taken (its holder died, or gave up removing it) is only given out again
 * once that container is gone. */

#include "llsr/err.h"

/* The most bytes of a container name a lock file records. */
#define UIDS_NAME_MAX 127

struct uids;

/* A uid held for one container. uid 0 (as after memset 0) holds nothing;
 * fd is meaningful only when uid > 0. Moved by plain assignment: whoever
 * has the copy owns it, the old copy must be zeroed. */
struct uid_lease {
	long uid;
	int fd;
};

/* Opens the lock directory dir for the uids lo..hi (1 <= lo <= hi),
 * creating it (mode 0700) when it is missing; its parent must exist. dir
 * must be a directory owned by this process's effective uid and not
 * writable by group or others: whoever can write there can hold uids.
 * NULL with err set (500 internal_error) on failure. */
struct uids *uids_open(const char *dir, long lo, long hi, struct llsr_err *err);

/* Closes the directory; leases taken from u stay valid. NULL does nothing.
 */
void uids_free(struct uids *u);

/* Removes the container name (it may be long gone: that is success).
 * Returns 0 when it no longer exists, -1 otherwise. */
typedef int (*uids_remove_fn)(void *arg, const char *name);

/* Takes the lowest free uid for the container called name (at most
 * UIDS_NAME_MAX bytes of [A-Za-z0-9_.-]), recording name in its file.
 * A free uid whose file names a container left behind is used once
 * remove(arg, that name) succeeds, and skipped when it fails (remove is
 * then not tried again in this call). Returns 0 with *l set, or -1 with
 * err set: 503 uid_exhausted when every uid of the range is held (or left
 * behind), 500 internal_error when a lock file cannot be used. */
int uids_take(struct uids *u, const char *name, uids_remove_fn remove,
	      void *arg, struct uid_lease *l, struct llsr_err *err);

/* The lease's container is removed: clears its record and frees the uid;
 * l is empty afterwards. An empty l does nothing. Touches only l, so any
 * thread may release the leases it owns. */
void uids_release(struct uid_lease *l);

/* The lease's container may still exist (it could not be removed): frees
 * the uid but keeps the record, so that its next taker removes the
 * container first. l is empty afterwards; an empty l does nothing. */
void uids_abandon(struct uid_lease *l);

#endif
