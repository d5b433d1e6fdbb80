/* Unit tests: confkv — the file as sections of keys, values and lines:
 * libinih's syntax, long lines, section headers, the file checks, key
 * lists, and the exact "FILE:LINE: reason" texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "confkv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The path of `name` in the test directory (static: one at a time). */
static const char *
path_of(const char *name)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	return path;
}

static const char *
write_file(const char *name, const char *text, size_t len)
{
	const char *path = path_of(name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	chmod(path, 0600);
	return path;
}

struct file {
	char path[512];
	struct conf_section **secs;
	size_t n;
};

static void
read_ok(struct file *f, const char *text)
{
	struct err err;

	snprintf(f->path, sizeof f->path, "%s", write_file("ok.conf", text, strlen(text)));
	if (confkv_read(f->path, false, &f->secs, &f->n, &err) != 0)
		fail_msg("refused: %s", err.msg);
}

static void
file_free(struct file *f)
{
	confkv_free(f->secs, f->n);
}

/* Refused with exactly "DIR/bad.conf:LINE: reason" (line 0: "…conf: reason"). */
static void
read_bad(const char *text, size_t len, unsigned line, const char *reason)
{
	char want[1024];
	struct conf_section **secs = NULL;
	size_t n = 0;
	struct err err;
	const char *path = write_file("bad.conf", text, len);

	if (confkv_read(path, false, &secs, &n, &err) == 0) {
		confkv_free(secs, n);
		fail_msg("accepted, expected line %u: %s\n%s", line, reason, text);
	}
	if (line)
		snprintf(want, sizeof want, "%s:%u: %s", path, line, reason);
	else
		snprintf(want, sizeof want, "%s: %s", path, reason);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, line);
}

static void
test_sections(void **state)
{
	struct file f;
	const char *const *vals;
	(void)state;

	read_ok(&f, "; comment\n"
		    "# another\n"
		    "[global]\n"
		    "timeout = 90s\n"
		    "\n"
		    "[source a]\n"
		    "prefixes = 192.0.2.1 ; inline comment\n"
		    "type: static\n"
		    "prefixes = 192.0.2.2;not a comment\n"
		    "  192.0.2.3\n"
		    "[ output  b ]\n"
		    "path = /x\n"
		    "[publish]\n"
		    "empty =\n");
	assert_int_equal(f.n, 4);
	assert_int_equal(f.secs[0]->kind, CONF_GLOBAL);
	assert_null(f.secs[0]->name);
	assert_int_equal(f.secs[0]->line, 3);
	assert_ptr_equal(f.secs[0]->file, f.path); /* points at the caller's path */
	assert_int_equal(f.secs[1]->kind, CONF_SOURCE);
	assert_string_equal(f.secs[1]->name, "a");
	assert_int_equal(f.secs[1]->line, 6);
	assert_int_equal(f.secs[2]->kind, CONF_OUTPUT);
	assert_string_equal(f.secs[2]->name, "b"); /* blanks around the words */
	assert_int_equal(f.secs[3]->kind, CONF_PUBLISH);
	assert_null(f.secs[3]->name);

	const struct conf_section *a = f.secs[1];
	/* Keys in order of first appearance; a continuation line is one more
	 * value of the key it continues. */
	assert_int_equal(a->n_kv, 2);
	assert_string_equal(a->kv[0].key, "prefixes");
	assert_string_equal(a->kv[1].key, "type");
	assert_int_equal(conf_get_all(a, "prefixes", &vals), 3);
	assert_string_equal(vals[0], "192.0.2.1");
	assert_string_equal(vals[1], "192.0.2.2;not a comment");
	assert_string_equal(vals[2], "192.0.2.3");
	const struct conf_kv *kv = conf_get_kv(a, "prefixes");
	assert_non_null(kv);
	assert_int_equal(kv->lines[0], 7);
	assert_int_equal(kv->lines[1], 9);
	assert_int_equal(kv->lines[2], 10);
	assert_string_equal(conf_get(a, "prefixes"), "192.0.2.3"); /* the last */
	assert_string_equal(conf_get(a, "type"), "static");	   /* `key: value` */
	assert_string_equal(conf_get(f.secs[3], "empty"), "");
	assert_null(conf_get(a, "path"));
	assert_null(conf_get_kv(a, "path"));
	assert_int_equal(conf_get_all(a, "path", &vals), 0);
	assert_null(vals);
	/* Lines: the key's last, else the section header's. */
	assert_int_equal(conf_line(a, "prefixes"), 10);
	assert_int_equal(conf_line(a, "type"), 8);
	assert_int_equal(conf_line(a, "path"), 6);
	assert_int_equal(conf_line(a, NULL), 6);
	file_free(&f);

	/* No section at all is a valid file (what it must hold is conf's). */
	read_ok(&f, "; nothing\n\n");
	assert_int_equal(f.n, 0);
	file_free(&f);
}

