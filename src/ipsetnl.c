/* ipsetnl — IP sets through libipset (see include/ipsetnl.h). */
#include "ipsetnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libipset/data.h>
#include <libipset/session.h>
#include <libipset/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* Where list output goes while a command runs (the session's printf
 * callback gets it as its private pointer). */
struct sink {
	int (*line)(struct sink *k, const char *s, size_t n); /* one complete line */
	struct ipsetnl_info *info; /* header capture, NULL when not wanted */
	const char *set;
	char *carry;   /* an unfinished line from the previous chunk */
	size_t carry_n;
	size_t carry_cap;
	int failed;    /* a negative errno from `line` */
	struct err *err;
	/* names */
	char *names;
	size_t names_n;
	size_t names_cap;
	/* dump */
	enum pfx_family fam;
	struct nl_ranges *out;
};

struct ipsetnl {
	struct ipset_session *sess;
	struct sink *sink; /* for the command running now */
};

/* libipset's reason without its newline; "" when it gave none. */
static const char *
report(const struct ipsetnl *s, char *buf, size_t n)
{
	const char *m = ipset_session_report_msg(s->sess);
	size_t len = strcspn(m, "\n");

	if (len >= n)
		len = n - 1;
	memcpy(buf, m, len);
	buf[len] = '\0';
	return buf;
}

static bool
have_cap_net_admin(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = ~0ULL;

	if (f == NULL)
		return true;  /* cannot tell: do not claim it is missing */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> 12) & 1;  /* CAP_NET_ADMIN is capability 12 */
}

/* A refusal's reason `m`, with the cases an administrator can fix named
 * as such.  Returns the negative errno guessed from it. */
static int
fail_msg(const char *m, const char *what, struct err *err)
{
	if (strstr(m, "not permitted") || (!have_cap_net_admin() && strstr(m, "ermission"))) {
		err_set(err, "needs CAP_NET_ADMIN (%s: %s)", what, m);
		return -EPERM;
	}
	if (strstr(m, "does not exist")) {
		err_set(err, "%s: %s", what, m);
		return -ENOENT;
	}
	err_set(err, "%s: %s", what, m[0] ? m : "libipset gave no reason");
	return -EINVAL;
}

static int
fail(struct ipsetnl *s, const char *what, struct err *err)
{
	char m[512];

	return fail_msg(report(s, m, sizeof(m)), what, err);
}

/* ---- the printf callback --------------------------------------------- */

static int
sink_chunk(struct sink *k, const char *p, size_t n)
{
	while (n > 0 && k->failed == 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		if (nl == NULL || k->carry_n > 0) {
			if (k->carry_n + len + 1 > k->carry_cap) {
				size_t cap = (k->carry_n + len + 1) * 2;
				char *c = realloc(k->carry, cap);

				if (c == NULL) {
					k->failed = -ENOMEM;
					break;
				}
				k->carry = c;
				k->carry_cap = cap;
			}
			memcpy(k->carry + k->carry_n, p, len);
			k->carry_n += len;
			if (nl == NULL)
				break;
			k->failed = k->line(k, k->carry, k->carry_n);
			k->carry_n = 0;
		} else {
			k->failed = k->line(k, p, len);
		}
		p += len + 1;
		n -= len + 1;
	}
	return k->failed ? -1 : 0;
}

/* The header, from libipset's data while it prints it. */
static void
capture_header(struct ipset_session *sess, struct sink *k)
{
	const struct ipset_data *d = ipset_session_data(sess);
	const char *name = ipset_data_setname(d), *type;
	const uint32_t *v;
	uint8_t fam;

	if (k->info == NULL || name == NULL || strcmp(name, k->set) != 0 ||
	    !ipset_data_test(d, IPSET_OPT_TYPENAME))
		return;
	type = ipset_data_get(d, IPSET_OPT_TYPENAME);
	snprintf(k->info->type, sizeof(k->info->type), "%s", type ? type : "");
	fam = ipset_data_family(d);
	k->info->family = fam == NFPROTO_IPV4 ? PFX_V4 : fam == NFPROTO_IPV6 ? PFX_V6 : 0;
#define GET32(opt, field)                                                \
	if (ipset_data_test(d, opt) && (v = ipset_data_get(d, opt)) != NULL) \
		k->info->field = *v;
	GET32(IPSET_OPT_MAXELEM, maxelem)
	GET32(IPSET_OPT_HASHSIZE, hashsize)
	GET32(IPSET_OPT_ELEMENTS, elements)
	GET32(IPSET_OPT_MEMSIZE, memsize)
	GET32(IPSET_OPT_INITVAL, initval)
	GET32(IPSET_OPT_REFERENCES, references)
	GET32(IPSET_OPT_CADT_FLAGS, cadt_flags)
#undef GET32
	k->info->timeout = ipset_data_test(d, IPSET_OPT_TIMEOUT);
}

