/* Unit tests: conf — building [global], sources and outputs, strict
 * checks with FILE:LINE.  The file syntax is test_confkv's, the value
 * parsers test_confval's, presets test_preset's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "conf.h"
#include "confkv.h"
#include "confval.h"
#include "output.h"
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct conf *
load_ok(const char *text)
{
	return test_conf_load("ok.conf", "%s", text);
}

static void
load_bad(const char *text, unsigned line, const char *why)
{
	const char *path = test_conf_write("bad.conf", "%s", text);
	struct conf *c = NULL;
	struct err err;

	if (conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err) == 0) {
		conf_free(c);
		fail_msg("accepted, expected line %u: %s\n%s", line, why, text);
	}
	if (err.line != line || !strstr(conf_reason(&err), why))
		fail_msg("got \"%s\", expected line %u: %s", err.msg, line, why);
	/* FILE:LINE: reason */
	char want[600];
	snprintf(want, sizeof want, "%s/bad.conf:%u: ", test_dir, line);
	if (line && strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", err.msg, want);
}

static const char full[] =
	"; comment\n"
	"[global]\n"
	"state_dir = /tmp/x/state\n"
	"timeout = 90s\n"
	"max_body = 1M\n"
	"min_prefix4 = 16\n"
	"min_prefix6 = 32\n"
	"max_entries = 1000\n"
	"max_shrink = 20%\n"
	"max_stale = 3d\n"
	"allow_special = no\n"
	"dns_server = 127.0.0.1:5353 ::1\n"
	"dns_server = 10.0.0.1\n"
	"hook_timeout = 5\n"
	"\n"
	"[source a]\n"
	"type = static\n"
	"prefixes = 192.0.2.1 192.0.2.8/29 ; inline comment\n"
	"prefixes = 2001:db8::/48\n"
	"  198.51.100.0/24\n"
	"allow_special = yes\n"
	"max_stale = 1h\n"
	"tags = shared eu\n"
	"\n"
	"[source b]\n"
	"type = file\n"
	"path = /etc/allowsync/extra.txt\n"
	"max_addresses4 = /16\n"
	"max_addresses6 = 1,000\n"
	"\n"
	"[output t]\n"
	"type = text\n"
	"path = /tmp/x/t.txt\n"
	"style = range\n"
	"sources = a\n"
	"exclude = 192.0.2.9, 192.0.2.10\n"
	"on_change = /bin/echo 'hello world' \"a\\\"b\"\n"
	"max_shrink = 90%\n"
	"max_growth = 3x\n"
	"max_addresses4 = 1000000\n"
	"\n"
	"[output p]\n"
	"type = postfix\n"
	"path = /tmp/x/p.cidr\n"
	"result = permit\n"
	"\n"
	"[publish]\n"
	"dir = /srv/www\n"
	"name = relay\n";

