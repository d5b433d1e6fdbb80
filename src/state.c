/* state — last good lists and run status in the state directory. */
#include "state.h"

#include "atomicfile.h"
#include "log.h"

#include <sodium.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "allowsync-state 1 "
/* Version 2: the ranges in binary (see set_bin).  Version 3: the
 * header also holds the fingerprint and the basis (state.h); a version
 * 2 list reads with neither, so its origin is unknown. */
#define LIST_MAGIC "allowsync-state 3 list"
#define LIST_MAGIC_V2 "allowsync-state 2 list"
/* The longest header of a list: magic, time, origin, fingerprint, basis. */
#define LIST_HEAD_MAX (64 + 32 + STATE_TEXT_MAX + 16 + STATE_FP_MAX + 16 + STATE_DIGEST_HEX)

static int
mkdir_p(const char *path, struct err *err)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof buf) {
		err_set(err, "state directory path too long");
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			err_errno(err, errno, "cannot create %.400s", buf);
			return -1;
		}
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, "%s is not a directory", path);
		return -1;
	}
	return 0;
}

int
state_init(const char *dir, struct err *err)
{
	char sub[4096];

	if (mkdir_p(dir, err) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/sources", dir);
	if (mkdir_p(sub, err) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/outputs", dir);
	if (mkdir_p(sub, err) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/" STATE_LISTS_DIR, dir);
	return mkdir_p(sub, err);
}

static void
path_of(char *buf, size_t n, const char *dir, const char *kind, const char *name,
	const char *ext)
{
	snprintf(buf, n, "%s/%s/%s.%s", dir, kind, name, ext);
}

/* One line of free text: no newlines, bounded. */
static void
put_text(FILE *f, const char *key, const char *text)
{
	fprintf(f, "%s ", key);
	for (const char *p = text; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
	fputc('\n', f);
}

/* A range count, big-endian in 8 bytes, and back. */
static unsigned char *
put_count(unsigned char *p, uint64_t n)
{
	n = htobe64(n);
	memcpy(p, &n, 8);
	return p + 8;
}

static uint64_t
get_count(const unsigned char *p)
{
	uint64_t n;

	memcpy(&n, p, 8);
	return be64toh(n);
}

/* Bytes of the binary form of n4 IPv4 and n6 IPv6 ranges. */
static size_t
bin_size(size_t n4, size_t n6)
{
	return 16 + n4 * 8 + n6 * 32;
}

/* A set's canonical binary form: the two range counts (8 bytes each),
 * then every range as its first and last address, big-endian, 4 bytes
 * wide for IPv4 and 16 for IPv6.  The digests cover it and the last good
 * lists hold it: formatting 100k ranges as text lines only to hash them,
 * write them and parse them back cost a fifth of a run.  Malloc'd, NULL
 * on ENOMEM. */
static unsigned char *
set_bin(const struct pset *set, size_t *len)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	size_t n[2] = {pset_count(set, PFX_V4), pset_count(set, PFX_V6)};
	unsigned char *buf = malloc(bin_size(n[0], n[1])), *p = buf;

	if (!buf)
		return NULL;
	p = put_count(put_count(p, n[0]), n[1]);
	for (int k = 0; k < 2; k++) {
		int w = pfx_bits(fams[k]) / 8;
		struct pfx_range batch[256];
		size_t got;
		for (size_t i = 0; (got = pset_get_many(set, fams[k], i, batch, 256)) > 0; i += got)
			for (size_t j = 0; j < got; j++, p += 2 * w) {
				if (fams[k] == PFX_V4) { /* one byte swap a pair */
					uint64_t be = htobe64((uint64_t)batch[j].lo << 32 |
							      (uint64_t)batch[j].hi);
					memcpy(p, &be, sizeof be);
					continue;
				}
				pfx_addr_to_bytes(fams[k], batch[j].lo, p);
				pfx_addr_to_bytes(fams[k], batch[j].hi, p + w);
			}
	}
	*len = (size_t)(p - buf);
	return buf;
}

/* The hex digest of a set whose binary form is bin, remembered with
 * the set (its copies share it: an output fed by one source has the
 * source's digest for free). */
static void
digest_bin(const struct pset *set, const unsigned char *bin, size_t len,
	   char out[STATE_DIGEST_HEX])
{
	unsigned char d[PSET_TAG_SIZE];

	crypto_generichash(d, sizeof d, bin, len, NULL, 0);
	pset_tag_put(set, d);
	sodium_bin2hex(out, STATE_DIGEST_HEX, d, sizeof d);
}

/* The digest remembered with the set, if any. */
static bool
digest_known(const struct pset *set, char out[STATE_DIGEST_HEX])
{
	unsigned char d[PSET_TAG_SIZE];

	if (!pset_tag_get(set, d))
		return false;
	sodium_bin2hex(out, STATE_DIGEST_HEX, d, sizeof d);
	return true;
}

int
state_digest(const struct pset *set, char out[STATE_DIGEST_HEX])
{
	size_t len;
	unsigned char *bin;

	if (digest_known(set, out))
		return 0;
	if (sodium_init() < 0 || !(bin = set_bin(set, &len)))
		return -1;
	digest_bin(set, bin, len, out);
	free(bin);
	return 0;
}

/* The set held in a binary form of exactly len bytes, checked canonical
 * (each family in order, disjoint, not adjacent): NULL when it is not
 * (*why says so) or on ENOMEM (*why NULL). */
static struct pset *
bin_set(const unsigned char *bin, size_t len, const char **why)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	uint64_t n[2];
	const unsigned char *p = bin + 16;
	struct pset *s;

	*why = "bad range counts";
	if (len < 16)
		return NULL;
	n[0] = get_count(bin);
	n[1] = get_count(bin + 8);
	if (n[0] > len / 8 || n[1] > len / 32 || bin_size(n[0], n[1]) != len)
		return NULL;
	*why = NULL;
	if (!(s = pset_new()))
		return NULL;
	*why = "ranges not in canonical order";
	for (int k = 0; k < 2; k++) {
		int w = pfx_bits(fams[k]) / 8;
		if (pset_reserve(s, fams[k], n[k]) < 0)
			goto nomem;
		for (uint64_t i = 0; i < n[k]; i++, p += 2 * w) {
			int r = pset_append_canonical(s, fams[k], pfx_addr_from_bytes(fams[k], p),
						      pfx_addr_from_bytes(fams[k], p + w));
			if (r > 0)
				goto bad;
			if (r < 0)
				goto nomem;
		}
	}
	return s;
nomem:
	*why = NULL;
bad:
	pset_free(s);
	return NULL;
}

/* The list file at path for a binary form and its digest. */
static int
write_list(const char *path, const unsigned char *bin, size_t len, const char *dig,
	   const struct state_list_info *info, struct err *err)
{
	struct atomicfile *af = atomicfile_open(path, 0644, err);
	FILE *f;

	if (!af)
		return -1;
	atomicfile_set_sync(af, ATOMICFILE_ORDERED);
	f = atomicfile_stream(af);
	fprintf(f, LIST_MAGIC "\ntime %" PRId64 "\n", (int64_t)info->when);
	put_text(f, "origin", info->origin);
	put_text(f, "fingerprint", info->fingerprint);
	put_text(f, "basis", info->basis);
	if (fwrite(bin, 1, len, f) != len) {
		err_errno(err, errno, "cannot write %s", path);
		atomicfile_abort(af);
		return -1;
	}
	fprintf(f, "digest %s\n", dig);
	return atomicfile_commit(af, err);
}

static unsigned char *
set_bin_digest(const struct pset *set, size_t *len, char dig[STATE_DIGEST_HEX], struct err *err)
{
	unsigned char *bin;

	if (sodium_init() < 0) {
		err_set(err, "libsodium failed to initialise");
		return NULL;
	}
	if (!(bin = set_bin(set, len))) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (!digest_known(set, dig))
		digest_bin(set, bin, *len, dig);
	return bin;
}

int
state_list_save(const char *dir, const char *name, const struct pset *set,
		const struct state_list_info *info, struct err *err)
{
	char path[4096], dig[STATE_DIGEST_HEX];
	size_t len;
	unsigned char *bin = set_bin_digest(set, &len, dig, err);
	int r;

	if (!bin)
		return -1;
	path_of(path, sizeof path, dir, "sources", name, "list");
	r = write_list(path, bin, len, dig, info, err);
	free(bin);
	return r;
}

/* The digest a list file ends with, read from its last line only; false
 * when there is no such file or line. */
static bool
stored_digest(const char *path, char dig[STATE_DIGEST_HEX])
{
	char tail[sizeof "digest " - 1 + STATE_DIGEST_HEX];  /* with the newline */
	const size_t n = sizeof tail;
	struct stat st;
	bool ok = false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > n &&
	    pread(fd, tail, n, st.st_size - (off_t)n) == (ssize_t)n &&
	    memcmp(tail, "digest ", 7) == 0 && tail[n - 1] == '\n') {
		memcpy(dig, tail + 7, STATE_DIGEST_HEX - 1);
		dig[STATE_DIGEST_HEX - 1] = 0;
		ok = true;
	}
	close(fd);
	return ok;
}

/* Next line of buf (without '\n') or NULL at the end. */
static char *
next_line(char **pos)
{
	char *l = *pos, *nl;

	if (!l || !*l)
		return NULL;
	if ((nl = strchr(l, '\n'))) {
		*nl = 0;
		*pos = nl + 1;
	} else {
		*pos = NULL;
	}
	return l;
}

static bool
get_num(const char *line, const char *key, int64_t *v)
{
	size_t k = strlen(key);
	char *end;

	if (strncmp(line, key, k) != 0 || line[k] != ' ')
		return false;
	errno = 0;
	long long x = strtoll(line + k + 1, &end, 10);
	if (errno || *end || end == line + k + 1)
		return false;
	*v = x;
	return true;
}

/* The header of a list (magic to basis) at the start of buf, NUL
 * terminated: 0 with info filled (but its time as written) and *pos past
 * it, or -1 with *why. */
static int
parse_head(char *buf, char **pos, struct state_list_info *info, const char **why)
{
	char *l;
	int64_t t;
	bool v2;

	memset(info, 0, sizeof *info);
	*pos = buf;
	*why = "not an allowsync state list of this version";
	if (!(l = next_line(pos)) || (strcmp(l, LIST_MAGIC) != 0 && strcmp(l, LIST_MAGIC_V2) != 0))
		return -1;
	v2 = strcmp(l, LIST_MAGIC_V2) == 0;
	*why = "bad header";
	if (!(l = next_line(pos)) || !get_num(l, "time", &t))
		return -1;
	info->when = (time_t)t;
	if (!(l = next_line(pos)) || strncmp(l, "origin ", 7) != 0)
		return -1;
	snprintf(info->origin, sizeof info->origin, "%s", l + 7);
	if (v2)
		return 0;
	if (!(l = next_line(pos)) || strncmp(l, "fingerprint ", 12) != 0 ||
	    strlen(l + 12) >= sizeof info->fingerprint)
		return -1;
	memcpy(info->fingerprint, l + 12, strlen(l + 12) + 1);
	if (!(l = next_line(pos)) || strncmp(l, "basis ", 6) != 0 ||
	    (l[6] && strlen(l + 6) != STATE_DIGEST_HEX - 1))
		return -1;
	memcpy(info->basis, l + 6, strlen(l + 6) + 1);
	return 0;
}

int
state_list_load(const char *dir, const char *name, struct pset **set,
		struct state_list_info *info)
{
	char path[4096], dig[STATE_DIGEST_HEX];
	struct err err;
	char *buf = NULL, *pos, *l;
	const size_t tail = sizeof "digest " - 1 + STATE_DIGEST_HEX - 1 + 1;
	size_t len, binlen;
	const char *why;
	unsigned char d[PSET_TAG_SIZE];
	struct state_source ss;
	int r;

	*set = NULL;
	memset(info, 0, sizeof *info);
	path_of(path, sizeof path, dir, "sources", name, "list");
	if ((r = atomicfile_read(path, &buf, &len, &err)) == 1)
		return 1;
	if (r < 0) {
		log_warn("state: %s: ignored", err.msg);
		return 1;
	}
	if (sodium_init() < 0) {
		free(buf);
		return -1;
	}
	if (parse_head(buf, &pos, info, &why) < 0)
		goto corrupt;
	/* The binary form, then "digest HEX\n" ending the file. */
	why = "truncated or altered (digest mismatch)";
	if (!pos || (size_t)(buf + len - pos) < tail)
		goto corrupt;
	binlen = (size_t)(buf + len - pos) - tail;
	crypto_generichash(d, sizeof d, (const unsigned char *)pos, binlen, NULL, 0);
	sodium_bin2hex(dig, sizeof dig, d, sizeof d);
	l = pos + binlen;
	if (memcmp(l, "digest ", 7) != 0 || memcmp(l + 7, dig, STATE_DIGEST_HEX - 1) != 0 ||
	    l[tail - 1] != '\n')
		goto corrupt;
	if (!(*set = bin_set((const unsigned char *)pos, binlen, &why))) {
		if (!why) {
			free(buf);
			return -1;
		}
		goto corrupt;
	}
	pset_tag_put(*set, d);
	free(buf);
	/* Found again since it was written: as fresh as that. */
	state_source_load(dir, name, &ss);
	if (strcmp(ss.list_digest, dig) == 0 && ss.list_confirmed > info->when)
		info->when = ss.list_confirmed;
	return 0;
corrupt:
	log_warn("state: %s: %s: ignored", path, why);
	memset(info, 0, sizeof *info);
	free(buf);
	return 1;
}

/* The header of the list file at path and the digest it ends with, read
 * without the ranges between; false when there is no such file or it
 * does not read as a list. */
static bool
stored_head(const char *path, struct state_list_info *info, char dig[STATE_DIGEST_HEX])
{
	char head[LIST_HEAD_MAX + 1], *pos;
	const char *why;
	ssize_t n;
	bool ok = false;
	int fd;

	if (!stored_digest(path, dig))
		return false;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	if ((n = pread(fd, head, LIST_HEAD_MAX, 0)) > 0) {
		head[n] = 0;
		ok = parse_head(head, &pos, info, &why) == 0 && pos;
	}
	close(fd);
	return ok;
}

int
state_list_keep(const char *dir, const char *name, const struct pset *set,
		const struct state_list_info *info, struct state_source *st, struct err *err)
{
	char path[4096], dig[STATE_DIGEST_HEX], old[STATE_DIGEST_HEX];
	struct state_list_info was;
	unsigned char *bin = NULL;
	size_t len = 0;
	int r = 0;

	/* The binary form is needed to hash or to write: at most once. */
	if (!digest_known(set, dig) && !(bin = set_bin_digest(set, &len, dig, err)))
		return -1;
	path_of(path, sizeof path, dir, "sources", name, "list");
	/* The same list from the same origin and document: confirmed, not
	 * rewritten (its origin text stays the one it was first obtained
	 * from).  Another origin or document is recorded even for the same
	 * ranges, and a list dated after now (the clock moved back) is
	 * dated again. */
	if (!stored_head(path, &was, old) || strcmp(old, dig) != 0 ||
	    strcmp(was.fingerprint, info->fingerprint) != 0 ||
	    strcmp(was.basis, info->basis) != 0 || was.when > info->when) {
		if (!bin && !(bin = set_bin_digest(set, &len, dig, err)))
			return -1;
		r = write_list(path, bin, len, dig, info, err);
	}
	free(bin);
	if (r < 0)
		return -1;
	memcpy(st->list_digest, dig, sizeof dig);
	st->list_confirmed = info->when;
	return 0;
}

/* A key/value status file: returns the lines after the magic, or NULL. */
static char *
status_read(const char *path, const char *kind)
{
	char magic[64], *buf;
	struct err err;
	size_t len;
	int r = atomicfile_read(path, &buf, &len, &err);

	if (r == 1)
		return NULL;
	if (r < 0) {
		log_warn("state: %s: ignored", err.msg);
		return NULL;
	}
	snprintf(magic, sizeof magic, MAGIC "%s\n", kind);
	if (strncmp(buf, magic, strlen(magic)) != 0 || len == 0 || buf[len - 1] != '\n') {
		log_warn("state: %s: not an allowsync %s file of this version: ignored", path, kind);
		free(buf);
		return NULL;
	}
	return buf;
}

/* A status file is a magic line and one "key value" line per field: a
 * table says which fields a kind has and where they live in its struct,
 * so that both kinds share one reader and one writer. */
enum field_kind { F_TIME, F_SIZE, F_INT, F_BOOL, F_DIGEST, F_TEXT };

struct field {
	const char *key;
	enum field_kind kind;
	size_t off;
};

#define FIELD(type, member, kind) { #member, kind, offsetof(type, member) }

static const struct field source_fields[] = {
	FIELD(struct state_source, attempt, F_TIME),
	FIELD(struct state_source, success, F_TIME),
	FIELD(struct state_source, retry_after, F_TIME),
	FIELD(struct state_source, partial, F_BOOL),
	FIELD(struct state_source, list_digest, F_DIGEST),
	FIELD(struct state_source, list_confirmed, F_TIME),
	FIELD(struct state_source, stale, F_BOOL),
	FIELD(struct state_source, degraded_since, F_TIME),
	FIELD(struct state_source, error, F_TEXT),
};

static const struct field output_fields[] = {
	FIELD(struct state_output, changed, F_TIME),
	FIELD(struct state_output, applied, F_TIME),
	FIELD(struct state_output, entries, F_SIZE),
	FIELD(struct state_output, hook_pending, F_BOOL),
	FIELD(struct state_output, digest, F_DIGEST),
	FIELD(struct state_output, error, F_TEXT),
};

static const struct field run_fields[] = {
	FIELD(struct state_run, start, F_TIME),
	FIELD(struct state_run, end, F_TIME),
	FIELD(struct state_run, exit_code, F_INT),
};

#define N_FIELDS(a) (sizeof (a) / sizeof (a)[0])

_Static_assert(sizeof ((struct state_source *)0)->error == STATE_TEXT_MAX &&
		       sizeof ((struct state_output *)0)->error == STATE_TEXT_MAX &&
		       sizeof ((struct state_source *)0)->list_digest == STATE_DIGEST_HEX &&
		       sizeof ((struct state_output *)0)->digest == STATE_DIGEST_HEX,
	       "text and digest fields are read with these sizes");

/* Set the field line l is for; false when l is not a valid field line. */
static bool
field_read(const struct field *f, size_t n, const char *l, void *st)
{
	char *at;
	int64_t v;

	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(f[i].key);
		if (strncmp(l, f[i].key, k) != 0 || l[k] != ' ')
			continue;
		at = (char *)st + f[i].off;
		if (f[i].kind == F_DIGEST) {
			if (strlen(l + k + 1) != STATE_DIGEST_HEX - 1)
				return false;
			memcpy(at, l + k + 1, STATE_DIGEST_HEX);
			return true;
		}
		if (f[i].kind == F_TEXT) {
			snprintf(at, STATE_TEXT_MAX, "%s", l + k + 1);
			return true;
		}
		if (!get_num(l, f[i].key, &v))
			return false;
		if (f[i].kind == F_TIME)
			*(time_t *)(void *)at = (time_t)v;
		else if (f[i].kind == F_BOOL)
			*(bool *)(void *)at = v != 0;
		else if (f[i].kind == F_INT && (v < INT_MIN || v > INT_MAX))
			return false;
		else if (f[i].kind == F_INT)
			*(int *)(void *)at = (int)v;
		else if (v < 0)
			return false;
		else
			*(size_t *)(void *)at = (size_t)v;
		return true;
	}
	return false;
}