/* libipset's printf-like sink: said so, the format is checked as one. */
static int outfn(struct ipset_session *sess, void *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
outfn(struct ipset_session *sess, void *p, const char *fmt, ...)
{
	struct sink *k = p;
	va_list ap;
	int r;

	if (k == NULL)
		return 0;
	capture_header(sess, k);
	if (k->line == NULL)
		return 0;
	va_start(ap, fmt);
	/* libipset hands over its buffer as ("%s", buf). */
	if (strcmp(fmt, "%s") == 0) {
		const char *s = va_arg(ap, const char *);

		r = sink_chunk(k, s, strlen(s));
	} else {
		char *s = NULL;
		int n = vasprintf(&s, fmt, ap);

		if (n < 0) {
			k->failed = -ENOMEM;
			r = -1;
		} else {
			r = sink_chunk(k, s, (size_t)n);
		}
		free(s);
	}
	va_end(ap);
	return r;
}

/* ---- session ---------------------------------------------------------- */

int
ipsetnl_open(struct ipsetnl **out, struct err *err)
{
	struct ipsetnl *s = calloc(1, sizeof(*s));
	char m[512];

	*out = NULL;
	if (s == NULL) {
		err_set(err, "out of memory");
		return -ENOMEM;
	}
	ipset_load_types();
	s->sess = ipset_session_init(outfn, NULL);
	if (s->sess == NULL) {
		free(s);
		err_set(err, "out of memory");
		return -ENOMEM;
	}
	ipset_envopt_set(s->sess, IPSET_ENV_QUIET);
	if (ipset_cmd(s->sess, IPSET_CMD_NONE, 0) < 0) {
		int r;

		report(s, m, sizeof(m));
		if (!have_cap_net_admin()) {
			err_set(err, "needs CAP_NET_ADMIN (libipset: %s)", m);
			r = -EPERM;
		} else if (access("/sys/module/ip_set", F_OK) != 0) {
			err_set(err, "the kernel has no ip_set support (modprobe ip_set): %s", m);
			r = -EOPNOTSUPP;
		} else {
			r = fail(s, "libipset", err);
		}
		ipsetnl_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void
ipsetnl_close(struct ipsetnl *s)
{
	if (s == NULL)
		return;
	ipset_session_fini(s->sess);
	free(s);
}

uint64_t
ipsetnl_netns_cookie(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
		cookie = 0;
	close(fd);
	return cookie;
}

/* Run a list command with `k` receiving its output. */
static int
run_list(struct ipsetnl *s, struct sink *k, const char *set, enum ipset_envopt env,
	 enum ipset_output_mode mode, const char *what, struct err *err)
{
	int r = 0;

	k->err = err;
	ipset_session_print_outfn(s->sess, outfn, k);
	ipset_session_output(s->sess, mode);
	ipset_envopt_unset(s->sess, IPSET_ENV_LIST_SETNAME);
	ipset_envopt_unset(s->sess, IPSET_ENV_LIST_HEADER);
	if (env)
		ipset_envopt_set(s->sess, env);
	ipset_session_report_reset(s->sess);
	if (set)
		ipset_session_data_set(s->sess, IPSET_SETNAME, set);
	if (ipset_cmd(s->sess, IPSET_CMD_LIST, 0) < 0)
		r = k->failed ? k->failed : fail(s, what, err);
	else if (k->failed == 0 && k->carry_n > 0 && k->line)
		k->failed = k->line(k, k->carry, k->carry_n);
	if (r == 0 && k->failed) {
		r = k->failed;
		if (r == -ENOMEM)
			err_set(err, "out of memory");
	}
	ipset_envopt_unset(s->sess, env);
	ipset_session_print_outfn(s->sess, outfn, NULL);
	free(k->carry);
	k->carry = NULL;
	return r;
}

static int
name_line(struct sink *k, const char *s, size_t n)
{
	if (k->names_n + n + 2 > k->names_cap) {
		size_t cap = (k->names_n + n + 2) * 2 + 256;
		char *c = realloc(k->names, cap);

		if (c == NULL)
			return -ENOMEM;
		k->names = c;
		k->names_cap = cap;
	}
	memcpy(k->names + k->names_n, s, n);
	k->names_n += n;
	k->names[k->names_n++] = '\n';
	k->names[k->names_n] = '\0';
	return 0;
}

int
ipsetnl_names(struct ipsetnl *s, char **names, struct err *err)
{
	struct sink k = { .line = name_line };
	int r = run_list(s, &k, NULL, IPSET_ENV_LIST_SETNAME, IPSET_LIST_PLAIN, "listing the sets",
			 err);

	if (r == 0 && k.names == NULL && !(k.names = calloc(1, 1))) {
		err_set(err, "out of memory");
		r = -ENOMEM;
	}
	if (r < 0) {
		free(k.names);
		return r;
	}
	*names = k.names;
	return 0;
}

bool
ipsetnl_names_have(const char *names, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = names; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, name, n) == 0)
			return true;
		p += len + (nl != NULL);
	}
	return false;
}

