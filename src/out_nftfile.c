/* out_nftfile — the `nft-file` output: an includable nftables file for
 * administrators who keep their ruleset in /etc/nftables.conf.
 *
 * Either set definitions (`set4 = NAME`, `set6 = NAME`), to include
 * inside a table block:
 *
 *     table inet filter {
 *             include "/etc/nftables.d/allowsync.nft"
 *             chain input { … ip saddr @allowsync4 accept … }
 *     }
 *
 * or variables (`define4 = NAME`, `define6 = NAME`), to include at the
 * top and use as `ip saddr $ALLOWSYNC4`.  Merged ranges are written as a
 * CIDR when they are exactly one, else as FIRST-LAST.  When nft is
 * installed, the new file is checked with `nft -c -f` (in a scratch
 * table that is never created) before it replaces the old one.
 */
#include "out_nftfile.h"

#include "confkv.h"
#include "log.h"
#include "nl.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct nftfile {
	struct outfile of;   /* first: outfile.c finds it in o->priv */
	const char *name[2]; /* set or define name per family, NULL = none */
	bool defines;        /* define NAME = { … } instead of set NAME { … } */
};

static const struct conf_key nftfile_keys[] = {
	{ "path", CONF_KEY_REQUIRED },
	{ "set4", 0 },
	{ "set6", 0 },
	{ "define4", 0 },
	{ "define6", 0 },
	{ NULL, 0 },
};

static const enum pfx_family fams[2] = { PFX_V4, PFX_V6 };

static int nftfile_verify(const struct output *o, const struct pset *want, const char *buf,
			  size_t len, struct err *err);

static int
nftfile_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	static const char *const keys[2][2] = { { "set4", "set6" }, { "define4", "define6" } };
	struct nftfile *n = outfile_configure(o, sec, sizeof(*n), nftfile_verify, err);

	if (n == NULL)
		return -1;
	n->defines = conf_get(sec, "define4") || conf_get(sec, "define6");
	if (n->defines && (conf_get(sec, "set4") || conf_get(sec, "set6"))) {
		conf_err_set(err, sec, "define4",
			     "[output %s] either set4/set6 or define4/define6, not both (a define cannot sit inside a table)",
			     o->name);
		return -1;
	}
	for (int k = 0; k < 2; k++) {
		const char *key = keys[n->defines][k];

		n->name[k] = conf_get(sec, key);
		if (n->name[k] && !nl_name_valid(n->name[k], NL_NAME_FILE)) {
			conf_err_set(err, sec, key, "[output %s] %s = %s: not a valid nftables name",
				     o->name, key, n->name[k]);
			return -1;
		}
	}
	if (!n->name[0] && !n->name[1]) {
		conf_err_set(err, sec, NULL, "[output %s] needs set4/set6 or define4/define6",
			     o->name);
		return -1;
	}
	return 0;
}

static void
put_range(FILE *f, enum pfx_family fam, const struct pfx_range *r)
{
	char buf[PFX_TEXT_MAX];
	int len = pfx_range_cidr_len(fam, r);

	if (len >= 0)
		pfx_format_cidr(fam, r->lo, len, buf);
	else
		pfx_format_range(fam, r, buf);
	fputs(buf, f);
}

static int
nftfile_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct nftfile *n = o->priv;

	outfile_header(o, f);
	for (int k = 0; k < 2; k++) {
		size_t cnt = pset_count(want, fams[k]);

		if (n->name[k] == NULL)
			continue;
		if (n->defines) {
			/* nft has no empty anonymous set: never reached, prepare
			 * refuses it first. */
			if (cnt == 0) {
				errno = EINVAL;
				return -1;
			}
			fprintf(f, "define %s = {\n", n->name[k]);
		} else {
			fprintf(f, "set %s {\n\ttype %s\n\tflags interval\n", n->name[k],
				fams[k] == PFX_V4 ? "ipv4_addr" : "ipv6_addr");
			if (cnt > 0)
				fputs("\telements = {\n", f);
		}
		for (size_t i = 0; i < cnt; i++) {
			struct pfx_range r = pset_get(want, fams[k], i);

			fputs(n->defines ? "\t" : "\t\t", f);
			put_range(f, fams[k], &r);
			fputs(i + 1 < cnt ? ",\n" : "\n", f);
		}
		if (!n->defines && cnt > 0)
			fputs("\t}\n", f);
		fputs("}\n", f);
	}
	return ferror(f) ? -1 : 0;
}

/* What nft -c reads: the file in the context it is meant for. */
static int
write_wrapper(const struct nftfile *n, const char *buf, size_t len, FILE *f)
{
	if (!n->defines) {
		fputs("table inet allowsync_check {\n", f);
		fwrite(buf, 1, len, f);
		fputs("}\n", f);
		return ferror(f) ? -1 : 0;
	}
	fwrite(buf, 1, len, f);
	fputs("table inet allowsync_check {\n", f);
	for (int k = 0; k < 2; k++)
		if (n->name[k])
			fprintf(f, "\tset c%d { type %s; flags interval; elements = $%s; }\n", k,
				k == 0 ? "ipv4_addr" : "ipv6_addr", n->name[k]);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}

