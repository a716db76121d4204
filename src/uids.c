#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llsr/log.h"
#include "llsr/uids.h"

struct uids {
	int dirfd;
	long lo, hi;
	char dir[512];
};

struct uids *
uids_open(const char *dir, long lo, long hi, struct llsr_err *err)
{
	struct uids *u;
	struct stat st;
	int fd;

	if (lo < 1 || hi < lo) {
		err_set(err, 500, "internal_error",
			"uid range %ld-%ld is empty", lo, hi);
		return NULL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(err, 500, "internal_error",
			"uid_lock_dir %s: cannot create it: %s", dir,
			strerror(errno));
		return NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err_set(err, 500, "internal_error", "uid_lock_dir %s: %s", dir,
			strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		err_set(err, 500, "internal_error",
			"uid_lock_dir %s must be a directory owned by uid %ld "
			"and writable by no one else (whoever can write there "
			"can hold sandbox uids)",
			dir, (long)geteuid());
		close(fd);
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		close(fd);
		err_set(err, 500, "internal_error", "out of memory");
		return NULL;
	}
	u->dirfd = fd;
	u->lo = lo;
	u->hi = hi;
	snprintf(u->dir, sizeof(u->dir), "%s", dir);
	return u;
}

void
uids_free(struct uids *u)
{
	if (!u)
		return;
	close(u->dirfd);
	free(u);
}

static int
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > UIDS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* Writes name as the file's whole content. */
static int
record(int fd, const char *name, size_t len)
{
	ssize_t n;

	if (ftruncate(fd, 0) < 0)
		return -1;
	n = pwrite(fd, name, len, 0);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int
uids_take(struct uids *u, const char *name, uids_remove_fn remove, void *arg,
	  struct uid_lease *l, struct llsr_err *err)
{
	char file[32], old[UIDS_NAME_MAX + 2];
	size_t len = strlen(name);
	long uid, left_behind = 0;
	int fd, may_remove = 1;
	ssize_t n;

	l->uid = 0;
	l->fd = -1;
	if (!name_ok(name, len))
		return err_set(err, 500, "internal_error",
			       "bad container name for a uid record");
	for (uid = u->lo; uid <= u->hi; uid++) {
		snprintf(file, sizeof(file), "%ld", uid);
		fd = openat(u->dirfd, file,
			    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return err_set(err, 500, "internal_error",
				       "uid lock file %s/%s: %s", u->dir, file,
				       strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK || e == EINTR)
				continue; /* held: a live container has it */
			return err_set(err, 500, "internal_error",
				       "uid lock file %s/%s: flock: %s", u->dir,
				       file, strerror(e));
		}
		n = pread(fd, old, sizeof(old) - 1, 0);
		if (n > 0) {
			old[n] = '\0';
			if (!name_ok(old, (size_t)n)) {
				log_warn("uid lock file %s/%s held garbage; "
					 "cleared",
					 u->dir, file);
			} else if (!may_remove || remove(arg, old) < 0) {
				/* Left behind and maybe still running: not
				 * this uid, not now. */
				may_remove = 0;
				left_behind++;
				close(fd);
				continue;
			} else {
				log_info("uid %ld: removed container %s, left "
					 "behind by an earlier holder",
					 uid, old);
			}
		}
		if (record(fd, name, len) < 0) {
			int e = errno;

			close(fd);
			return err_set(err, 500, "internal_error",
				       "uid lock file %s/%s: %s", u->dir, file,
				       strerror(e));
		}
		l->uid = uid;
		l->fd = fd;
		return 0;
	}
	return err_set(err, 503, "uid_exhausted",
		       "every sandbox uid (uid_range %ld-%ld) is held by a "
		       "live container%s; retry later, or widen uid_range",
		       u->lo, u->hi,
		       left_behind ? " or one left behind that could not be "
				     "removed"
				   : "");
}

void
uids_release(struct uid_lease *l)
{
	if (l->uid <= 0)
		return;
	/* A failed truncate only leaves a record of a container that is gone:
	 * the next taker removes it again (404, success). */
	if (ftruncate(l->fd, 0) < 0)
		log_warn("uid %ld: clearing its record: %s", l->uid,
			 strerror(errno));
	close(l->fd);
	l->uid = 0;
	l->fd = -1;
}

void
uids_abandon(struct uid_lease *l)
{
	if (l->uid <= 0)
		return;
	close(l->fd);
	l->uid = 0;
	l->fd = -1;
}