static int
ignore_line(struct sink *k, const char *s, size_t n)
{
	(void)k;
	(void)s;
	(void)n;
	return 0;
}

int
ipsetnl_header(struct ipsetnl *s, const char *set, struct ipsetnl_info *info, struct err *err)
{
	struct sink k = { .line = ignore_line, .info = info, .set = set };
	int r;

	memset(info, 0, sizeof(*info));
	r = run_list(s, &k, set, IPSET_ENV_LIST_HEADER, IPSET_LIST_PLAIN, "header", err);
	if (r == -ENOENT)
		return r;
	if (r == 0 && info->type[0] == '\0') {
		err_set(err, "libipset returned no header");
		return -EINVAL;
	}
	return r;
}

/* "add SET ELEM[ OPTIONS]" of the save format. */
static int
elem_line(struct sink *k, const char *s, size_t n)
{
	size_t skip = 4 + strlen(k->set) + 1, len;
	struct pfx p;
	struct err perr;
	const char *rest;

	if (n < skip || memcmp(s, "add ", 4) != 0)
		return 0;  /* the create line */
	s += skip;
	n -= skip;
	len = strcspn(s, " ");
	if (len > n)
		len = n;
	if (!pfx_parse(s, len, &p, &perr) || p.fam != k->fam || p.len < 0) {
		err_set(k->err, "unexpected element in the dump: %.*s", (int)(n < 80 ? n : 80), s);
		return -EPROTO;
	}
	rest = s + len;
	struct nl_range x = { p.r.lo, p.r.hi, p.r.hi != pfx_max(k->fam), false };
	/* `nomatch` is an exception inside a broader element: ours never
	 * have one, so it always goes. */
	if (memmem(rest, n - len, " nomatch", 8) != NULL)
		x.stray = true;
	return nl_ranges_append(k->out, &x) < 0 ? -ENOMEM : 0;
}

int
ipsetnl_dump(struct ipsetnl *s, const char *set, enum pfx_family fam, struct nl_ranges *out,
	     struct err *err)
{
	struct sink k = { .line = elem_line, .set = set, .fam = fam, .out = out };

	return run_list(s, &k, set, 0, IPSET_LIST_SAVE, "listing", err);
}

/* ---- commands ----------------------------------------------------------- */

static int
simple(struct ipsetnl *s, enum ipset_cmd cmd, const char *a, const char *b, const char *what,
       struct err *err)
{
	ipset_session_report_reset(s->sess);
	ipset_session_data_set(s->sess, IPSET_SETNAME, a);
	if (b)
		ipset_session_data_set(s->sess, IPSET_OPT_SETNAME2, b);
	if (ipset_cmd(s->sess, cmd, 0) < 0)
		return fail(s, what, err);
	return 0;
}

