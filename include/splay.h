/* splay — spread many hosts' runs over a window: `run --splay DURATION`
 * and [global] splay wait a uniformly random time in [0, DURATION]
 * before collecting, so that a fleet started by cron at the same minute
 * does not reach a publisher (or a hub, docs/hub.md) all at once.  The
 * systemd timer has RandomizedDelaySec for that and needs none.
 *
 * The wait comes before the run takes its lock: a run waiting its turn
 * blocks no other (a manual run, `status`).  Nothing is handled on
 * SIGTERM: its default action ends the waiting process at once. */
#ifndef ALLOWSYNC_SPLAY_H
#define ALLOWSYNC_SPLAY_H

#include <stdint.h>

/* The longest splay: a day (a run a day spread over the whole day). */
#define SPLAY_MAX (86400u)

/* A duration ("0", "15m", "900"), at most SPLAY_MAX.  NULL on success,
 * else a reason (as confval's parsers). */
const char *splay_parse(const char *s, uint64_t *secs);

/* A number of seconds in [0, max] (max at most SPLAY_MAX), each equally
 * likely (libsodium's randombytes_uniform: no modulo bias). */
uint64_t splay_choose(uint64_t max);

/* Sleep `secs` seconds, resuming after a signal that did not end the
 * process. */
void splay_sleep(uint64_t secs);

#endif
