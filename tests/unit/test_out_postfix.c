/* Unit tests: out_postfix (and the shared outfile steps) — table format,
 * live parsing, unchanged tables left alone, prepare/abort; the
 * sender-scoped form (senders, senders_file): both tables, written
 * together or not at all, its refusals, its main.cf lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"
#include "testsets.h"

#include "conf.h"
#include "out_postfix.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct conf *
load(const char *extra)
{
	return test_conf_load("c.conf",
			      "[source s]\ntype = static\nprefixes = 8.8.8.8\n"
			      "[output p]\ntype = postfix\npath = %s/table.cidr\n%s",
			      test_dir, extra);
}

static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void
test_render_apply(void **state)
{
	struct conf *c = load("result = permit\n");
	struct output *o = c->outputs[0];
	struct output_ctx ctx = {.state_dir = test_dir};
	/* Unsorted, overlapping, an unaligned range, IPv6 first. */
	struct pset *want = test_set("2a00:1450::/32\n9.9.9.0/24\n8.8.8.1-8.8.8.6\n9.9.9.128/25\n"),
		    *live = pset_new();
	char path[600];
	struct err err;
	bool changed;
	struct stat st1, st2;
	(void)state;

	snprintf(path, sizeof path, "%s/table.cidr", test_dir);
	unlink(path);
	assert_int_equal(o->type->live(o, &ctx, live, &err), 0);
	assert_int_equal(pset_total(live), 0); /* nothing there yet */
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_true(changed);
	assert_null(slurp(path)); /* prepared is not committed */
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_string_equal(slurp(path),
			    "# allowsync output \"p\" (postfix): written by allowsync, do not edit\n"
			    "# sources: s\n"
			    "8.8.8.1/32\tpermit\n"
			    "8.8.8.2/31\tpermit\n"
			    "8.8.8.4/31\tpermit\n"
			    "8.8.8.6/32\tpermit\n"
			    "9.9.9.0/24\tpermit\n"
			    "2a00:1450::/32\tpermit\n");
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0644);

	/* What is live reads back as what was applied. */
	assert_int_equal(o->type->live(o, &ctx, live, &err), 0);
	assert_int_equal(pset_merge(live), 0);
	assert_true(pset_equal(live, want));

	/* Unchanged: not rewritten (same inode and mtime), commit a no-op. */
	/* An old mtime, set rather than waited for: an unchanged commit must
	 * leave it as it is, and a rewrite would show a new one. */
	test_set_old_mtime(path, &st1);
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_mtime, st2.st_mtime);

	/* Prepared then aborted: old content stays, no temporary left. */
	struct pset *other = test_set("1.2.3.4\n");
	assert_int_equal(o->type->prepare(o, &ctx, other, &changed, &err), 0);
	assert_true(changed);
	o->type->abort(o, &ctx);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s | grep '^\\.')\"", test_dir);
	assert_int_equal(system(cmd), 0);

	/* show renders the same bytes. */
	char *mem = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&mem, &len);
	assert_int_equal(o->type->render(o, want, m), 0);
	fclose(m);
	assert_string_equal(mem, slurp(path));
	free(mem);

	pset_free(other);
	pset_free(live);
	pset_free(want);
	conf_free(c);
}

static void
test_live_parsing(void **state)
{
	struct conf *c = load("");
	struct output *o = c->outputs[0];
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *live = pset_new(), *want = test_set("8.8.8.0/24\n2a00::/32\n");
	char path[600];
	struct err err;
	(void)state;

	snprintf(path, sizeof path, "%s/table.cidr", test_dir);
	/* Hand-written tables: comments, blank lines, spaces, other results. */
	FILE *f = fopen(path, "w");
	fputs("# mine\n\n8.8.8.0/25 OK\n8.8.8.128/25\tREJECT\n  2a00::/32   OK\n", f);
	fclose(f);
	assert_int_equal(o->type->live(o, &ctx, live, &err), 0);
	assert_int_equal(pset_merge(live), 0);
	assert_true(pset_equal(live, want));
	pset_clear(live);
	f = fopen(path, "w");
	fputs("8.8.8.0/24 OK\nnot-an-address OK\n", f);
	fclose(f);
	assert_int_equal(o->type->live(o, &ctx, live, &err), -1);
	assert_non_null(strstr(err.msg, "table.cidr:2:"));
	/* A symlink target is refused outright. */
	unlink(path);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(o->type->live(o, &ctx, live, &err), -1);
	bool changed;
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), -1);
	unlink(path);
	pset_free(live);
	pset_free(want);
	conf_free(c);
}

