#ifndef LLSR_SWEEP_H
#define LLSR_SWEEP_H
/* The sweeper: finds the containers of ours that nobody will remove (their
 * worker died, e.g. SIGKILLed mid-run) and removes them. Every container
 * carries the labels POLICY_LABEL, POLICY_LABEL.owner ("w1:host:pid:start",
 * start being the worker's start time in clock ticks since boot, so that a
 * reused pid is told apart) and POLICY_LABEL.deadline (unix time). */

#include <stddef.h>

#include "llsr/engine.h"

#define SWEEP_OWNER_MAX 128

/* Writes this process's owner string into owner. */
void sweep_owner(char *owner, size_t size);

/* 1 when the owner string names a live process on this host, 0 when it
 * names a dead one here, -1 when it is another host's (or unreadable). */
int sweep_owner_alive(const char *owner);

/* Removes every container of ours whose owner is a dead process on this
 * host, or whose deadline has passed (whoever owns it). Returns how many
 * were removed, or -1 with err set when the engine could not list them. */
int sweep_run(struct engine *e, struct llsr_err *err);

#endif