static void
test_full(void **state)
{
	struct conf *c = load_ok(full);
	(void)state;

	assert_string_equal(c->state_dir, "/tmp/x/state");
	assert_int_equal(c->limits.timeout, 90);
	assert_int_equal(c->limits.max_body, 1 << 20);
	assert_int_equal(c->limits.min_prefix4, 16);
	assert_int_equal(c->limits.min_prefix6, 32);
	assert_int_equal(c->limits.max_entries, 1000);
	assert_int_equal(c->limits.max_stale, 3 * 86400);
	assert_int_equal(c->max_shrink, 20);
	assert_int_equal(c->hook_timeout, 5);
	assert_int_equal(c->n_dns_servers, 3);
	assert_string_equal(c->dns_servers[0], "127.0.0.1:5353");
	assert_string_equal(c->dns_servers[2], "10.0.0.1");
	assert_null(c->dns_servers[3]);

	assert_int_equal(c->n_sources, 2);
	struct source *a = conf_find_source(c, "a"), *b = conf_find_source(c, "b");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->type->name, "static");
	assert_true(a->limits.allow_special);
	assert_false(b->limits.allow_special);
	assert_int_equal(a->limits.max_stale, 3600);
	assert_int_equal(b->limits.max_stale, 3 * 86400);
	assert_int_equal(a->limits.min_prefix4, 16); /* inherited */
	assert_int_equal(a->n_tags, 2);
	assert_string_equal(a->tags[1], "eu");

	const char *const *vals;
	assert_int_equal(conf_get_all(a->sec, "prefixes", &vals), 3);
	assert_string_equal(vals[0], "192.0.2.1 192.0.2.8/29");
	assert_string_equal(vals[2], "198.51.100.0/24");
	assert_int_equal(conf_line(a->sec, "type"), 17);
	assert_int_equal(conf_line(a->sec, "nope"), 16);
	size_t n;
	char **w = conf_get_words(a->sec, "prefixes", &n);
	assert_int_equal(n, 4);
	assert_string_equal(w[3], "198.51.100.0/24");
	conf_words_free(w);

	assert_int_equal(c->n_outputs, 2);
	struct output *t = conf_find_output(c, "t"), *p = conf_find_output(c, "p");
	assert_int_equal(t->n_sources, 1);
	assert_ptr_equal(t->sources[0], a);
	assert_int_equal(p->n_sources, 2); /* default: every source */
	assert_int_equal(t->max_shrink, 90);
	assert_int_equal(p->max_shrink, 20);
	assert_int_equal(t->max_growth, 3);
	assert_int_equal(p->max_growth, CONF_DEFAULT_MAX_GROWTH);
	assert_true(t->max_addresses4 == 1000000);
	assert_true(t->max_addresses6 == CONF_DEFAULT_MAX_ADDRESSES6);
	assert_true(p->max_addresses4 == CONF_DEFAULT_MAX_ADDRESSES4);
	assert_true(b->limits.max_addresses4 == (u128)1 << 16);
	assert_true(b->limits.max_addresses6 == 1000);
	assert_true(a->limits.max_addresses4 == CONF_DEFAULT_MAX_ADDRESSES4);
	assert_int_equal(t->hook_timeout, 5);
	assert_int_equal(pset_total(t->exclude), 1); /* .9 and .10 merge */
	assert_string_equal(t->on_change[0], "/bin/echo");
	assert_string_equal(t->on_change[1], "hello world");
	assert_string_equal(t->on_change[2], "a\"b");
	assert_null(t->on_change[3]);
	assert_null(p->on_change);
	assert_string_equal(p->target, "/tmp/x/p.cidr");
	assert_non_null(c->publish);
	assert_string_equal(conf_get(c->publish, "dir"), "/srv/www");
	conf_free(c);
}

static void
test_defaults(void **state)
{
	struct conf *c = load_ok("[source s]\ntype = static\nprefixes = 192.0.2.1\n");
	(void)state;

	assert_string_equal(c->state_dir, CONF_DEFAULT_STATE_DIR);
	assert_int_equal(c->limits.timeout, 60);
	assert_int_equal(c->limits.max_body, 16 << 20);
	assert_int_equal(c->limits.min_prefix4, 12);
	assert_int_equal(c->limits.min_prefix6, 28);
	assert_int_equal(c->limits.max_entries, 50000);
	assert_int_equal(c->limits.max_stale, 7 * 86400);
	assert_false(c->limits.allow_special);
	assert_false(c->limits.allow_empty);
	assert_null(c->limits.ca_file);
	assert_int_equal(c->max_shrink, 50);
	assert_int_equal(c->max_growth, 10);
	assert_true(c->limits.max_addresses4 == (u128)134217728);
	assert_true(c->limits.max_addresses6 == (u128)1 << 104);
	assert_int_equal(c->limits.max_degraded, 3 * 86400);
	assert_null(c->metrics_file);
	assert_int_equal(c->n_outputs, 0);
	conf_free(c);
	/* max_degraded: [global] sets every source's, a [source] its own
	 * (0: never); an empty metrics_file is none. */
	c = load_ok("[global]\nmax_degraded = 12h\nmetrics_file =\n"
		    "[source s]\ntype = static\nprefixes = 192.0.2.1\n"
		    "[source t]\ntype = static\nprefixes = 192.0.2.2\nmax_degraded = 0\n");
	assert_int_equal(c->sources[0]->limits.max_degraded, 12 * 3600);
	assert_int_equal(c->sources[1]->limits.max_degraded, 0);
	assert_null(c->metrics_file);
	conf_free(c);
	/* [global] sets the default of every source and output. */
	c = load_ok("[global]\nmax_growth = 0\nmax_addresses4 = /8\nmax_addresses6 = /32\n"
		    "[source s]\ntype = static\nprefixes = 192.0.2.1\n"
		    "[output o]\ntype = text\npath = /tmp/x/o.txt\n");
	assert_int_equal(c->outputs[0]->max_growth, 0);
	assert_true(c->outputs[0]->max_addresses4 == (u128)1 << 24);
	assert_true(c->sources[0]->limits.max_addresses6 == (u128)1 << 96);
	assert_null(c->publish);
	conf_free(c);
}

