#ifndef LLSR_REAPER_H
#define LLSR_REAPER_H
/* A worker's remover: removes used containers on a thread of its own, over
 * an engine connection of its own, so that the worker warms its next
 * container while the engine is still removing the last one. The engine does
 * both at once; done one after the other they set the pace of a busy worker.
 * A removal that fails is handed back with reaper_failed; the container's
 * labels let the sweeper find any that is lost anyway (a killed worker). */

#include "llsr/config.h"
#include "llsr/engine.h"

#define REAPER_QUEUE 16

struct reaper;

/* Starts the thread, with every signal blocked in it. cfg is borrowed and
 * must outlive the reaper. NULL when no thread or memory could be had: the
 * caller then removes its containers itself. */
struct reaper *reaper_new(const struct config *cfg);

/* Queues the container id for removal. -1 when the queue is full: the
 * caller keeps the id and removes it itself. */
int reaper_push(struct reaper *r, const char *id);

/* Moves the id of one failed removal into id. 1 when there was one, 0 when
 * there was none. */
int reaper_failed(struct reaper *r, char id[ENGINE_ID_LEN + 1]);

/* Waits until every queued removal has been tried, ends the thread and
 * frees r; failures not yet taken with reaper_failed are logged. NULL
 * does nothing. */
void reaper_free(struct reaper *r);

#endif
