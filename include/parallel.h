/* parallel — run a run's independent jobs (collecting the sources) at
 * the same time, and take their results back in order.
 *
 * Each job runs on a thread of its own, at most `width` at once; `done`
 * is called on the calling thread for job 0, 1, 2 … in that order, each
 * as soon as it and every job before it have finished.  So the slowest
 * job bounds the whole, and what the jobs report (their buffered log
 * lines, see log.h) comes out in configuration order, never in
 * completion order.
 *
 * Why threads, not one event loop of curl's multi interface and c-ares'
 * sockets: each source then keeps its linear, tested code (request,
 * conditional request, signature, SPF tree walk) and its own timeout;
 * an event loop would turn every network source into a state machine
 * for the same overlap.  The jobs share nothing writable but the log,
 * whose capture is per thread.
 *
 * Without threads (pthread_create failing) the jobs run one after
 * another on the calling thread: slower, the same results.
 */
#ifndef ALLOWSYNC_PARALLEL_H
#define ALLOWSYNC_PARALLEL_H

#include <stddef.h>

/* Sources collected at once, at most: so at most this many connections
 * are open at the same time (a source fetches its document, then its
 * signature, on one connection at a time).  Sixteen covers a site that
 * follows every preset in one wave. */
#define PARALLEL_WIDTH 16

void parallel_run(size_t n, unsigned width, void (*job)(void *ctx, size_t i),
		  void (*done)(void *ctx, size_t i), void *ctx);

#endif