static void
test_long_lines(void **state)
{
	char text[8192], *p = text;
	(void)state;

	p += sprintf(p, "[source s]\ntype = static\nprefixes =");
	for (int i = 0; i < 200; i++)
		p += sprintf(p, " 192.0.2.%d", i);
	p += sprintf(p, " ; trailing\n[output o]\ntype = text\npath = /tmp/x/o\nbogus = 1\n");
	/* The long line must neither be cut nor shift line numbers. */
	load_bad(text, 7, "unknown key \"bogus\"");
	strcpy(strstr(text, "bogus"), "\n");
	struct conf *c = load_ok(text);
	size_t n;
	char **w = conf_get_words(c->sources[0]->sec, "prefixes", &n);
	assert_int_equal(n, 200);
	assert_string_equal(w[199], "192.0.2.199");
	conf_words_free(w);
	conf_free(c);
}

struct bad_case {
	const char *text;
	unsigned line;
	const char *why;
};

#define SRC "[source s]\ntype = static\nprefixes = 192.0.2.1\n"

static const struct bad_case bad_cases[] = {
	{"[foo]\n", 1, "unknown section [foo]"},
	{"[global x]\n", 1, "takes no name"},
	{"[source]\n", 1, "needs a name"},
	{"[source a/b]\ntype=static\n", 1, "bad source name"},
	{"[source s\n", 1, "without ']'"},
	{"x = 1\n" SRC, 1, "outside of any section"},
	{"[global]\nbogus = 1\n" SRC, 2, "unknown key \"bogus\""},
	{"[global]\ntimeout = 1\ntimeout = 2\n" SRC, 3, "given twice"},
	{"[global]\n[global]\n" SRC, 2, "duplicate section [global]"},
	{SRC "[source s]\ntype = static\n", 4, "duplicate section [source s]"},
	{SRC "[output o]\ntype = text\npath = /a\n[output o]\n", 7, "duplicate section [output o]"},
	{"[source s]\nprefixes = 192.0.2.1\n", 1, "missing required key \"type\""},
	{"[source s]\ntype = carrier-pigeon\n", 2, "unknown source type"},
	{"[source s]\ntype = static\n", 1, "missing required key \"prefixes\""},
	{"[source s]\ntype = static\nprefixes = 192.0.2.1\npath = /x\n", 4, "unknown key \"path\""},
	{"[source s]\ntype = static\nprefixes = 192.0.2.1 banana\n", 3, "\"banana\""},
	/* the line of the bad entry, not the key's last line */
	{"[source s]\ntype = static\nprefixes = 192.0.2.1\nprefixes = banana\nprefixes = 192.0.2.3\n", 4,
	 "[source s] prefixes: \"banana\""},
	{"[source s]\ntype = file\npath = relative.txt\n", 3, "not an absolute path"},
	{"[global]\nmin_prefix4 = 7\n" SRC, 2, "below the hard floor /8"},
	{"[global]\ndns_server = 127.0.0.1:99999\n" SRC, 2, "is not ADDR[:PORT]"},
	{"[global]\nmin_prefix6 = 15\n" SRC, 2, "below the hard floor /16"},
	{"[global]\nmin_prefix4 = 33\n" SRC, 2, "longer than /32"},
	{SRC "min_prefix4 = 4\n", 4, "hard floor /8"},
	{"[global]\nmax_entries = 0\n" SRC, 2, "contradicts allow_empty"},
	{"[global]\ntimeout = 0\n" SRC, 2, "timeout = 0"},
	{"[global]\nmax_stale = 7x\n" SRC, 2, "bad duration unit"},
	{"[global]\nmax_body = 16Q\n" SRC, 2, "bad size unit"},
	{"[global]\nmax_shrink = 150%\n" SRC, 2, "percentage"},
	{"[global]\nmax_growth = 1.5x\n" SRC, 2, "not a factor"},
	{"[global]\nmax_addresses4 = /33\n" SRC, 2, "not a prefix length"},
	{SRC "max_addresses4 = 4294967297\n", 4, "more addresses than the family has"},
	{SRC "[output o]\ntype = text\npath = /x\nmax_growth = many\n", 7, "not a factor"},
	{"[global]\nallow_special = maybe\n" SRC, 2, "not a boolean"},
	{"[global]\nstate_dir = var/lib\n" SRC, 2, "not an absolute path"},
	{"[global]\n", 0, "no [source NAME] section"},
	{SRC "[output o]\npath = /x\n", 4, "missing required key \"type\""},
	{SRC "[output o]\ntype = fax\n", 5, "unknown output type"},
	{SRC "[output o]\ntype = text\n", 4, "missing required key \"path\""},
	{SRC "[output o]\ntype = text\npath = /x\nsources = s nope\n", 7, "unknown source \"nope\""},
	{SRC "[output o]\ntype = text\npath = /x\nsources = s s\n", 7, "listed twice"},
	{SRC "[output o]\ntype = text\npath = /x\nresult = OK\n", 7, "unknown key \"result\""},
	{SRC "[output o]\ntype = text\npath = /x\nstyle = fancy\n", 7, "cidr or range"},
	{SRC "[output o]\ntype = postfix\npath = /x\nresult = two words\n", 7,
	 "result = \"two words\": not an access(5) action (use = access); valid: OK, DUNNO"},
	{SRC "[output o]\ntype = postfix\npath = /x\nresult = accept\n", 7, "REJECT [text]"},
	{SRC "[output o]\ntype = postfix\npath = /x\nuse = postscreen\nresult = OK\n", 8,
	 "valid: permit, dunno, reject"},
	{SRC "[output o]\ntype = postfix\npath = /x\nuse = relay\n", 7, "use = relay: use access"},
	{SRC "[output o]\ntype = postfix\npath = /x\nallow_relay = maybe\n", 7, "not a boolean"},
	{SRC "[output o]\ntype = postfix\npath = /x\npostfix_config_dir = etc/postfix\n", 7,
	 "postfix_config_dir = etc/postfix: not an absolute path"},
	{SRC "[output o]\ntype = text\npath = /x\nexclude = 1.2.3.4 nope\n", 7, "exclude"},
	{SRC "[output o]\ntype = text\npath = /x\non_change = /bin/echo 'oops\n", 7,
	 "unterminated"},
	{SRC "[output a]\ntype = text\npath = /x\n[output b]\ntype = postfix\npath = /x\n", 7,
	 "as [output a]"},
	{SRC "[output o]\ntype = text\npath = /x\nhook_timeout = 0\n", 7, "hook_timeout = 0"},
	{SRC "[output o]\ntype = text\npath = /x\nmax_shrink = 50\nmax_shrink = 40\n", 8,
	 "given twice"},
	{SRC "[source t]\npreset = nosuch\n", 5, "preset \"nosuch\""},
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
		load_bad(bad_cases[i].text, bad_cases[i].line, bad_cases[i].why);
}