int
ipsetnl_create(struct ipsetnl *s, const char *set, enum pfx_family fam, uint32_t hashsize,
	       uint32_t maxelem, uint32_t cadt_flags, struct err *err)
{
	uint8_t f = fam == PFX_V4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t flags = cadt_flags & (IPSET_FLAG_WITH_COUNTERS | IPSET_FLAG_WITH_COMMENT |
				       IPSET_FLAG_WITH_SKBINFO | IPSET_FLAG_WITH_FORCEADD);

	ipset_session_report_reset(s->sess);
	ipset_session_data_set(s->sess, IPSET_SETNAME, set);
	ipset_session_data_set(s->sess, IPSET_OPT_TYPENAME, "hash:net");
	ipset_session_data_set(s->sess, IPSET_OPT_FAMILY, &f);
	if (ipset_type_get(s->sess, IPSET_CMD_CREATE) == NULL)
		return fail(s, "hash:net", err);
	if (hashsize)
		ipset_session_data_set(s->sess, IPSET_OPT_HASHSIZE, &hashsize);
	ipset_session_data_set(s->sess, IPSET_OPT_MAXELEM, &maxelem);
	if (flags)
		ipset_session_data_set(s->sess, IPSET_OPT_CADT_FLAGS, &flags);
	if (ipset_cmd(s->sess, IPSET_CMD_CREATE, 0) < 0)
		return fail(s, "create", err);
	return 0;
}

int
ipsetnl_destroy(struct ipsetnl *s, const char *set, struct err *err)
{
	return simple(s, IPSET_CMD_DESTROY, set, NULL, "destroy", err);
}

int
ipsetnl_swap(struct ipsetnl *s, const char *a, const char *b, struct err *err)
{
	return simple(s, IPSET_CMD_SWAP, a, b, "swap", err);
}

int
ipsetnl_rename(struct ipsetnl *s, const char *from, const char *to, struct err *err)
{
	return simple(s, IPSET_CMD_RENAME, from, to, "rename", err);
}

int
ipsetnl_adt(struct ipsetnl *s, const char *set, enum pfx_family fam, bool add,
	    const struct nl_range *v, size_t n, struct err *err)
{
	enum ipset_cmd cmd = add ? IPSET_CMD_ADD : IPSET_CMD_DEL;
	const char *what = add ? "adding" : "deleting";
	int r = 0;

	if (n == 0)
		return 0;
	ipset_session_report_reset(s->sess);
	ipset_envopt_set(s->sess, IPSET_ENV_EXIST);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct pfx_range pr = { v[i].lo, v[i].hi };
		unsigned char addr[16];
		uint8_t cidr;
		int len = pfx_range_cidr_len(fam, &pr);

		if (len <= 0) {
			r = -EINVAL;
			err_set(err, "%s: internal error: not a CIDR", what);
			break;
		}
		cidr = (uint8_t)len;
		pfx_addr_to_bytes(fam, v[i].lo, addr);
		ipset_session_data_set(s->sess, IPSET_SETNAME, set);
		/* The set's type (and so its family) first: the address is
		 * stored in the family's size.  libipset caches it. */
		if (ipset_type_get(s->sess, cmd) == NULL) {
			r = fail(s, what, err);
			break;
		}
		ipset_session_data_set(s->sess, IPSET_OPT_IP, addr);
		ipset_session_data_set(s->sess, IPSET_OPT_CIDR, &cidr);
		/* A line number puts libipset in restore mode: consecutive
		 * elements share a message, and a refusal names the line. */
		if (ipset_cmd(s->sess, cmd, (uint32_t)i + 1) < 0)
			r = -1;
	}
	if (r == 0 && ipset_commit(s->sess) < 0)
		r = -1;
	if (r == -1) {
		char m[512], t[PFX_TEXT_MAX] = "";
		unsigned long line = 0;
		const char *p = report(s, m, sizeof(m));

		/* "Error in line N: reason": N is the element's index + 1. */
		if (sscanf(m, "Error in line %lu:", &line) == 1 && line >= 1 && line <= n) {
			struct pfx_range pr = { v[line - 1].lo, v[line - 1].hi };

			pfx_format_cidr(fam, pr.lo, pfx_range_cidr_len(fam, &pr), t);
			p = strchr(m, ':') + 1;
			p += *p == ' ';
		}
		r = fail_msg(p, what, err);
		if (t[0])
			err_prefix(err, "%s", t);
	}
	ipset_envopt_unset(s->sess, IPSET_ENV_EXIST);
	return r;
}