/* Missing or corrupt: st zeroed (corrupt: warned). */
static void
status_load(const char *path, const char *kind, const struct field *f, size_t n, void *st,
	    size_t size)
{
	char *buf, *pos, *l;

	memset(st, 0, size);
	if (!(buf = status_read(path, kind)))
		return;
	pos = buf;
	next_line(&pos);
	while ((l = next_line(&pos))) {
		if (!field_read(f, n, l, st)) {
			log_warn("state: %s: unknown line: ignored", path);
			memset(st, 0, size);
			break;
		}
	}
	free(buf);
}

static int
status_save(const char *path, const char *kind, const struct field *f, size_t n, const void *st,
	    struct err *err)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&mem, &len);
	int r;

	if (!m) {
		err_set(err, "out of memory");
		return -1;
	}
	fprintf(m, MAGIC "%s\n", kind);
	for (size_t i = 0; i < n; i++) {
		const char *at = (const char *)st + f[i].off;
		switch (f[i].kind) {
		case F_TIME:
			fprintf(m, "%s %" PRId64 "\n", f[i].key, (int64_t)*(const time_t *)(const void *)at);
			break;
		case F_SIZE:
			fprintf(m, "%s %zu\n", f[i].key, *(const size_t *)(const void *)at);
			break;
		case F_INT:
			fprintf(m, "%s %d\n", f[i].key, *(const int *)(const void *)at);
			break;
		case F_BOOL:
			fprintf(m, "%s %d\n", f[i].key, *(const bool *)(const void *)at);
			break;
		case F_DIGEST:
		case F_TEXT:
			if (*at)  /* "" is left out */
				put_text(m, f[i].key, at);
			break;
		}
	}
	fclose(m);
	r = atomicfile_write_sync(path, 0644, mem, len, ATOMICFILE_UNSYNCED, err);
	free(mem);
	return r;
}