static void
test_add(void **state)
{
	struct file f;
	const char *const *vals;
	(void)state;

	read_ok(&f, "[source a]\ntype = static\n");
	struct conf_section *a = f.secs[0];
	assert_int_equal(confkv_add(a, "type", "file", 0), 0);
	assert_int_equal(confkv_add(a, "tags", "x", 0), 0);
	assert_int_equal(confkv_add(a, "tags", "y", 7), 0);
	assert_int_equal(conf_get_all(a, "type", &vals), 2);
	assert_string_equal(vals[1], "file");
	assert_string_equal(conf_get(a, "tags"), "y");
	assert_int_equal(a->n_kv, 2);
	/* A value from outside the file (line 0) points at the section. */
	assert_int_equal(conf_line(a, "type"), 1);
	assert_int_equal(conf_line(a, "tags"), 7);
	file_free(&f);
}

static void
test_long_lines(void **state)
{
	char text[16384], want[8192], *p = text, *w = want;
	struct file f;
	(void)state;

	/* Far beyond libinih's line buffer: neither cut nor shifting lines. */
	p += sprintf(p, "[source s]\n;");
	for (int i = 0; i < 300; i++)
		p += sprintf(p, " comment");
	p += sprintf(p, "\nprefixes =");
	for (int i = 0; i < 400; i++) {
		p += sprintf(p, " 192.0.2.%d", i % 256);
		w += sprintf(w, "%s192.0.2.%d", i ? " " : "", i % 256);
	}
	p += sprintf(p, "  ; trailing comment\nafter:");
	for (int i = 0; i < 300; i++)
		*p++ = 'x';
	p += sprintf(p, "\nlast = 1\n");
	read_ok(&f, text);
	assert_string_equal(conf_get(f.secs[0], "prefixes"), want);
	assert_int_equal(conf_line(f.secs[0], "prefixes"), 3);
	assert_int_equal(strlen(conf_get(f.secs[0], "after")), 300);
	assert_int_equal(conf_line(f.secs[0], "after"), 4);
	assert_int_equal(conf_line(f.secs[0], "last"), 5);
	file_free(&f);

	/* A long line that is neither a comment nor key = value. */
	p = text + sprintf(text, "[source s]\n");
	for (int i = 0; i < 600; i++)
		*p++ = 'x';
	*p++ = '\n';
	read_bad(text, (size_t)(p - text), 2, "line too long and not key = value");
}

struct bad_case {
	const char *text;
	unsigned line;
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{"[foo]\n", 1, "unknown section [foo] (expected global, source NAME, output NAME, publish)"},
	{"[global x]\n", 1, "[global] takes no name"},
	{"[publish x]\n", 1, "[publish] takes no name"},
	{"[source]\n", 1, "[source] needs a name: [source NAME]"},
	{"[output ]\n", 1, "[output] needs a name: [output NAME]"},
	{"[source a/b]\n", 1, "bad source name \"a/b\" (letters, digits, '.', '_', '-'; at most 64)"},
	{"[source .a]\n", 1, "bad source name \".a\" (letters, digits, '.', '_', '-'; at most 64)"},
	{"[output "
	 "a1234567890123456789012345678901234567890123456789012345678901234]\n",
	 1,
	 "bad output name "
	 "\"a1234567890123456789012345678901234567890123456789012345678901234\" (letters, "
	 "digits, '.', '_', '-'; at most 64)"},
	{"[source s\n", 1, "section header without ']'"},
	{"x = 1\n[source s]\n", 1, "\"x\" outside of any section"},
	{"[global]\n[global]\n", 2, "duplicate section [global] (first at line 1)"},
	{"[publish]\n\n[publish]\n", 3, "duplicate section [publish] (first at line 1)"},
	{"[source s]\n[output s]\n[source s]\n", 3, "duplicate section [source s] (first at line 1)"},
	{"[source s]\ntype = static\njust words\n", 3,
	 "syntax error (expected [section], key = value or a comment)"},
	/* The first error is the one reported. */
	{"[source s]\n[bogus]\n[bogus2]\n", 2,
	 "unknown section [bogus] (expected global, source NAME, output NAME, publish)"},
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
		read_bad(bad_cases[i].text, strlen(bad_cases[i].text), bad_cases[i].line,
			 bad_cases[i].reason);
	/* A names of exactly 64 characters is fine. */
	struct file f;
	read_ok(&f, "[source a123456789012345678901234567890123456789012345678901234567890123]\n");
	assert_int_equal(strlen(f.secs[0]->name), 64);
	file_free(&f);
}

