/* Unit tests: outfile — the plumbing every one-file output shares: take
 * the path, render to a temporary file beside the target, let verify
 * refuse it, tell an unchanged file from a changed one, rename on commit,
 * leave nothing behind on abort, free or failure, keep the replaced
 * file's mode and owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testsets.h"

#include "conf.h"
#include "confkv.h"
#include "outfile.h"
#include "output.h"
#include "pfx.h"
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the fake output renders and how its verify answers; o->priv. */
struct fake {
	struct outfile of;     /* first, as in every one-file output */
	bool header;
	int render_errno;      /* non-zero: render fails with it */
	const char *refuse;    /* non-NULL: verify fails with this text */
	int verify_calls;
	char *seen;            /* what verify was given (copied) */
	size_t seen_len;
	bool seen_nul;         /* buf[len] was NUL */
	bool seen_same_args;   /* o and want were the ones passed to prepare */
	const struct pset *want;
	struct stat temp_st;   /* the temporary file, as verify found it */
	char *target_then;     /* the target's content while verify ran (NULL: absent) */
};

static char name_t[] = "t", name_a[] = "a", name_b[] = "b";
static int fake_render(const struct output *o, const struct pset *want, FILE *f);
/* outfile renders with the type's render, as `show` does. */
static const struct output_type fake_type = {.name = "fake", .render = fake_render};
/* outfile's functions do not look at the run's context. */
static const struct output_ctx run_ctx = {.state_dir = "/nonexistent"};
static struct source src_a = {.name = name_a}, src_b = {.name = name_b};
static struct source *two_sources[] = {&src_a, &src_b};

/* An old mtime for files that must not be rewritten (no sleeping for a
 * second to tell writes apart). */
static const struct timespec old_time = {.tv_sec = 1000000000, .tv_nsec = 0};

static const char *
at(const char *name)
{
	static char path[600];
	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	return path;
}