/* [publish] is the publisher's to check (publish_conf_check): conf keeps
 * it as written, whatever it holds. */
static void
test_publish_raw(void **state)
{
	struct conf *c = load_ok(SRC "[publish]\ncolour = red\nsources = nope\n");
	(void)state;

	assert_non_null(c->publish);
	assert_int_equal(c->publish->line, 4);
	assert_string_equal(conf_get(c->publish, "colour"), "red");
	conf_free(c);
}

static void
test_preset(void **state)
{
	char ppath[600];
	(void)state;

	snprintf(ppath, sizeof ppath, "%s/presets.conf", test_dir);
	FILE *f = fopen(ppath, "w");
	assert_non_null(f);
	fputs("[source relay]\ntype = static\nprefixes = 192.0.2.0/24\nmax_stale = 2d\n", f);
	fclose(f);
	setenv("ALLOWSYNC_PRESETS", ppath, 1);
	struct conf *c = load_ok("[source mine]\npreset = relay\nmax_stale = 1d\n");
	struct source *s = conf_find_source(c, "mine");
	assert_string_equal(s->type->name, "static");
	assert_int_equal(s->limits.max_stale, 86400); /* the section wins */
	conf_free(c);
	load_bad("[source mine]\npreset = other\n", 2, "unknown preset \"other\"");
	unsetenv("ALLOWSYNC_PRESETS");
}