/* First line of nft's complaint that says what is wrong. */
static void
first_error(int fd, char *out, size_t outsz)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *line, *save = NULL;

	snprintf(out, outsz, "no message");
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "Error")) {
			snprintf(out, outsz, "%.250s", line);
			return;
		}
	}
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, outsz, "%.250s", buf);
}

static int
nftfile_verify(const struct output *o, const struct pset *want, const char *buf, size_t len,
	       struct err *err)
{
	const struct nftfile *n = o->priv;
	char wrapper[] = "/tmp/allowsync-nftcheck-XXXXXX";
	char errpath[] = "/tmp/allowsync-nftcheck-err-XXXXXX";
	char a0[] = "nft", a1[] = "-c", a2[] = "-f";
	char *argv[] = { a0, a1, a2, wrapper, NULL };
	char msg[300];
	posix_spawn_file_actions_t fa;
	int wfd = -1, efd = -1, rc = -1, status = 0, r;
	FILE *f = NULL;
	pid_t pid;

	(void)want;
	wfd = mkstemp(wrapper);
	efd = mkstemp(errpath);
	if (wfd < 0 || efd < 0) {
		err_errno(err, errno, "nft -c: cannot create a temporary file");
		goto out;
	}
	unlink(errpath);
	f = fdopen(wfd, "w");
	if (f == NULL || write_wrapper(n, buf, len, f) < 0 || fflush(f) != 0) {
		err_errno(err, errno, "nft -c: cannot write %s", wrapper);
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	r = posix_spawnp(&pid, "nft", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r == ENOENT) {
		log_info("output \"%s\": nft is not installed: %s not checked", o->name, n->of.path);
		rc = 0;
		goto out;
	}
	if (r != 0) {
		err_errno(err, r, "cannot run nft -c");
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err_errno(err, errno, "nft -c");
			goto out;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		goto out;
	}
	first_error(efd, msg, sizeof(msg));
	if (strstr(msg, "Operation not permitted")) {
		/* nft -c reads the kernel's ruleset; without CAP_NET_ADMIN it
		 * cannot check anything, which says nothing about the file. */
		log_warn("output \"%s\": nft -c needs CAP_NET_ADMIN: %s not checked", o->name,
			 n->of.path);
		rc = 0;
		goto out;
	}
	err_set(err, "nft -c refused the new file: %s", msg);
out:
	if (f != NULL)
		fclose(f);
	else if (wfd >= 0)
		close(wfd);
	if (wfd >= 0)
		unlink(wrapper);
	if (efd >= 0)
		close(efd);
	return rc;
}

/* The warning and the refusal about `want` come here, not in render:
 * render is `show`'s too, and can only fail with an errno.  Then the
 * shared prepare. */
static int
nftfile_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want,
		bool *changed, struct err *err)
{
	struct nftfile *n = o->priv;

	for (int k = 0; k < 2; k++) {
		size_t cnt = pset_count(want, fams[k]);

		if (n->name[k] == NULL && cnt > 0)
			log_warn("output \"%s\": %zu %s ranges dropped: no %s%d configured", o->name,
				 cnt, k == 0 ? "IPv4" : "IPv6", n->defines ? "define" : "set",
				 k == 0 ? 4 : 6);
		if (n->defines && n->name[k] && cnt == 0) {
			err_set(err, "no %s ranges for define %s (nft has no empty set literal)",
				k == 0 ? "IPv4" : "IPv6", n->name[k]);
			return -1;
		}
	}
	return outfile_prepare(o, ctx, want, changed, err);
}

static int
nftfile_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	const struct nftfile *n = o->priv;
	char *buf = NULL;
	size_t len;
	struct err notpfx; /* the lines that hold no element: syntax, comments */
	int r;

	(void)ctx;
	r = atomicfile_read(n->of.path, &buf, &len, err);
	if (r != 0)
		return r > 0 ? 0 : -1;
	/* Our own layout: one element per line, indented, with an optional
	 * trailing comma; every other line is syntax or a comment. */
	for (char *line = buf, *end; line < buf + len; line = end + 1) {
		struct pfx p;
		char *s = line;
		size_t l;

		end = memchr(line, '\n', (size_t)(buf + len - line));
		if (end == NULL)
			end = buf + len;
		while (s < end && (*s == '\t' || *s == ' '))
			s++;
		l = (size_t)(end - s);
		if (l > 0 && s[l - 1] == ',')
			l--;
		if (l > 0 && pfx_parse(s, l, &p, &notpfx) && pset_add_pfx(live, &p) < 0) {
			free(buf);
			err_set(err, "out of memory");
			return -1;
		}
	}
	free(buf);
	return 0;
}

const struct output_type out_nftfile = {
	.name = "nft-file",
	.keys = nftfile_keys,
	.configure = nftfile_configure,
	.live = nftfile_live,
	.prepare = nftfile_prepare,
	.commit = outfile_commit,
	.abort = outfile_abort,
	.render = nftfile_render,
	.free = outfile_free,
};
