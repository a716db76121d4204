#ifndef LLSR_REAPER_H
#define LLSR_REAPER_H
/* A worker's remover: removes used containers on a thread of its own, over
 * an engine connection of its own, so that the worker warms its next
 * container while the engine is still removing the last one. The engine does
 * both at once; done one after the other they set the pace of a busy worker.
 * A removal the engine refused is tried again after the next push or kick,
 * and once more at reaper_free; the container's labels let the sweeper find
 * any that is lost anyway (a killed worker, an engine down for good). */

#include "llsr/config.h"
#include "llsr/engine.h"
#include "llsr/uids.h"

#define REAPER_QUEUE 16

struct reaper;

/* Starts the thread, with every signal blocked in it. cfg is borrowed and
 * must outlive the reaper. NULL when no thread or memory could be had. */
struct reaper *reaper_new(const struct config *cfg);

/* Queues the container id for removal; removals that failed earlier are
 * tried again with it. The reaper takes ownership of *lease (the uid the
 * container runs as; it may be empty) and zeroes it: the uid is released
 * once the container is removed, or abandoned (see uids.h) when the
 * removal is given up. -1 when the queue is full: the caller removes the
 * container itself and still owns the lease. */
int reaper_push(struct reaper *r, const char *id, struct uid_lease *lease);

/* Has the removals that failed tried again now (periodic upkeep). */
void reaper_kick(struct reaper *r);

/* Waits until every queued removal has been tried, tries the failed ones
 * once more, logs what is still left for the sweeper, ends the thread and
 * frees r. NULL does nothing. */
void reaper_free(struct reaper *r);

#endif