static void
test_file_checks(void **state)
{
	struct conf_section **secs = NULL;
	size_t n = 0;
	struct err err;
	char want[1024];
	(void)state;

	assert_int_equal(confkv_read("/nonexistent/x.conf", false, &secs, &n, &err), -1);
	assert_string_equal(err.msg, "/nonexistent/x.conf: cannot open: No such file or directory");
	assert_int_equal(err.line, 0);

	assert_int_equal(confkv_read(test_dir, false, &secs, &n, &err), -1);
	snprintf(want, sizeof want, "%s: not a regular file", test_dir);
	assert_string_equal(err.msg, want);

	read_bad("[source s]\ntype = st\0atic\n", 25, 0, "contains a NUL byte");

	size_t big = (4u << 20) + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, ';', big);
	read_bad(text, big, 0, "file larger than 4194304 bytes");
	text[big - 2] = '\n';
	const char *path = write_file("big.conf", text, big - 1); /* exactly 4 MiB: read */
	assert_int_equal(confkv_read(path, false, &secs, &n, &err), 0);
	assert_int_equal(n, 0);
	confkv_free(secs, n);
	free(text);
}

static void
test_owner_check(void **state)
{
	struct conf_section **secs = NULL;
	size_t n = 0;
	struct err err;
	char want[1024];
	const char *path = write_file("mode.conf", "[global]\n", 9);
	(void)state;

	if (geteuid() != 0)
		skip();
	chmod(path, 0620);
	assert_int_equal(confkv_read(path, true, &secs, &n, &err), -1);
	snprintf(want, sizeof want,
		 "%s: refusing a configuration writable by group or others (running as root: it "
		 "must be owned by root and not writable by group or others)",
		 path);
	assert_string_equal(err.msg, want);
	/* Without the check the same file is read. */
	assert_int_equal(confkv_read(path, false, &secs, &n, &err), 0);
	confkv_free(secs, n);
	chmod(path, 0644);
	assert_int_equal(confkv_read(path, true, &secs, &n, &err), 0);
	confkv_free(secs, n);
	assert_int_equal(chown(path, 1, 0), 0);
	assert_int_equal(confkv_read(path, true, &secs, &n, &err), -1);
	snprintf(want, sizeof want,
		 "%s: refusing a configuration not owned by root (running as root: it must be "
		 "owned by root and not writable by group or others)",
		 path);
	assert_string_equal(err.msg, want);
}

static const struct conf_key keys_a[] = {
	{"type", CONF_KEY_REQUIRED}, {"tags", CONF_KEY_MULTI}, {"timeout", 0}, {NULL, 0}};
static const struct conf_key keys_b[] = {
	{"path", CONF_KEY_REQUIRED}, {"list", CONF_KEY_MULTI | CONF_KEY_REQUIRED}, {NULL, 0}};

static void
check_keys_bad(const char *text, const struct conf_key *b, unsigned line, const char *reason)
{
	struct file f;
	struct err err;
	char want[1024];

	read_ok(&f, text);
	assert_int_equal(conf_check_keys(f.secs[0], keys_a, b, "[source s]", &err), -1);
	snprintf(want, sizeof want, "%s:%u: %s", f.path, line, reason);
	assert_int_equal(err.line, line);
	assert_string_equal(err.msg, want);
	file_free(&f);
}