/* Dot files in dir: the temporaries atomicfile makes. */
static int
temps_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int
temps(void)
{
	return temps_in(test_dir);
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
make_old(const char *path)
{
	const struct timespec ts[2] = {old_time, old_time};

	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* The whole file, or NULL when it does not exist. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
assert_file(const char *path, const char *want)
{
	char *got = slurp(path);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
assert_absent(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
assert_one_line(const char *err)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

static void
assert_same_file(const struct stat *a, const struct stat *b)
{
	assert_int_equal(a->st_ino, b->st_ino);
	assert_int_equal(a->st_size, b->st_size);
	assert_int_equal(a->st_mtim.tv_sec, b->st_mtim.tv_sec);
	assert_int_equal(a->st_mtim.tv_nsec, b->st_mtim.tv_nsec);
}

static int
put_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_TEXT_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	return fprintf(ctx, "%s\n", buf) < 0 ? -1 : 0;
}

static int
fake_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct fake *fk = o->priv;

	if (fk->render_errno) {
		fputs("half a line", f);
		errno = fk->render_errno;
		return -1;
	}
	if (fk->header)
		outfile_header(o, f);
	if (pset_each_cidr(want, PFX_V4, put_cidr, f) != 0 ||
	    pset_each_cidr(want, PFX_V6, put_cidr, f) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

static int
fake_verify(const struct output *o, const struct pset *want, const char *buf, size_t len,
	    struct err *err)
{
	struct fake *fk = o->priv;

	fk->verify_calls++;
	free(fk->seen);
	assert_non_null(fk->seen = malloc(len + 1));
	memcpy(fk->seen, buf, len);
	fk->seen[len] = '\0';
	fk->seen_len = len;
	fk->seen_nul = buf[len] == '\0';
	fk->seen_same_args = want == fk->want && o->priv == fk;
	assert_non_null(fk->of.af);
	assert_int_equal(stat(atomicfile_temp(fk->of.af), &fk->temp_st), 0);
	free(fk->target_then);
	fk->target_then = slurp(fk->of.path);
	if (fk->refuse)
		return err_set(err, "%s", fk->refuse);
	return 0;
}

static void
fake_init(struct output *o, struct fake *fk, const char *path)
{
	memset(o, 0, sizeof *o);
	memset(fk, 0, sizeof *fk);
	o->name = name_t;
	o->type = &fake_type;
	o->sources = two_sources;
	o->n_sources = 2;
	o->priv = fk;
	fk->of.path = path;
}

static void
fake_done(struct fake *fk)
{
	free(fk->seen);
	free(fk->target_then);
}

static int
prepare(struct output *o, const struct pset *want, bool verify, bool *changed, struct err *err)
{
	struct fake *fk = o->priv;

	fk->want = want;
	fk->of.verify = verify ? fake_verify : NULL;
	err_clear(err);
	return outfile_prepare(o, &run_ctx, want, changed, err);
}

#define HEADER "# allowsync output \"t\" (fake): written by allowsync, do not edit\n" \
	       "# sources: a b\n"

static void
test_header(void **state)
{
	struct output o = {.name = name_t, .type = &fake_type, .sources = two_sources,
			   .n_sources = 2};
	char *mem = NULL;
	size_t len = 0;
	FILE *m;
	(void)state;

	assert_non_null(m = open_memstream(&mem, &len));
	outfile_header(&o, m);
	assert_int_equal(fclose(m), 0);
	assert_string_equal(mem, HEADER);
	free(mem);

	/* No sources: the line stays, empty (no trailing blank either). */
	o.n_sources = 0;
	assert_non_null(m = open_memstream(&mem, &len));
	outfile_header(&o, m);
	assert_int_equal(fclose(m), 0);
	assert_string_equal(mem, "# allowsync output \"t\" (fake): written by allowsync, "
				 "do not edit\n# sources:\n");
	free(mem);
}

static void
test_new_file(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("2001:db8::/32\n192.0.2.0/24\n");
	char prefix[700], path[600];
	bool changed = false;
	struct stat st;
	mode_t old_umask;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	fk.header = true;
	/* The umask must not narrow what readers of an output may see. */
	old_umask = umask(077);
	int rc = prepare(&o, want, false, &changed, &err);
	umask(old_umask);
	assert_int_equal(rc, 0);
	assert_true(changed);
	assert_non_null(fk.of.af);

	/* Prepared: a temporary beside the target holds the content, the
	 * target itself does not exist yet. */
	assert_absent(path);
	assert_int_equal(temps(), 1);
	snprintf(prefix, sizeof prefix, "%s/.t.txt.allowsync-", test_dir);
	assert_int_equal(strncmp(atomicfile_temp(fk.of.af), prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(atomicfile_temp(fk.of.af)), strlen(prefix) + 6);
	assert_file(atomicfile_temp(fk.of.af), HEADER "192.0.2.0/24\n2001:db8::/32\n");

	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_null(fk.of.af);
	assert_file(path, HEADER "192.0.2.0/24\n2001:db8::/32\n");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(temps(), 0);
	/* A second commit has nothing left to do. */
	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_file(path, HEADER "192.0.2.0/24\n2001:db8::/32\n");

	fake_done(&fk);
	pset_free(want);
}

static void
test_unchanged(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("198.51.100.0/24\n");
	char path[600];
	bool changed = true;
	struct stat before, after;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	put(path, "198.51.100.0/24\n", 0640);
	make_old(path);
	assert_int_equal(stat(path, &before), 0);
	/* Left by a run killed after preparing; another target's is not ours. */
	put(at(".t.txt.allowsync-AbC123"), "stale\n", 0644);
	put(at(".u.txt.allowsync-AbC123"), "other\n", 0644);

	assert_int_equal(prepare(&o, want, true, &changed, &err), 0);
	assert_false(changed);
	assert_null(fk.of.af);
	/* Nothing was written, so there was nothing to verify. */
	assert_int_equal(fk.verify_calls, 0);
	assert_absent(at(".t.txt.allowsync-AbC123"));
	assert_file(at(".u.txt.allowsync-AbC123"), "other\n");
	assert_int_equal(temps(), 1);

	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_same_file(&before, &after);
	assert_int_equal(after.st_mtim.tv_sec, old_time.tv_sec);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_file(path, "198.51.100.0/24\n");

	/* Same content but for one byte is a change. */
	put(path, "198.51.100.0/25\n", 0640);
	assert_int_equal(prepare(&o, want, false, &changed, &err), 0);
	assert_true(changed);
	outfile_abort(&o, &run_ctx);
	/* And so is a longer file that starts with the content. */
	put(path, "198.51.100.0/24\n# more\n", 0640);
	assert_int_equal(prepare(&o, want, false, &changed, &err), 0);
	assert_true(changed);
	outfile_abort(&o, &run_ctx);
	assert_file(path, "198.51.100.0/24\n# more\n");

	unlink(at(".u.txt.allowsync-AbC123"));
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_changed_replaced(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("203.0.113.0/24\n");
	char path[600];
	bool changed = false;
	struct stat before, mid, after;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	put(path, "192.0.2.0/24\n", 0640);
	if (geteuid() == 0)
		assert_int_equal(chown(path, 1, 2), 0);
	make_old(path);
	assert_int_equal(stat(path, &before), 0);

	assert_int_equal(prepare(&o, want, false, &changed, &err), 0);
	assert_true(changed);
	assert_non_null(fk.of.af);
	/* Until commit readers see the old file, untouched. */
	assert_int_equal(stat(path, &mid), 0);
	assert_same_file(&before, &mid);
	assert_file(path, "192.0.2.0/24\n");
	assert_int_equal(temps(), 1);

	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_null(fk.of.af);
	assert_file(path, "203.0.113.0/24\n");
	assert_int_equal(stat(path, &after), 0);
	assert_int_not_equal(after.st_ino, before.st_ino); /* renamed over, not rewritten */
	assert_int_not_equal(after.st_mtim.tv_sec, old_time.tv_sec);
	assert_int_equal(after.st_mode & 07777, 0640);
	if (geteuid() == 0) {
		assert_int_equal(after.st_uid, 1);
		assert_int_equal(after.st_gid, 2);
	}
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_abort(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("203.0.113.0/24\n");
	char path[600], fresh[600];
	bool changed = false;
	struct stat before, after;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	put(path, "192.0.2.0/24\n", 0600);
	make_old(path);
	assert_int_equal(stat(path, &before), 0);

	assert_int_equal(prepare(&o, want, true, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(temps(), 1);
	outfile_abort(&o, &run_ctx);
	assert_null(fk.of.af);
	assert_int_equal(temps(), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_same_file(&before, &after);
	assert_int_equal(after.st_mode & 07777, 0600);
	assert_file(path, "192.0.2.0/24\n");
	/* Twice, and on an outfile never prepared: no-ops. */
	outfile_abort(&o, &run_ctx);
	assert_int_equal(stat(path, &after), 0);
	assert_same_file(&before, &after);

	/* Aborting a first write leaves no file at all. */
	snprintf(fresh, sizeof fresh, "%s", at("new.txt"));
	fk.of.path = fresh;
	assert_int_equal(prepare(&o, want, false, &changed, &err), 0);
	assert_true(changed);
	outfile_abort(&o, &run_ctx);
	assert_absent(fresh);
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_verify_sees_written(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n2001:db8:1::/48\n");
	char path[600];
	bool changed = false;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	fk.header = true;
	put(path, "10.0.0.0/16\n", 0640);

	assert_int_equal(prepare(&o, want, true, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(fk.verify_calls, 1);
	assert_true(fk.seen_same_args);
	assert_true(fk.seen_nul);
	assert_int_equal(fk.seen_len, strlen(fk.seen));
	assert_string_equal(fk.seen, HEADER "10.1.0.0/16\n2001:db8:1::/48\n");
	/* Verify ran on the synced temporary (already with the target's
	 * mode) while the target still held the old content. */
	assert_true(S_ISREG(fk.temp_st.st_mode));
	assert_int_equal(fk.temp_st.st_size, (off_t)fk.seen_len);
	assert_int_equal(fk.temp_st.st_mode & 07777, 0640);
	assert_non_null(fk.target_then);
	assert_string_equal(fk.target_then, "10.0.0.0/16\n");

	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_file(path, HEADER "10.1.0.0/16\n2001:db8:1::/48\n");
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_verify_refuses(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n");
	char path[600], fresh[600];
	bool changed = false;
	struct stat before, after;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	fk.refuse = "postmap -q 10.1.0.1: no match";
	put(path, "10.0.0.0/16\n", 0644);
	make_old(path);
	assert_int_equal(stat(path, &before), 0);

	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	assert_int_equal(fk.verify_calls, 1);
	assert_string_equal(err.msg, "postmap -q 10.1.0.1: no match");
	assert_null(fk.of.af);
	assert_int_equal(temps(), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_same_file(&before, &after);
	assert_file(path, "10.0.0.0/16\n");
	/* Nothing to commit or abort after a refusal. */
	outfile_abort(&o, &run_ctx);
	assert_file(path, "10.0.0.0/16\n");

	/* A refused first write creates nothing. */
	snprintf(fresh, sizeof fresh, "%s", at("new.txt"));
	fk.of.path = fresh;
	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	assert_int_equal(fk.verify_calls, 2);
	assert_null(fk.target_then);
	assert_absent(fresh);
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_render_fails(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n");
	char path[600];
	bool changed = false;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	fk.render_errno = ENOSPC;
	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	assert_string_equal(err.msg, "cannot render: No space left on device");
	assert_int_equal(fk.verify_calls, 0);
	assert_null(fk.of.af);
	assert_absent(path);
	assert_int_equal(temps(), 0);

	/* An existing file is left as it was. */
	put(path, "10.0.0.0/16\n", 0644);
	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	assert_file(path, "10.0.0.0/16\n");
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_empty_content(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = pset_new();
	char path[600];
	bool changed = false;
	struct stat st;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	assert_non_null(want);
	assert_int_equal(prepare(&o, want, true, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(fk.verify_calls, 1);
	assert_int_equal(fk.seen_len, 0);
	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* An empty file holds an empty list already. */
	assert_int_equal(prepare(&o, want, true, &changed, &err), 0);
	assert_false(changed);
	assert_null(fk.of.af);
	/* A non-empty file does not. */
	put(path, "10.0.0.0/8\n", 0644);
	assert_int_equal(prepare(&o, want, false, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(outfile_commit(&o, &run_ctx, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_missing_directory(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n");
	char path[600], expect[800];
	bool changed = false;
	(void)state;

	snprintf(path, sizeof path, "%s", at("nodir/t.txt"));
	fake_init(&o, &fk, path);
	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	snprintf(expect, sizeof expect,
		 "cannot create a temporary file in %s/nodir: No such file or directory", test_dir);
	assert_string_equal(err.msg, expect);
	assert_one_line(err.msg);
	assert_null(fk.of.af);
	assert_int_equal(fk.verify_calls, 0);
	assert_absent(at("nodir"));
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

/* The permission check does not apply to root: prepare as nobody then
 * (the saved set-user-ID gets root back). */
static int
prepare_unprivileged(struct output *o, const struct pset *want, bool *changed, struct err *err)
{
	bool drop = geteuid() == 0;
	int rc;

	if (drop && seteuid(65534) != 0)
		skip();
	rc = prepare(o, want, true, changed, err);
	if (drop && seteuid(0) != 0)
		fail_msg("cannot get root back: %s", strerror(errno));
	return rc;
}

static void
test_unwritable_directory(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n");
	char dir[600], path[700], expect[900];
	bool changed = false;
	struct stat before, after;
	int rc;
	(void)state;

	snprintf(dir, sizeof dir, "%s", at("ro"));
	snprintf(path, sizeof path, "%s/t.txt", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(path, "10.0.0.0/16\n", 0644);
	make_old(path);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(chmod(test_dir, 0755), 0); /* nobody may look, not write */
	fake_init(&o, &fk, path);

	rc = prepare_unprivileged(&o, want, &changed, &err);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(test_dir, 0700), 0);
	assert_int_equal(rc, -1);
	snprintf(expect, sizeof expect,
		 "cannot create a temporary file in %s: Permission denied", dir);
	assert_string_equal(err.msg, expect);
	assert_one_line(err.msg);
	assert_null(fk.of.af);
	assert_int_equal(fk.verify_calls, 0);
	assert_int_equal(temps_in(dir), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_same_file(&before, &after);
	assert_file(path, "10.0.0.0/16\n");
	fake_done(&fk);
	pset_free(want);
}

static void
test_refused_targets(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n");
	char real[600], lnk[600], dir[600], expect[800];
	bool changed = false;
	(void)state;

	snprintf(real, sizeof real, "%s", at("real.txt"));
	snprintf(lnk, sizeof lnk, "%s", at("link.txt"));
	snprintf(dir, sizeof dir, "%s", at("d"));
	put(real, "10.0.0.0/16\n", 0644);
	assert_int_equal(symlink(real, lnk), 0);
	assert_int_equal(mkdir(dir, 0755), 0);

	/* Not followed: the file it points at keeps its content. */
	fake_init(&o, &fk, lnk);
	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	snprintf(expect, sizeof expect, "%s is a symbolic link", lnk);
	assert_string_equal(err.msg, expect);
	assert_null(fk.of.af);
	assert_file(real, "10.0.0.0/16\n");

	fk.of.path = dir;
	assert_int_equal(prepare(&o, want, true, &changed, &err), -1);
	snprintf(expect, sizeof expect, "%s is a directory", dir);
	assert_string_equal(err.msg, expect);
	assert_null(fk.of.af);
	assert_int_equal(temps_in(dir), 0);

	assert_int_equal(fk.verify_calls, 0);
	assert_int_equal(temps(), 0);
	fake_done(&fk);
	pset_free(want);
}

static void
test_commit_fails(void **state)
{
	struct output o;
	struct fake fk;
	struct err err;
	struct pset *want = test_set("10.1.0.0/16\n");
	char path[600], expect[800];
	bool changed = false;
	(void)state;

	snprintf(path, sizeof path, "%s", at("t.txt"));
	fake_init(&o, &fk, path);
	put(path, "10.0.0.0/16\n", 0644);
	assert_int_equal(prepare(&o, want, true, &changed, &err), 0);
	assert_true(changed);
	/* Between prepare and commit something else took the name. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	err_clear(&err);
	assert_int_equal(outfile_commit(&o, &run_ctx, &err), -1);
	snprintf(expect, sizeof expect, "%s is a directory: refusing to replace it", path);
	assert_string_equal(err.msg, expect);
	assert_one_line(err.msg);
	assert_null(fk.of.af);
	assert_int_equal(temps(), 0);
	assert_int_equal(temps_in(path), 0);
	/* Nothing to abort afterwards. */
	outfile_abort(&o, &run_ctx);
	assert_int_equal(rmdir(path), 0);
	fake_done(&fk);
	pset_free(want);
}

/* configure makes the priv around a struct outfile with the output's
 * path, and refuses a relative one; free removes a prepared temporary. */
static void
test_configure_and_free(void **state)
{
	char key[] = "path", file[] = "test.conf", path[600], rel[] = "rel/t.txt";
	char *values[1] = {rel};
	unsigned lines[1] = {7};
	struct conf_kv kv = {.key = key, .values = values, .lines = lines, .n = 1};
	struct conf_section sec = {.kind = CONF_OUTPUT, .name = name_t, .file = file, .line = 5,
				   .kv = &kv, .n_kv = 1};
	struct output o = {.name = name_t, .type = &fake_type};
	struct pset *want = test_set("10.1.0.0/16\n");
	struct fake *fk;
	struct err err;
	bool changed = false;
	(void)state;

	assert_null(outfile_configure(&o, &sec, sizeof *fk, fake_verify, &err));
	assert_string_equal(err.msg,
			    "test.conf:7: [output t] path = rel/t.txt: not an absolute path");
	assert_null(o.target);
	/* The priv is the output's already: its free releases it. */
	assert_non_null(o.priv);
	outfile_free(&o);
	assert_null(o.priv);
	outfile_free(&o);

	snprintf(path, sizeof path, "%s", at("t.txt"));
	values[0] = path;
	assert_non_null(fk = outfile_configure(&o, &sec, sizeof *fk, fake_verify, &err));
	assert_ptr_equal(o.priv, fk);
	assert_ptr_equal(&fk->of, o.priv);
	assert_ptr_equal(fk->of.path, path);
	assert_ptr_equal(o.target, path);
	assert_true(fk->of.verify == fake_verify);
	assert_null(fk->of.af);
	assert_int_equal(fk->verify_calls, 0);

	fk->want = want;
	assert_int_equal(outfile_prepare(&o, &run_ctx, want, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(fk->verify_calls, 1);
	assert_int_equal(temps(), 1);
	fake_done(fk);
	/* Freed before commit or abort: the temporary goes, the target
	 * never appears. */
	outfile_free(&o);
	assert_null(o.priv);
	assert_int_equal(temps(), 0);
	assert_absent(path);
	pset_free(want);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_dir_setup, test_dir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		T(test_new_file),
		T(test_unchanged),
		T(test_changed_replaced),
		T(test_abort),
		T(test_verify_sees_written),
		T(test_verify_refuses),
		T(test_render_fails),
		T(test_empty_content),
		T(test_missing_directory),
		T(test_unwritable_directory),
		T(test_refused_targets),
		T(test_commit_fails),
		T(test_configure_and_free),
	};
	return cmocka_run_group_tests_name("outfile", tests, NULL, NULL);
}
