/* Unit tests: postfix_use — the results each use accepts, the judgement
 * of Postfix configurations recorded from the real postconf
 * (data/postconf/, see record.sh there), and the main.cf advice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testfiles.h"

#include "postfix_use.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T "/etc/postfix/allowsync/relays.cidr"

/* ---------------------------------------------------------- results */

static void
valid(enum postfix_use u, const char *result)
{
	const char *why = postfix_use_check_result(u, result);
	if (why)
		fail_msg("%s: \"%s\" refused: %s", postfix_use_name(u), result, why);
}

static void
invalid(enum postfix_use u, const char *result, const char *reason)
{
	const char *why = postfix_use_check_result(u, result);
	if (!why)
		fail_msg("%s: \"%s\" accepted", postfix_use_name(u), result);
	if (!strstr(why, reason))
		fail_msg("%s: \"%s\": \"%s\", wanted \"%s\"", postfix_use_name(u), result, why,
			 reason);
}

static void
test_use(void **state)
{
	enum postfix_use u = POSTFIX_USE_ACCESS;
	(void)state;

	assert_null(postfix_use_parse("postscreen", &u));
	assert_int_equal(u, POSTFIX_USE_POSTSCREEN);
	assert_null(postfix_use_parse("access", &u));
	assert_int_equal(u, POSTFIX_USE_ACCESS);
	assert_non_null(postfix_use_parse("relay", &u));
	assert_non_null(postfix_use_parse("Access", &u));
	assert_string_equal(postfix_use_default_result(POSTFIX_USE_ACCESS), "OK");
	assert_string_equal(postfix_use_default_result(POSTFIX_USE_POSTSCREEN), "permit");
}