static void
test_owner_check(void **state)
{
	struct conf *c = NULL;
	struct err err;
	const char *path = test_conf_write("mode.conf", "%s", SRC);
	(void)state;

	if (geteuid() != 0)
		skip();
	chmod(path, 0664);
	assert_int_equal(conf_load(path, 0, &c, &err), -1);
	assert_non_null(strstr(conf_reason(&err), "writable by group or others"));
	chmod(path, 0644);
	assert_int_equal(conf_load(path, 0, &c, &err), 0);
	conf_free(c);
	assert_int_equal(chown(path, 1, 1), 0);
	assert_int_equal(conf_load(path, 0, &c, &err), -1);
	assert_non_null(strstr(conf_reason(&err), "not owned by root"));
	/* The flag (tests, non-root packaging checks) skips it. */
	assert_int_equal(conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err), 0);
	conf_free(c);
}

/* Output paths are compared with their directory canonicalised, and
 * kept off the configuration file and the state directory. */
static void
test_targets(void **state)
{
	char text[4096], dir[600];
	const char *d = test_dir;
	(void)state;

	snprintf(dir, sizeof dir, "%s/real", d);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof dir, "%s/link", d);
	assert_int_equal(symlink("real", dir), 0);

#define OUT2(pa, pb)                                                                         \
	snprintf(text, sizeof text,                                                          \
		 "[global]\nstate_dir = %s/state\n" SRC                                       \
		 "[output a]\ntype = text\npath = %s\n[output b]\ntype = postfix\npath = %s\n", \
		 d, pa, pb)
	char pa[700], pb[700];
	/* Raw duplicates keep their message, at the section. */
	snprintf(pa, sizeof pa, "%s/o/y.txt", d);
	OUT2(pa, pa);
	load_bad(text, 9, "as [output a] does (line 6)");
	/* ".." and "." through a directory that does not exist yet. */
	snprintf(pb, sizeof pb, "%s/o/../o/./y.txt", d);
	OUT2(pa, pb);
	load_bad(text, 11, "the same file as output \"a\"");
	snprintf(pa, sizeof pa, "%s/real/y.txt", d);
	snprintf(pb, sizeof pb, "%s/link/y.txt", d);
	OUT2(pa, pb);
	load_bad(text, 11, "the same file as output \"a\"");
	snprintf(pb, sizeof pb, "%s/link//y.txt", d);
	OUT2(pa, pb);
	load_bad(text, 11, "y.txt: the same file as output \"a\"");
	/* Another file in the same directory is another file. */
	snprintf(pb, sizeof pb, "%s/link/z.txt", d);
	OUT2(pa, pb);
	struct conf *c = load_ok(text);
	conf_free(c);

	/* A sender-scoped postfix output writes PATH.senders too: no other
	 * output may write it, however it is named. */
#define OUT2S(pa, pb)                                                                        \
	snprintf(text, sizeof text,                                                          \
		 "[global]\nstate_dir = %s/state\n" SRC "[output a]\ntype = text\npath = %s\n"    \
		 "[output b]\ntype = postfix\npath = %s\nuse = access\nsenders = shop.example\n", \
		 d, pa, pb)
	snprintf(pa, sizeof pa, "%s/o/t.cidr.senders", d);
	snprintf(pb, sizeof pb, "%s/o/t.cidr", d);
	OUT2S(pa, pb);
	load_bad(text, 9, "t.cidr.senders, as [output a] does (line 6)");
	snprintf(pa, sizeof pa, "%s/real/t.cidr.senders", d);
	snprintf(pb, sizeof pb, "%s/link/t.cidr", d);
	OUT2S(pa, pb);
	load_bad(text, 11, "path (its companion file) = ");
	snprintf(pa, sizeof pa, "%s/real/u.cidr.senders", d);
	OUT2S(pa, pb);
	c = load_ok(text);
	conf_free(c);

