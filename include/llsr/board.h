#ifndef LLSR_BOARD_H
#define LLSR_BOARD_H
/* The board: a small shared-memory table in which every worker of one pool
 * (all workers accepting on the same FastCGI socket) posts whether it is
 * idle or busy, so that a busy worker takes a new connection only when no
 * worker is idle. Lock-free: one slot per worker, C11 atomics. */

#include <stddef.h>
#include <stdint.h>

/* BOARD_WARMING: idle, but its warm container may still be booting; it
 * takes a connection only when no worker is BOARD_IDLE. */
enum board_state { BOARD_IDLE = 1, BOARD_BUSY = 2, BOARD_WARMING = 3 };

struct board;

/* Opens (creating it if need be) the board of the pool listening on
 * listen_fd and claims a slot for this process. NULL on failure (errno
 * set): the caller then works without a board, as if alone. */
struct board *board_open(int listen_fd);

/* A stable id of the pool's listening socket, for naming what the pool's
 * workers share: FNV-1a of its path (stable across restarts of the pool),
 * or its device and inode when it has none. */
uint64_t board_socket_id(int listen_fd);

/* Posts this process's state. b can be NULL. */
void board_set(struct board *b, enum board_state state);

/* The number of live workers posted idle or warming (both accept), this
 * process excluded. */
int board_idle_others(struct board *b);

/* The number of live workers posted idle with a booted warm container
 * (BOARD_IDLE), this process excluded. */
int board_ready_others(struct board *b);

/* The pool's shared counters: BOARD_COUNTERS of them, zero when the board
 * is made, which any worker adds to (atomic_fetch_add) and which outlive
 * the workers, so that they only grow while the board lives. Their meaning
 * is the caller's (metrics.c). NULL when b is NULL. */
#define BOARD_COUNTERS 512
_Atomic uint64_t *board_counters(struct board *b);

/* Posts a value of this worker's (its warm containers), which
 * board_sum adds up over the live workers. b can be NULL. */
void board_post(struct board *b, long value);

/* The sum of the values posted by live workers, this one included; sets
 * *workers to their number. 0 and 0 when b is NULL. */
long board_sum(struct board *b, int *workers);

/* Releases the slot and unmaps; b can be NULL. */
void board_close(struct board *b);

#endif
