/* parallel — jobs on threads, results in order; see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct pool {
	void (*job)(void *ctx, size_t i);
	void *ctx;
	size_t n;
	size_t next;   /* the next job a worker takes */
	bool *finished;
	pthread_mutex_t mu;
	pthread_cond_t changed;
};

/* A worker takes the next job until none is left.  Jobs start in index
 * order, so job i never waits behind a later one for a thread. */
static void *
worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->n)
			return NULL;
		p->job(p->ctx, i);
		pthread_mutex_lock(&p->mu);
		p->finished[i] = true;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->mu);
	}
}

static void
in_series(size_t n, void (*job)(void *, size_t), void (*done)(void *, size_t), void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		job(ctx, i);
		done(ctx, i);
	}
}

void
parallel_run(size_t n, unsigned width, void (*job)(void *ctx, size_t i),
	     void (*done)(void *ctx, size_t i), void *ctx)
{
	struct pool p = { .job = job, .ctx = ctx, .n = n };
	pthread_t *t = NULL;
	size_t nt = 0;

	if (width > n)
		width = (unsigned)n;
	if (width > 1 && (p.finished = calloc(n, sizeof *p.finished)) &&
	    (t = calloc(width, sizeof *t))) {
		pthread_mutex_init(&p.mu, NULL);
		pthread_cond_init(&p.changed, NULL);
		while (nt < width && pthread_create(&t[nt], NULL, worker, &p) == 0)
			nt++;
		if (nt == 0) {
			pthread_cond_destroy(&p.changed);
			pthread_mutex_destroy(&p.mu);
		}
	}
	/* Width 1, or no memory or no thread to be had: the calling thread
	 * does it all, one job after another. */
	if (nt == 0) {
		free(p.finished);
		free(t);
		in_series(n, job, done, ctx);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&p.mu);
		while (!p.finished[i])
			pthread_cond_wait(&p.changed, &p.mu);
		pthread_mutex_unlock(&p.mu);
		done(ctx, i);
	}
	for (size_t k = 0; k < nt; k++)
		pthread_join(t[k], NULL);
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.mu);
	free(p.finished);
	free(t);
}