#define OUT1(p)                                                                              \
	snprintf(text, sizeof text,                                                          \
		 "[global]\nstate_dir = %s\n" SRC "[output a]\ntype = text\npath = %s\n", sd, p)
	char sd[700];
	snprintf(sd, sizeof sd, "%s/state", d);
	snprintf(pa, sizeof pa, "%s/state/lock", d);
	OUT1(pa);
	load_bad(text, 8, "the lock file");
	snprintf(pa, sizeof pa, "%s/nope/../state/lock", d);
	OUT1(pa);
	load_bad(text, 8, "the lock file");
	snprintf(pa, sizeof pa, "%s/state/x.txt", d);
	OUT1(pa);
	load_bad(text, 8, "inside state_dir");
	snprintf(pa, sizeof pa, "%s/state/sources/s.list", d);
	OUT1(pa);
	load_bad(text, 8, "inside state_dir");
	snprintf(pa, sizeof pa, "%s/state/lists", d);
	OUT1(pa);
	load_bad(text, 8, "inside state_dir");
	snprintf(pa, sizeof pa, "%s/state/lists/", d);
	OUT1(pa);
	load_bad(text, 8, "names a directory");
	/* A path through a file. */
	snprintf(pa, sizeof pa, "%s/bad.conf/x.txt", d);
	OUT1(pa);
	load_bad(text, 8, "x.txt: Not a directory");
	snprintf(sd, sizeof sd, "%s/bad.conf/state", d);
	snprintf(pa, sizeof pa, "%s/o.txt", d);
	OUT1(pa);
	load_bad(text, 2, "state_dir = ");
	snprintf(sd, sizeof sd, "%s/state", d);
	snprintf(pa, sizeof pa, "%s/bad.conf", d);
	OUT1(pa);
	load_bad(text, 8, "the configuration file itself");
	snprintf(pa, sizeof pa, "%s/link/../bad.conf", d); /* link/.. is d: the kernel's view */
	OUT1(pa);
	load_bad(text, 8, "the configuration file itself");
	/* state_dir canonicalised the same way. */
	snprintf(sd, sizeof sd, "%s/link", d);
	snprintf(pa, sizeof pa, "%s/real/x.txt", d);
	OUT1(pa);
	load_bad(text, 8, "inside state_dir");
	/* lists/ is the administrator's. */
	snprintf(pa, sizeof pa, "%s/real/lists/x.txt", d);
	OUT1(pa);
	c = load_ok(text);
	conf_free(c);
	snprintf(sd, sizeof sd, "%s/state", d);
	snprintf(pa, sizeof pa, "%s/state/lists/sub/x.txt", d);
	OUT1(pa);
	c = load_ok(text);
	conf_free(c);
#undef OUT1
#undef OUT2
}

/* metrics_file: an absolute NAME.prom in a directory that is there, not
 * a directory or a symlink itself, and nowhere a file output may not
 * be (nor an output's file). */
