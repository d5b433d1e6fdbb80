/* Unit tests: parallel — every job once, results in index order however
 * the jobs finish, never more than `width` at once, and log lines
 * captured per thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "parallel.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N 6

struct rec {
	int ran[N];
	size_t done_order[N];
	size_t n_done;
	int finished_before_done[N]; /* job i had finished when done(i) ran */
	sem_t last_ran;              /* posted by the last job: job 0 waits on it */
	pthread_mutex_t mu;
	int running, most;
	int series_ok;
	size_t n_finished;
};

/* Waits at most 10 s: a pool that ran the jobs one after another would
 * fail the test instead of hanging it. */
static int
wait_sem(sem_t *s)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 10;
	while (sem_timedwait(s, &t) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void
reverse_job(void *ctx, size_t i)
{
	struct rec *r = ctx;

	/* Job 0 finishes only after the last one ran: completion order is
	 * not index order. */
	if (i == 0)
		r->ran[0] = wait_sem(&r->last_ran) == 0 ? 1 : -1;
	else
		r->ran[i]++;
	if (i == N - 1)
		sem_post(&r->last_ran);
	pthread_mutex_lock(&r->mu);
	r->n_finished++;
	pthread_mutex_unlock(&r->mu);
}

static void
record_done(void *ctx, size_t i)
{
	struct rec *r = ctx;

	r->done_order[r->n_done++] = i;
	r->finished_before_done[i] = r->ran[i] != 0;
}

static void
test_done_in_order(void **state)
{
	struct rec r = {0};

	(void)state;
	sem_init(&r.last_ran, 0, 0);
	pthread_mutex_init(&r.mu, NULL);
	parallel_run(N, N, reverse_job, record_done, &r);
	assert_int_equal(r.n_done, N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(r.ran[i], 1);
		assert_int_equal(r.done_order[i], i);
		assert_true(r.finished_before_done[i]);
	}
	sem_destroy(&r.last_ran);
	pthread_mutex_destroy(&r.mu);
}

static void
counting_job(void *ctx, size_t i)
{
	struct rec *r = ctx;

	pthread_mutex_lock(&r->mu);
	if (++r->running > r->most)
		r->most = r->running;
	pthread_mutex_unlock(&r->mu);
	usleep(2000); /* room for others to start: the bound is what is tested */
	pthread_mutex_lock(&r->mu);
	r->running--;
	r->ran[i]++;
	pthread_mutex_unlock(&r->mu);
}

static void
test_width_bounds(void **state)
{
	struct rec r = {0};

	(void)state;
	pthread_mutex_init(&r.mu, NULL);
	parallel_run(N, 2, counting_job, record_done, &r);
	assert_int_equal(r.n_done, N);
	assert_true(r.most >= 1 && r.most <= 2);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(r.ran[i], 1);
		assert_int_equal(r.done_order[i], i);
	}
	pthread_mutex_destroy(&r.mu);
}

/* Width 1: one job after another on the calling thread, each reported
 * before the next starts. */
static void
series_job(void *ctx, size_t i)
{
	struct rec *r = ctx;

	if (r->n_done != i)
		r->series_ok = 0;
	r->ran[i]++;
}

static void
test_series(void **state)
{
	struct rec r = {.series_ok = 1};

	(void)state;
	parallel_run(N, 1, series_job, record_done, &r);
	assert_int_equal(r.series_ok, 1);
	assert_int_equal(r.n_done, N);
	parallel_run(0, 8, series_job, record_done, &r);
	assert_int_equal(r.n_done, N);
}

/* Each job's lines go to its own buffer, whole and in its own order. */
static struct log_buf bufs[N];

static void
logging_job(void *ctx, size_t i)
{
	(void)ctx;
	log_capture(&bufs[i]);
	for (int k = 0; k < 50; k++)
		log_notice("job %zu line %d", i, k);
	log_capture(NULL);
}

static void
check_log(void *ctx, size_t i)
{
	char want[64];
	const char *p;
	int k = 0;

	(void)ctx;
	assert_non_null(bufs[i].text);
	for (p = bufs[i].text; p < bufs[i].text + bufs[i].len; p = strchr(p, '\n') + 1, k++) {
		snprintf(want, sizeof want, "allowsync: job %zu line %d\n", i, k);
		assert_memory_equal(p, want, strlen(want));
	}
	assert_int_equal(k, 50);
	free(bufs[i].text);
	bufs[i] = (struct log_buf){0};
}

static void
test_log_capture(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LVL_NOTICE);
	parallel_run(N, N, logging_job, check_log, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_done_in_order),
		cmocka_unit_test(test_width_bounds),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_log_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