static void
test_keep_mode(void **state)
{
	struct conf *c = load("result = dunno\n");
	struct output *o = c->outputs[0];
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *want = test_set("8.8.8.0/24\n");
	char path[600];
	struct err err;
	bool changed;
	struct stat st;
	(void)state;

	snprintf(path, sizeof path, "%s/table.cidr", test_dir);
	FILE *f = fopen(path, "w");
	fclose(f);
	chmod(path, 0640);
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_non_null(strstr(slurp(path), "8.8.8.0/24\tdunno\n"));
	pset_free(want);
	conf_free(c);
}

/* use, and results of more than one word: written as they are, read
 * back and verified. */
static void
test_use_results(void **state)
{
	struct conf *c = load("use = postscreen\n");
	struct output *o = c->outputs[0];
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *want = test_set("8.8.8.0/24\n"), *live = pset_new();
	struct err err;
	bool changed;
	(void)state;

	/* postscreen's default result. */
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_non_null(strstr(slurp(o->target), "8.8.8.0/24\tpermit\n"));
	conf_free(c);

	c = load("result = 550 5.7.1 not from here\n");
	o = c->outputs[0];
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_non_null(strstr(slurp(o->target), "8.8.8.0/24\t550 5.7.1 not from here\n"));
	assert_int_equal(o->type->live(o, &ctx, live, &err), 0);
	assert_int_equal(pset_merge(live), 0);
	assert_true(pset_equal(live, want));
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_false(changed);
	o->type->abort(o, &ctx);
	pset_free(live);
	pset_free(want);
	conf_free(c);
}

/* vet: Postfix's configuration through postconf, here a stand-in whose
 * main.cf puts the table into mynetworks. */
static void
test_vet(void **state)
{
	const char *old = getenv("PATH");
	char *saved = strdup(old ? old : "/usr/bin:/bin"), bin[600], script[700];
	struct conf *c = load("");
	struct output *o = c->outputs[0];
	struct err err;
	FILE *f;
	(void)state;

	/* No Postfix: nothing to inspect, nothing refused. */
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(o->type->vet(o, &err), 0);

	snprintf(bin, sizeof bin, "%s/bin", test_dir);
	mkdir(bin, 0755);
	snprintf(script, sizeof script, "%s/postconf", bin);
	assert_non_null(f = fopen(script, "w"));
	fprintf(f,
		"#!/bin/sh\ncase \"$*\" in *-n*) echo 'mynetworks = 127.0.0.0/8 cidr:%s';; esac\n",
		o->target);
	fclose(f);
	chmod(script, 0755);
	setenv("PATH", bin, 1);
	assert_int_equal(o->type->vet(o, &err), -1);
	assert_non_null(strstr(err.msg, "main.cf: mynetworks names cidr:"));
	assert_non_null(strstr(err.msg, "open relay"));
	assert_non_null(strstr(err.msg, "or set allow_relay = yes"));
	conf_free(c);
	/* The administrator's word. */
	c = load("allow_relay = yes\n");
	o = c->outputs[0];
	assert_int_equal(o->type->vet(o, &err), 0);
	conf_free(c);
	setenv("PATH", saved, 1);
	free(saved);
}

/* A configuration expected to be refused, and its reason. */
static void
refused(const char *extra, const char *reason)
{
	struct conf *c = NULL;
	struct err err;
	const char *path = test_conf_write("bad.conf",
					   "[source s]\ntype = static\nprefixes = 8.8.8.8\n"
					   "[output p]\ntype = postfix\npath = %s/table.cidr\n%s",
					   test_dir, extra);

	assert_int_equal(conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err), -1);
	if (!strstr(err.msg, reason))
		fail_msg("%s: wanted \"%s\"", err.msg, reason);
}

