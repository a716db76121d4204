#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "llsr/board.h"

#define BOARD_SLOTS 256
#define BOARD_MAGIC 0x6c6c7362u /* "llsb" */

struct slot {
	atomic_int pid;
	atomic_int state;
	atomic_long value; /* board_post */
};

struct table {
	atomic_uint magic;
	struct slot slot[BOARD_SLOTS];
	_Atomic uint64_t counter[BOARD_COUNTERS];
};

struct board {
	struct table *t;
	struct slot *mine;
};

static int
alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

uint64_t
board_socket_id(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	struct stat st;
	size_t i;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == 0 &&
	    sun.sun_family == AF_UNIX && sun.sun_path[0]) {
		for (i = 0; i < sizeof(sun.sun_path) && sun.sun_path[i]; i++)
			h = (h ^ (unsigned char)sun.sun_path[i]) *
			    1099511628211ull;
	} else if (fstat(fd, &st) == 0) {
		h = ((uint64_t)st.st_dev << 32) ^ (uint64_t)st.st_ino;
	}
	return h;
}

/* The board is named after the socket (board_socket_id) and the table's
 * layout: a pool restarted by a build of another layout gets a new one. */
static void
board_name(int fd, char *name, size_t size)
{
	snprintf(name, size, "/llsr-board2-%016llx",
		 (unsigned long long)board_socket_id(fd));
}

struct board *
board_open(int listen_fd)
{
	struct board *b;
	char name[64];
	unsigned expect = 0;
	int fd, i, me = (int)getpid();

	board_name(listen_fd, name, sizeof(name));
	fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, sizeof(struct table)) < 0) {
		close(fd);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b)
		b->t = mmap(NULL, sizeof(struct table), PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
	close(fd);
	if (!b || b->t == MAP_FAILED) {
		free(b);
		return NULL;
	}
	/* A new file is all zeroes, which is a valid empty table. */
	atomic_compare_exchange_strong(&b->t->magic, &expect, BOARD_MAGIC);
	for (i = 0; i < BOARD_SLOTS && !b->mine; i++) {
		struct slot *s = &b->t->slot[i];
		int old = atomic_load(&s->pid);

		/* A free slot, or one a dead worker held. */
		if ((old == 0 || (old != me && !alive(old))) &&
		    atomic_compare_exchange_strong(&s->pid, &old, me))
			b->mine = s;
	}
	if (!b->mine) {
		munmap(b->t, sizeof(struct table));
		free(b);
		errno = ENOSPC;
		return NULL;
	}
	atomic_store(&b->mine->value, 0);
	atomic_store(&b->mine->state, BOARD_BUSY);
	return b;
}

void
board_set(struct board *b, enum board_state state)
{
	if (b)
		atomic_store(&b->mine->state, (int)state);
}

/* Live workers other than this one whose state is one of want's bits. */
static int
count_others(struct board *b, unsigned want)
{
	int i, n = 0;

	if (!b)
		return 0;
	for (i = 0; i < BOARD_SLOTS; i++) {
		struct slot *s = &b->t->slot[i];
		int pid = atomic_load(&s->pid), st = atomic_load(&s->state);

		if (s != b->mine && pid && st > 0 && st < 32 &&
		    (want & (1u << st)) && alive(pid))
			n++;
	}
	return n;
}

int
board_idle_others(struct board *b)
{
	return count_others(b, 1u << BOARD_IDLE | 1u << BOARD_WARMING);
}

int
board_ready_others(struct board *b)
{
	return count_others(b, 1u << BOARD_IDLE);
}

_Atomic uint64_t *
board_counters(struct board *b)
{
	return b ? b->t->counter : NULL;
}

void
board_post(struct board *b, long value)
{
	if (b)
		atomic_store(&b->mine->value, value);
}

long
board_sum(struct board *b, int *workers)
{
	long sum = 0;
	int i, n = 0;

	if (!b) {
		*workers = 0;
		return 0;
	}
	for (i = 0; i < BOARD_SLOTS; i++) {
		struct slot *s = &b->t->slot[i];
		int pid = atomic_load(&s->pid);

		if (pid && (s == b->mine || alive(pid))) {
			sum += atomic_load(&s->value);
			n++;
		}
	}
	*workers = n;
	return sum;
}

void
board_close(struct board *b)
{
	if (!b)
		return;
	atomic_store(&b->mine->value, 0);
	atomic_store(&b->mine->state, 0);
	atomic_store(&b->mine->pid, 0);
	munmap(b->t, sizeof(struct table));
	free(b);
}