void
state_source_load(const char *dir, const char *name, struct state_source *st)
{
	char path[4096];

	path_of(path, sizeof path, dir, "sources", name, "status");
	status_load(path, "source", source_fields, N_FIELDS(source_fields), st, sizeof *st);
}

int
state_source_save(const char *dir, const char *name, const struct state_source *st, struct err *err)
{
	char path[4096];

	path_of(path, sizeof path, dir, "sources", name, "status");
	return status_save(path, "source", source_fields, N_FIELDS(source_fields), st, err);
}

void
state_output_load(const char *dir, const char *name, struct state_output *st)
{
	char path[4096];

	path_of(path, sizeof path, dir, "outputs", name, "status");
	status_load(path, "output", output_fields, N_FIELDS(output_fields), st, sizeof *st);
}

int
state_output_save(const char *dir, const char *name, const struct state_output *st, struct err *err)
{
	char path[4096];

	path_of(path, sizeof path, dir, "outputs", name, "status");
	return status_save(path, "output", output_fields, N_FIELDS(output_fields), st, err);
}

void
state_run_load(const char *dir, struct state_run *st)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/run.status", dir);
	status_load(path, "run", run_fields, N_FIELDS(run_fields), st, sizeof *st);
}

int
state_run_save(const char *dir, const struct state_run *st, struct err *err)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/run.status", dir);
	return status_save(path, "run", run_fields, N_FIELDS(run_fields), st, err);
}