static void
test_check_keys(void **state)
{
	struct file f;
	struct err err;
	(void)state;

	read_ok(&f, "[source s]\ntype = x\ntags = a\ntags = b\npath = /p\nlist = 1\nlist = 2\n");
	assert_int_equal(conf_check_keys(f.secs[0], keys_a, keys_b, "[source s]", &err), 0);
	file_free(&f);
	read_ok(&f, "[source s]\ntype = x\n");
	assert_int_equal(conf_check_keys(f.secs[0], keys_a, NULL, "[source s]", &err), 0);
	file_free(&f);

	/* Unknown: at its first line. */
	check_keys_bad("[source s]\ntype = x\nbogus = 1\nbogus = 2\n", keys_b, 3,
		       "unknown key \"bogus\" in [source s]");
	check_keys_bad("[source s]\ntype = x\npath = /p\n", NULL, 3,
		       "unknown key \"path\" in [source s]");
	/* Repeated single key: at its second line, naming the first. */
	check_keys_bad("[source s]\ntype = x\ntimeout = 1\n\ntimeout = 2\ntimeout = 3\n", NULL, 5,
		       "\"timeout\" given twice in [source s] (first at line 3)");
	/* A continuation line repeats the key too. */
	check_keys_bad("[source s]\ntype = x\ntimeout = 1\n  2\n", NULL, 4,
		       "\"timeout\" given twice in [source s] (first at line 3)");
	/* Missing: at the section, from either list. */
	check_keys_bad("\n[source s]\ntags = a\n", NULL, 2,
		       "[source s]: missing required key \"type\"");
	check_keys_bad("[source s]\ntype = x\npath = /p\n", keys_b, 1,
		       "[source s]: missing required key \"list\"");
}

static void
test_err_texts(void **state)
{
	struct file f;
	struct err err;
	(void)state;

	read_ok(&f, "[global]\n\n[source s]\ntype = x\ntype = y\n");
	const struct conf_section *s = f.secs[1];
	char want[1024];

	conf_err_set(&err, s, "type", "bad %s", "type");
	snprintf(want, sizeof want, "%s:5: bad type", f.path);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, 5);
	conf_err_set(&err, s, NULL, "whole section");
	snprintf(want, sizeof want, "%s:3: whole section", f.path);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, 3);
	/* The arguments may be the message itself (a callee's reason). */
	strcpy(err.msg, "inner reason");
	conf_err_set(&err, s, "nope", "outer: %s", err.msg);
	snprintf(want, sizeof want, "%s:3: outer: inner reason", f.path);
	assert_string_equal(err.msg, want);
	conf_err_at(&err, s, 4, "first value");
	snprintf(want, sizeof want, "%s:4: first value", f.path);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, 4);
	conf_err_at(&err, s, 0, "from a preset");
	snprintf(want, sizeof want, "%s: from a preset", f.path);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, 0);
	conf_err_file(&err, "/etc/x.conf", 12, "at %d", 12);
	assert_string_equal(err.msg, "/etc/x.conf:12: at 12");
	assert_int_equal(err.line, 12);
	conf_err_file(&err, "/etc/x.conf", 0, "no source");
	assert_string_equal(err.msg, "/etc/x.conf: no source");
	assert_int_equal(err.line, 0);
	file_free(&f);

	/* A message too long for err is cut, never overflows. */
	char longer[3 * ERR_MAX];
	memset(longer, 'r', sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	conf_err_file(&err, "/etc/x.conf", 1, "%s", longer);
	assert_int_equal(strlen(err.msg), ERR_MAX - 1);
	assert_true(strncmp(err.msg, "/etc/x.conf:1: rrr", 18) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sections),	cmocka_unit_test(test_add),
	    cmocka_unit_test(test_long_lines),	cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_file_checks), cmocka_unit_test(test_owner_check),
	    cmocka_unit_test(test_check_keys),	cmocka_unit_test(test_err_texts),
	};
	return cmocka_run_group_tests_name("confkv", tests, test_dir_setup, test_dir_teardown);
}