static void
test_results(void **state)
{
	const enum postfix_use A = POSTFIX_USE_ACCESS, P = POSTFIX_USE_POSTSCREEN;
	(void)state;

	/* access(5), as smtpd reads it: actions in any case, texts. */
	static const char *const good[] = {
		"OK", "ok", "DUNNO", "REJECT", "REJECT not here", "DEFER", "DEFER try later",
		"DEFER_IF_REJECT", "DEFER_IF_PERMIT maybe", "450 4.7.1 later", "554 go away",
		"521 bye", "DISCARD", "HOLD for review", "INFO relay", "WARN relay",
		"BCC audit@example.org", "REDIRECT abuse@example.org",
		"FILTER smtp:[127.0.0.1]:10025", "PREPEND X-Relay: shared", "20240101", "permit",
		"reject", "dunno", "permit_auth_destination", "reject_unauth_destination",
		"reject_rbl_client zen.example, permit",
		"warn_if_reject reject_unknown_client_hostname", "sleep 1", "REJECT\twith a tab",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		valid(A, good[i]);
	invalid(A, "accept", "not an access(5) action");
	/* The refusal lists what is valid. */
	invalid(A, "accept", "OK, DUNNO, REJECT [text], DEFER [text]");
	invalid(A, "accept", "DEFER_IF_PERMIT [text], 4NN text, 5NN text");
	invalid(A, "accept", "PREPEND header: text");
	invalid(A, "two words", "not an access(5) action");
	/* A bare SMTP code is all-numerical: Postfix would read OK. */
	invalid(A, "550", "needs a text");
	invalid(A, "250 fine", "not an access(5) action");
	invalid(A, "BCC nobody", "user@domain");
	invalid(A, "REDIRECT", "user@domain");
	invalid(A, "FILTER nowhere", "transport:destination");
	invalid(A, "PREPEND no header", "header: text");
	invalid(A, "reject_rbl_client", "needs an argument");
	invalid(A, "sleep x", "number");
	/* smtpd refuses lookup tables inside results; restriction classes
	 * are not results allowsync vouches for. */
	invalid(A, "check_client_access cidr:/x", "not an access(5) action");
	invalid(A, "my_class", "not an access(5) action");
	invalid(A, "", "empty");
	invalid(A, "OK\x01", "control character");

	valid(P, "permit");
	valid(P, "PERMIT");
	valid(P, "dunno");
	valid(P, "reject");
	invalid(P, "OK", "permit, dunno, reject");
	invalid(P, "accept", "not a postscreen_access_list action");
	invalid(P, "permit now", "permit, dunno, reject");
}

static void
test_permits(void **state)
{
	(void)state;
	assert_true(postfix_use_permits("OK"));
	assert_true(postfix_use_permits("ok trailing text"));
	assert_true(postfix_use_permits("RELAY"));
	assert_true(postfix_use_permits("12345"));
	assert_true(postfix_use_permits("permit"));
	assert_true(postfix_use_permits("reject_rbl_client zen.example, permit"));
	assert_false(postfix_use_permits("dunno"));
	assert_false(postfix_use_permits("REJECT"));
	assert_false(postfix_use_permits("REJECT permit"));
	assert_false(postfix_use_permits("reject permit"));
	assert_false(postfix_use_permits("accept"));
	assert_false(postfix_use_permits("DISCARD permit"));
	assert_false(postfix_use_permits("554 no"));
	assert_false(postfix_use_permits("permit_auth_destination"));
	assert_false(postfix_use_permits("permit_mynetworks"));
	assert_false(postfix_use_permits("reject_unauth_destination"));
}

/* ---------------------------------------------------------- the judge */

/* A recording: the four views after their "# postconf ARGS" lines. */
static void
load(const char *name, struct postconf *pc)
{
	static const char *const heads[] = {"# postconf -n -x\n", "# postconf -n\n",
					    "# postconf -P -x\n", "# postconf -P\n"};
	struct postconf_map *maps[] = {&pc->main, &pc->main_raw, &pc->master, &pc->master_raw};
	const char *slash = strrchr(__FILE__, '/');
	char path[4096];
	size_t len;
	struct err err;

	snprintf(path, sizeof path, "%.*s/data/postconf/%s.txt",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	char *text = test_slurp(path, &len);
	memset(pc, 0, sizeof *pc);
	for (int i = 0; i < 4; i++) {
		char *from = strstr(text, heads[i]);
		assert_non_null(from);
		from += strlen(heads[i]);
		char *to = i < 3 ? strstr(from, heads[i + 1]) : text + len;
		assert_non_null(to);
		size_t n = (size_t)(to - from);
		char *part = malloc(n + 1);
		assert_non_null(part);
		memcpy(part, from, n);
		part[n] = 0;
		if (postconf_parse(part, n, maps[i], &err) < 0)
			fail_msg("%s: %s", name, err.msg);
	}
	free(text);
}

struct seen {
	enum postfix_verdict verdict;
	char param[128], table[256], via[128], why[512];
	bool master;
};

struct found {
	struct seen v[16];
	size_t n;
};

static void
collect(void *ctx, const struct postfix_finding *f)
{
	struct found *fd = ctx;

	assert_true(fd->n < 16);
	struct seen *s = &fd->v[fd->n++];
	s->verdict = f->verdict;
	s->master = f->master;
	snprintf(s->param, sizeof s->param, "%s", f->param);
	snprintf(s->table, sizeof s->table, "%s", f->table);
	snprintf(s->via, sizeof s->via, "%s", f->via ? f->via : "");
	snprintf(s->why, sizeof s->why, "%s", f->why);
}

static size_t
judge(const char *name, const char *result, struct found *fd)
{
	struct postconf pc;

	load(name, &pc);
	memset(fd, 0, sizeof *fd);
	size_t n = postfix_use_judge(&pc, T, result, collect, fd);
	assert_int_equal(n, fd->n);
	postconf_free(&pc);
	return n;
}

/* The finding about `param`; fails the test when there is none. */
static const struct seen *
about(const struct found *fd, const char *param)
{
	for (size_t i = 0; i < fd->n; i++)
		if (strcmp(fd->v[i].param, param) == 0)
			return &fd->v[i];
	fail_msg("no finding about %s", param);
	abort();
}

static size_t
refusals(const struct found *fd)
{
	size_t n = 0;
	for (size_t i = 0; i < fd->n; i++)
		n += fd->v[i].verdict == POSTFIX_REFUSE;
	return n;
}

static void
test_mynetworks(void **state)
{
	struct found fd;
	(void)state;

	/* Through $my_relays, whatever the result: mynetworks reads none. */
	static const char *const results[] = {"OK", "REJECT", "dunno"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(judge("mynetworks_via", results[i], &fd), 2);
		const struct seen *s = about(&fd, "mynetworks");
		assert_int_equal(s->verdict, POSTFIX_REFUSE);
		assert_string_equal(s->table, "cidr:" T);
		assert_string_equal(s->via, "$my_relays");
		assert_non_null(strstr(s->why, "open relay"));
		s = about(&fd, "my_relays");
		assert_int_equal(s->verdict, POSTFIX_PASS);
		assert_string_equal(s->via, "");
	}
	assert_int_equal(judge("xclient", "OK", &fd), 1);
	assert_int_equal(about(&fd, "smtpd_authorized_xclient_hosts")->verdict, POSTFIX_REFUSE);
	assert_non_null(strstr(fd.v[0].why, "XCLIENT"));
}

/* main.cf as written (no $name in it: both views the same), judged. */
static size_t
judge_path(const char *path, const char *main_cf, const char *result, struct found *fd)
{
	struct postconf pc;
	struct err err;

	memset(&pc, 0, sizeof pc);
	memset(fd, 0, sizeof *fd);
	char *a = strdup(main_cf), *b = strdup(main_cf);
	assert_true(a && b);
	assert_int_equal(postconf_parse(a, strlen(a), &pc.main, &err), 0);
	assert_int_equal(postconf_parse(b, strlen(b), &pc.main_raw, &err), 0);
	size_t n = postfix_use_judge(&pc, path, result, collect, fd);
	postconf_free(&pc);
	return n;
}

static size_t
judge_text(const char *main_cf, const char *result, struct found *fd)
{
	return judge_path(T, main_cf, result, fd);
}

static void
test_match_lists(void **state)
{
	struct found fd;
	(void)state;

	/* Left out of mynetworks: these addresses are not trusted. */
	assert_int_equal(judge_text("mynetworks = 127.0.0.0/8, !cidr:" T ", 10.0.0.0/8\n", "OK", &fd),
			 1);
	assert_int_equal(fd.v[0].verdict, POSTFIX_PASS);
	/* Inside {}: a unionmap of two. */
	assert_int_equal(judge_text("mynetworks = unionmap:{proxy:cidr:" T ", cidr:/etc/other}\n",
				    "OK", &fd),
			 1);
	assert_string_equal(fd.v[0].table, "proxy:cidr:" T);
	assert_int_equal(fd.v[0].verdict, POSTFIX_REFUSE);
	/* A longer path is another table. */
	assert_int_equal(judge_text("mynetworks = cidr:" T ".old\n", "OK", &fd), 0);

	/* The same file under another name. */
	char dir[] = "/tmp/test_postfix_use.XXXXXX", file[64], main_cf[256];
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/t.cidr", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(main_cf, sizeof main_cf, "mynetworks = cidr:%s/./t.cidr\n", dir);
	assert_int_equal(judge_path(file, main_cf, "OK", &fd), 1);
	assert_int_equal(fd.v[0].verdict, POSTFIX_REFUSE);
	unlink(file);
	rmdir(dir);
}

static void
test_relay_restrictions(void **state)
{
	struct found fd;
	(void)state;

	assert_int_equal(judge("relay_restrictions", "OK", &fd), 1);
	assert_int_equal(fd.v[0].verdict, POSTFIX_REFUSE);
	assert_string_equal(fd.v[0].param, "smtpd_relay_restrictions");
	assert_non_null(strstr(fd.v[0].why, "decides relaying"));
	judge("relay_restrictions", "permit", &fd);
	assert_int_equal(fd.v[0].verdict, POSTFIX_REFUSE);
	judge("relay_restrictions", "4711", &fd);
	assert_int_equal(fd.v[0].verdict, POSTFIX_REFUSE);
	/* A result that does not permit is no relay permission. */
	judge("relay_restrictions", "REJECT go away", &fd);
	assert_int_equal(fd.v[0].verdict, POSTFIX_PASS);
	judge("relay_restrictions", "dunno", &fd);
	assert_int_equal(fd.v[0].verdict, POSTFIX_PASS);

	/* Through a restriction class named in the list. */
	assert_int_equal(judge("class", "OK", &fd), 2);
	const struct seen *s = about(&fd, "smtpd_relay_restrictions");
	assert_int_equal(s->verdict, POSTFIX_REFUSE);
	assert_string_equal(s->via, "restriction class trusted");
	assert_int_equal(about(&fd, "trusted")->verdict, POSTFIX_PASS);
	assert_int_equal(refusals(&fd), 1);
}

static void
test_recipient_restrictions(void **state)
{
	struct found fd;
	(void)state;

	judge("recipient_before", "OK", &fd);
	const struct seen *s = about(&fd, "smtpd_recipient_restrictions");
	assert_int_equal(s->verdict, POSTFIX_REFUSE);
	assert_non_null(strstr(s->why, "before reject_unauth_destination"));
	judge("recipient_before", "REJECT", &fd);
	assert_int_equal(refusals(&fd), 0);
	/* After it: only mail for this server's own domains gets there. */
	judge("recipient_after", "OK", &fd);
	assert_int_equal(about(&fd, "smtpd_recipient_restrictions")->verdict, POSTFIX_PASS);
	/* warn_if_reject makes the first reject_unauth_destination a warning;
	 * the bare cidr: after it is a lookup all the same. */
	judge("recipient_warn", "OK", &fd);
	assert_int_equal(about(&fd, "smtpd_recipient_restrictions")->verdict, POSTFIX_REFUSE);
}

static void
test_safe_uses(void **state)
{
	struct found fd;
	(void)state;

	assert_int_equal(judge("safe", "permit", &fd), 3);
	assert_int_equal(about(&fd, "postscreen_access_list")->verdict, POSTFIX_PASS);
	const struct seen *s = about(&fd, "smtpd_client_restrictions");
	assert_int_equal(s->verdict, POSTFIX_PASS);
	assert_string_equal(s->table, "proxy:cidr:" T);
	/* hash: reads T.db, not the table allowsync writes. */
	s = about(&fd, "smtpd_helo_restrictions");
	assert_int_equal(s->verdict, POSTFIX_WARN);
	assert_non_null(strstr(s->why, "not a cidr: table"));
	/* OK is no postscreen action. */
	judge("safe", "OK", &fd);
	s = about(&fd, "postscreen_access_list");
	assert_int_equal(s->verdict, POSTFIX_WARN);
	assert_non_null(strstr(s->why, "permit, dunno and reject"));
	assert_int_equal(refusals(&fd), 0);

	assert_int_equal(judge("none", "OK", &fd), 0);
}

static void
test_master(void **state)
{
	struct found fd;
	(void)state;

	judge("master", "OK", &fd);
	const struct seen *s = about(&fd, "submission/inet/mynetworks");
	assert_true(s->master);
	assert_int_equal(s->verdict, POSTFIX_REFUSE);
	assert_string_equal(s->via, "$mua_nets");
	s = about(&fd, "submission/inet/smtpd_relay_restrictions");
	assert_int_equal(s->verdict, POSTFIX_REFUSE);
	assert_string_equal(s->via, "$mua_relay");
	/* The main.cf parameters the overrides expand pass on their own. */
	assert_int_equal(about(&fd, "mua_relay")->verdict, POSTFIX_PASS);
	assert_false(about(&fd, "mua_relay")->master);
	assert_int_equal(refusals(&fd), 2);
}

/* ---------------------------------------------------------- advice */

static char *
advice(enum postfix_use u, const char *scenario)
{
	static char buf[1024];
	struct postconf pc;
	FILE *f = fmemopen(buf, sizeof buf, "w");

	assert_non_null(f);
	if (scenario)
		load(scenario, &pc);
	assert_int_equal(postfix_use_main_cf(u, T, scenario ? &pc : NULL, f), 0);
	fclose(f);
	if (scenario)
		postconf_free(&pc);
	return buf;
}

static void
test_main_cf(void **state)
{
	(void)state;
	assert_string_equal(advice(POSTFIX_USE_POSTSCREEN, NULL),
			    "postscreen_access_list = permit_mynetworks, cidr:" T "\n");
	assert_string_equal(advice(POSTFIX_USE_ACCESS, NULL),
			    "smtpd_client_restrictions = check_client_access cidr:" T "\n");
	/* What main.cf has is kept: postscreen's entries first, access's
	 * after the table. */
	assert_string_equal(advice(POSTFIX_USE_POSTSCREEN, "none"),
			    "postscreen_access_list = permit_mynetworks, "
			    "cidr:/etc/postfix/other.cidr, cidr:" T "\n");
	assert_string_equal(advice(POSTFIX_USE_ACCESS, "recipient_after"),
			    "smtpd_client_restrictions = check_client_access cidr:" T "\n");
	/* Named already: as it is. */
	assert_string_equal(advice(POSTFIX_USE_POSTSCREEN, "safe"),
			    "postscreen_access_list = permit_mynetworks, cidr:" T "\n");
	assert_string_equal(advice(POSTFIX_USE_ACCESS, "safe"),
			    "smtpd_client_restrictions = permit_mynetworks, check_client_access "
			    "proxy:cidr:" T ", reject_rbl_client zen.example\n");
}

/* List elements as Postfix splits them: blanks and commas, {} groups. */
static void
test_list_has(void **state)
{
	(void)state;
	assert_true(postfix_list_has("allowsync_shop", "allowsync_shop"));
	assert_true(postfix_list_has(" a,\tallowsync_shop , b", "allowsync_shop"));
	assert_true(postfix_list_has("a\n  allowsync_shop", "allowsync_shop"));
	assert_false(postfix_list_has("allowsync_shop2, xallowsync_shop", "allowsync_shop"));
	assert_false(postfix_list_has("{allowsync_shop b}", "allowsync_shop"));
	assert_false(postfix_list_has("", "allowsync_shop"));
	assert_false(postfix_list_has(NULL, "allowsync_shop"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_use),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_permits),
		cmocka_unit_test(test_mynetworks),
		cmocka_unit_test(test_match_lists),
		cmocka_unit_test(test_relay_restrictions),
		cmocka_unit_test(test_recipient_restrictions),
		cmocka_unit_test(test_safe_uses),
		cmocka_unit_test(test_master),
		cmocka_unit_test(test_main_cf),
		cmocka_unit_test(test_list_has),
	};
	return cmocka_run_group_tests_name("postfix_use", tests, NULL, NULL);
}