static void
test_metrics_file(void **state)
{
	char text[4096], p[700], q[700];
	const char *d = test_dir;
	struct conf *c;
	(void)state;

#define METRICS(mf, out)                                                                     \
	snprintf(text, sizeof text,                                                          \
		 "[global]\nstate_dir = %s/state\nmetrics_file = %s\n" SRC                      \
		 "[output a]\ntype = text\npath = %s\n",                                        \
		 d, mf, out)
	snprintf(q, sizeof q, "%s/a.txt", d);
	snprintf(p, sizeof p, "%s/allowsync.prom", d);
	METRICS(p, q);
	c = load_ok(text);
	assert_string_equal(c->metrics_file, p);
	conf_free(c);
	snprintf(p, sizeof p, "%s/dir.prom", d);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/link.prom", d);
	assert_int_equal(symlink("a.prom", p), 0);
	static const struct {
		const char *name; /* in test_dir; "=PATH": PATH as it is */
		const char *why;
	} bad[] = {
		{"=allowsync.prom", "metrics_file = allowsync.prom: not an absolute path"},
		{"allowsync.txt", "not a NAME.prom file"},
		{".prom", "not a NAME.prom file"},
		{"gone/allowsync.prom", "gone: No such file or directory"},
		{"bad.conf/allowsync.prom", "bad.conf: Not a directory"},
		{"dir.prom", "dir.prom: not a regular file"},
		{"link.prom", "link.prom: not a regular file"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (bad[i].name[0] == '=')
			snprintf(p, sizeof p, "%s", bad[i].name + 1);
		else
			snprintf(p, sizeof p, "%s/%s", d, bad[i].name);
		METRICS(p, q);
		load_bad(text, 3, bad[i].why);
	}
	/* Guarded as the file outputs are. */
	snprintf(p, sizeof p, "%s/state", d);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/state/m.prom", d);
	METRICS(p, q);
	load_bad(text, 3, "[global] metrics_file = ");
	load_bad(text, 3, "inside state_dir");
	snprintf(p, sizeof p, "%s/state/lists", d);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/state/lists/m.prom", d);
	METRICS(p, q);
	c = load_ok(text);
	conf_free(c);
	snprintf(p, sizeof p, "%s/a.prom", d);
	METRICS(p, p);
	load_bad(text, 3, "the file of output \"a\"");
#undef METRICS
}

/* As root, a state_dir or a configuration directory that others may
 * write is refused, as the configuration file is. */
static void
test_private_dirs(void **state)
{
	char dir[600], sd[600];
	struct conf *c = NULL;
	struct err err;
	const char *path;
	(void)state;

	if (geteuid() != 0)
		skip();
	snprintf(sd, sizeof sd, "%s/pstate", test_dir);
	assert_int_equal(mkdir(sd, 0755), 0);
	path = test_conf_write("sd.conf", "[global]\nstate_dir = %s\n" SRC, sd);
	assert_int_equal(conf_load(path, 0, &c, &err), 0);
	conf_free(c);
	for (int i = 0; i < 3; i++) {
		static const mode_t modes[] = {0775, 0757, 01777};
		chmod(sd, modes[i]);
		assert_int_equal(conf_load(path, 0, &c, &err), -1);
		assert_int_equal(err.line, 2);
		assert_non_null(strstr(conf_reason(&err), "refusing a state_dir"));
		assert_non_null(strstr(conf_reason(&err), "writable by group or others"));
	}
	assert_int_equal(conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err), 0);
	conf_free(c);
	chmod(sd, 0755);
	assert_int_equal(chown(sd, 1, 1), 0);
	assert_int_equal(conf_load(path, 0, &c, &err), -1);
	assert_non_null(strstr(conf_reason(&err), "not owned by root"));
	assert_int_equal(chown(sd, 0, 0), 0);

	/* The configuration's directory. */
	snprintf(dir, sizeof dir, "%s/cdir", test_dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	path = test_conf_write("cdir/x.conf", "%s", SRC);
	assert_int_equal(conf_load(path, 0, &c, &err), 0);
	conf_free(c);
	chmod(dir, 0775);
	assert_int_equal(conf_load(path, 0, &c, &err), -1);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(conf_reason(&err), "refusing a configuration directory"));
	assert_non_null(strstr(conf_reason(&err), "writable by group or others"));
	assert_int_equal(conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err), 0);
	conf_free(c);
	/* Reached through a symlink from a private directory: the real one counts. */
	char link[700];
	snprintf(link, sizeof link, "%s/x.conf", test_dir);
	assert_int_equal(symlink("cdir/x.conf", link), 0);
	assert_int_equal(conf_load(link, 0, &c, &err), -1);
	assert_non_null(strstr(conf_reason(&err), "cdir writable by group or others"));
	chmod(dir, 0755);
	assert_int_equal(conf_load(link, 0, &c, &err), 0);
	conf_free(c);
}

static void
test_missing_file(void **state)
{
	struct conf *c = NULL;
	struct err err;
	(void)state;

	assert_int_equal(conf_load("/nonexistent/allowsync.conf", 0, &c, &err), -1);
	assert_string_equal(err.msg,
			    "/nonexistent/allowsync.conf: cannot open: No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),       cmocka_unit_test(test_publish_raw),
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_bad),        cmocka_unit_test(test_preset),
		cmocka_unit_test(test_owner_check), cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_targets),    cmocka_unit_test(test_private_dirs),
		cmocka_unit_test(test_metrics_file),
	};
	return cmocka_run_group_tests_name("conf", tests, test_dir_setup, test_dir_teardown);
}