static void
test_senders(void **state)
{
	char sfile[600], stable[600], table[600], extra[1400], *text = NULL;
	size_t len = 0;
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *want = test_set("8.8.8.0/24\n2001:db8::/32\n");
	struct err err;
	bool changed;
	FILE *f;
	(void)state;

	snprintf(sfile, sizeof sfile, "%s/senders.txt", test_dir);
	snprintf(stable, sizeof stable, "%s/table.cidr.senders", test_dir);
	snprintf(table, sizeof table, "%s/table.cidr", test_dir);
	assert_non_null(f = fopen(sfile, "w"));
	fputs("# the customers SMTP2GO verified\nMail.Example.NET other.example\n\nshop.example\n", f);
	fclose(f);
	snprintf(extra, sizeof extra,
		 "senders = Shop.Example invoices.example\nsenders_file = %s\n"
		 "postfix_config_dir = %s/no-postfix-here\n", sfile, test_dir);
	struct conf *c = load(extra);
	struct output *o = c->outputs[0];

	unlink(o->target);
	unlink(stable);
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_true(changed);
	assert_null(slurp(stable)); /* prepared is not committed */
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_string_equal(slurp(o->target),
			    "# allowsync output \"p\" (postfix): written by allowsync, do not edit\n"
			    "# sources: s\n"
			    "8.8.8.0/24\tallowsync_p\n"
			    "2001:db8::/32\tallowsync_p\n");
	assert_string_equal(slurp(stable),
			    "# allowsync output \"p\" (postfix): the senders of restriction class "
			    "allowsync_p, written by allowsync, do not edit\n"
			    "invoices.example\tOK\n.invoices.example\tOK\n"
			    "mail.example.net\tOK\n.mail.example.net\tOK\n"
			    "other.example\tOK\n.other.example\tOK\n"
			    "shop.example\tOK\n.shop.example\tOK\n");
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_false(changed); /* both as they are */
	o->type->abort(o, &ctx);

	/* show --postfix: the class, its definition, the restriction line
	 * (no Postfix configuration to read in that directory). */
	assert_non_null(f = open_memstream(&text, &len));
	assert_int_equal(out_postfix_main_cf(o, f, &err), 0);
	fclose(f);
	snprintf(extra, sizeof extra,
		 "smtpd_restriction_classes = allowsync_p\n"
		 "allowsync_p = check_sender_access texthash:%s\n"
		 "smtpd_client_restrictions = check_client_access cidr:%s\n", stable, o->target);
	assert_string_equal(text, extra);
	free(text);
	conf_free(c);

	/* One more sender: only the sender table changes, and counts. */
	snprintf(extra, sizeof extra, "senders = Shop.Example invoices.example new.example\n"
				      "senders_file = %s\n", sfile);
	c = load(extra);
	o = c->outputs[0];
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_non_null(strstr(slurp(stable), "\nnew.example\tOK\n.new.example\tOK\n"));
	conf_free(c);

	/* A sender table that cannot be written: neither table is. */
	unlink(stable);
	unlink(table);
	assert_int_equal(mkdir(stable, 0755), 0);
	c = load(extra);
	o = c->outputs[0];
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), -1);
	assert_non_null(strstr(err.msg, "sender table"));
	assert_null(slurp(table));
	assert_null(test_dir_temps());
	conf_free(c);
	rmdir(stable);
	pset_free(want);

	refused("use = postscreen\nsenders = a.example\n", "postscreen_access_list has no restriction classes");
	refused("senders = a.example\nresult = permit\n", "result: not with senders");
	refused("senders = com\n", "senders: com: a top-level domain alone");
	refused("senders = .a.example\n", "a leading dot");
	refused("senders = a_b.example\n", "letters, digits");
	refused("senders = -a.example\n", "starting with '-'");
	refused("senders = a..example\n", "an empty label");
	refused("senders =\n", "no sender domain listed");
	refused("senders_file = senders.txt\n", "not an absolute path");
	snprintf(extra, sizeof extra, "senders_file = %s/none.txt\n", test_dir);
	refused(extra, "none.txt: No such file or directory");
	assert_non_null(f = fopen(sfile, "w"));
	fputs("ok.example\nbad!.example\n", f);
	fclose(f);
	snprintf(extra, sizeof extra, "senders_file = %s\n", sfile);
	refused(extra, "senders.txt:2: bad!.example: not a domain name");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_apply),
		cmocka_unit_test(test_live_parsing),
		cmocka_unit_test(test_keep_mode),
		cmocka_unit_test(test_use_results),
		cmocka_unit_test(test_vet),
		cmocka_unit_test(test_senders),
	};
	return cmocka_run_group_tests_name("out_postfix", tests, test_dir_setup, test_dir_teardown);
}
