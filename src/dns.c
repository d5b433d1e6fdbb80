/* dns — many DNS queries in flight at once, over c-ares (1.18 API).
 *
 * c-ares tells us through its socket-state callback which sockets to
 * watch; we keep that list and poll() it, so any number of servers and
 * TCP connections work (ares_getsock() is capped at 16 sockets).
 */
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dns_sock {
	ares_socket_t fd;
	bool rd, wr;
};

struct dns {
	ares_channel ch;
	struct dns_sock *socks;
	size_t nsocks, capsocks;
	int total_ms;
	long long deadline;  /* ms on the monotonic clock; 0 = not started */
	unsigned long pending, answered;
	bool expired;
	int timed_out;
};

struct dns_q {
	struct dns *d;
	enum dns_type type;
	dns_cb cb;
	void *arg;
	char *name;
};

const char *
dns_status_str(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return "ok";
	case DNS_NXDOMAIN: return "NXDOMAIN";
	case DNS_NODATA: return "no data";
	case DNS_SERVFAIL: return "SERVFAIL";
	case DNS_UNREACHABLE: return "no DNS server reachable";
	case DNS_TIMEOUT: return "timeout";
	case DNS_MALFORMED: return "malformed answer";
	case DNS_BADNAME: return "invalid name";
	case DNS_ERROR: return "resolver error";
	}
	return "?";
}

const char *
dns_type_str(enum dns_type t)
{
	switch (t) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_TXT: return "TXT";
	}
	return "?";
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sock_state(void *data, ares_socket_t fd, int rd, int wr)
{
	struct dns *d = data;
	size_t i;

	for (i = 0; i < d->nsocks; i++)
		if (d->socks[i].fd == fd)
			break;
	if (!rd && !wr) {
		if (i < d->nsocks)
			d->socks[i] = d->socks[--d->nsocks];
		return;
	}
	if (i == d->nsocks) {
		if (d->nsocks == d->capsocks) {
			size_t cap = d->capsocks ? d->capsocks * 2 : 8;
			struct dns_sock *n = realloc(d->socks, cap * sizeof *n);
			/* Without room we cannot watch the socket; the query
			 * then ends by its timeout, never silently. */
			if (!n)
				return;
			d->socks = n;
			d->capsocks = cap;
		}
		d->nsocks++;
	}
	d->socks[i] = (struct dns_sock){fd, rd != 0, wr != 0};
}

/* One server entry: IPv4[:PORT], [IPv6]:PORT or a bare IPv6 address.
 * Writes the c-ares form to `out` (NULL to only check).  0 or -1 + err. */
static int
server_entry(const char *s, size_t n, char *out, size_t outsz, struct err *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *port = NULL;
	size_t hl;
	bool v6;

	if (n && s[0] == '[') {
		const char *e = memchr(s, ']', n);
		if (!e)
			goto bad;
		hl = (size_t)(e - s - 1);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if ((size_t)(e - s) + 1 < n) {
			if (e[1] != ':')
				goto bad;
			port = e + 2;
		}
		v6 = true;
	} else {
		const char *c = memchr(s, ':', n);
		const char *c2 = c ? memchr(c + 1, ':', n - (size_t)(c - s) - 1) : NULL;
		v6 = c2 != NULL;  /* two colons: a bare IPv6 address */
		hl = v6 || !c ? n : (size_t)(c - s);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (!v6 && c)
			port = c + 1;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1)
		goto bad;
	unsigned long p = 53;
	if (port) {
		size_t pl = n - (size_t)(port - s);
		char pb[8];
		char *end;
		if (pl == 0 || pl >= sizeof pb)
			goto bad;
		memcpy(pb, port, pl);
		pb[pl] = '\0';
		if (pb[0] < '0' || pb[0] > '9')
			goto bad;
		p = strtoul(pb, &end, 10);
		if (*end || p == 0 || p > 65535)
			goto bad;
	}
	if (out)
		snprintf(out, outsz, v6 ? "[%s]:%lu" : "%s:%lu", host, p);
	return 0;
bad:
	return err_set(err, "dns_server: \"%.*s\" is not ADDR[:PORT] or [ADDR6]:PORT",
		       (int)(n > 80 ? 80 : n), s);
}

/* Convert "A[:P] [B]:P, …" to c-ares' "A:P,[B]:P" (csv NULL: only
 * check).  0 or -1 + err. */
static int
servers_csv(const char *servers, char **csv, struct err *err)
{
	size_t cap = strlen(servers) * 2 + 64, used = 0;
	char *out = csv ? malloc(cap) : NULL;
	const char *p = servers;
	int rc = 0;

	if (csv && !out)
		return err_set(err, "out of memory");
	if (out)
		out[0] = '\0';
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " \t,");
		char one[INET6_ADDRSTRLEN + 16];
		if ((rc = server_entry(p, n, one, sizeof one, err)) < 0)
			break;
		if (out) {
			size_t l = strlen(one);
			if (used + l + 2 > cap) {
				rc = err_set(err, "dns_server: list too long");
				break;
			}
			if (used)
				out[used++] = ',';
			memcpy(out + used, one, l + 1);
			used += l;
		}
		p += n;
	}
	if (rc < 0 || !csv) {
		free(out);
		return rc;
	}
	*csv = out;
	return 0;
}

int
dns_servers_check(const char *servers, struct err *err)
{
	return servers ? servers_csv(servers, NULL, err) : 0;
}

struct dns *
dns_new(const struct dns_opts *o, struct err *err)
{
	struct ares_options ao;
	struct dns *d;
	int st, mask;

	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS) {
		err_set(err, "%s", ares_strerror(st));
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		err_set(err, "out of memory");
		goto fail_lib;
	}
	d->total_ms = o && o->total_ms > 0 ? o->total_ms : 30000;

	memset(&ao, 0, sizeof ao);
	ao.timeout = o && o->try_ms > 0 ? o->try_ms : 2000;
	ao.tries = o && o->tries > 0 ? o->tries : 2;
	ao.sock_state_cb = sock_state;
	ao.sock_state_cb_data = d;
	/* SPF names are absolute: never append search domains.  Without
	 * NOCHECKRESP, c-ares 1.18 answers a SERVFAIL or REFUSED from the
	 * last server as ECONNREFUSED: we report what the server said. */
	ao.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOCHECKRESP;
	ao.ndots = 0;
	mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS |
	       ARES_OPT_NDOTS;
	st = ares_init_options(&d->ch, &ao, mask);
	if (st != ARES_SUCCESS) {
		err_set(err, "%s", ares_strerror(st));
		goto fail_d;
	}
	if (o && o->servers && *o->servers) {
		char *csv = NULL;
		if (servers_csv(o->servers, &csv, err) < 0)
			goto fail_ch;
		if (*csv)
			st = ares_set_servers_ports_csv(d->ch, csv);
		free(csv);
		if (st != ARES_SUCCESS) {
			err_set(err, "%s", ares_strerror(st));
			goto fail_ch;
		}
	}
	return d;

fail_ch:
	ares_destroy(d->ch);
fail_d:
	free(d->socks);
	free(d);
fail_lib:
	ares_library_cleanup();
	return NULL;
}

void
dns_free(struct dns *d)
{
	if (!d)
		return;
	/* ares_destroy answers what is pending with ARES_EDESTRUCTION;
	 * our callback drops those without calling the user. */
	ares_destroy(d->ch);
	free(d->socks);
	free(d);
	ares_library_cleanup();
}

static enum dns_status
map_status(int st, const struct dns *d)
{
	switch (st) {
	case ARES_SUCCESS: return DNS_OK;
	case ARES_ENOTFOUND: return DNS_NXDOMAIN;
	case ARES_ENODATA: return DNS_NODATA;
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_ENOTIMP:
	case ARES_EFORMERR:
		return DNS_SERVFAIL;
	case ARES_ECONNREFUSED: return DNS_UNREACHABLE;
	case ARES_ETIMEOUT: return DNS_TIMEOUT;
	case ARES_ECANCELLED: return d->expired ? DNS_TIMEOUT : DNS_ERROR;
	case ARES_EBADRESP: return DNS_MALFORMED;
	case ARES_EBADNAME: return DNS_BADNAME;
	default: return DNS_ERROR;
	}
}

/* The n addresses of c-ares' answer records into r: the first at
 * `first`, each next `stride` bytes further.  -1 on ENOMEM. */
static int
put_addrs(struct dns_reply *r, enum pfx_family fam, const unsigned char *first, size_t stride,
	  int n)
{
	r->addr = calloc((size_t)n + 1, sizeof *r->addr);
	if (!r->addr)
		return -1;
	for (int i = 0; i < n; i++) {
		r->addr[i].fam = fam;
		r->addr[i].addr = pfx_addr_from_bytes(fam, first + (size_t)i * stride);
	}
	r->n = (size_t)n;
	return 0;
}

/* Fill r from the answer; returns the status to report. */
static enum dns_status
parse_answer(const struct dns_q *q, const unsigned char *abuf, int alen, struct dns_reply *r)
{
	int st;

	switch (q->type) {
	case DNS_T_A: {
		struct ares_addrttl at[64];
		int n = 64;
		st = ares_parse_a_reply(abuf, alen, NULL, at, &n);
		if (st != ARES_SUCCESS)
			return map_status(st, q->d);
		if (put_addrs(r, PFX_V4, (const unsigned char *)&at[0].ipaddr, sizeof at[0], n) < 0)
			return DNS_ERROR;
		break;
	}
	case DNS_T_AAAA: {
		struct ares_addr6ttl at[64];
		int n = 64;
		st = ares_parse_aaaa_reply(abuf, alen, NULL, at, &n);
		if (st != ARES_SUCCESS)
			return map_status(st, q->d);
		if (put_addrs(r, PFX_V6, at[0].ip6addr._S6_un._S6_u8, sizeof at[0], n) < 0)
			return DNS_ERROR;
		break;
	}
	case DNS_T_MX: {
		struct ares_mx_reply *mx = NULL, *m;
		size_t n = 0;
		st = ares_parse_mx_reply(abuf, alen, &mx);
		if (st != ARES_SUCCESS)
			return map_status(st, q->d);
		for (m = mx; m; m = m->next)
			n++;
		r->mx = calloc(n + 1, sizeof *r->mx);
		if (!r->mx) {
			ares_free_data(mx);
			return DNS_ERROR;
		}
		for (m = mx; m; m = m->next) {
			r->mx[r->n].pref = m->priority;
			r->mx[r->n].host = strdup(m->host);
			if (!r->mx[r->n].host) {
				ares_free_data(mx);
				return DNS_ERROR;
			}
			r->n++;
		}
		ares_free_data(mx);
		break;
	}
	case DNS_T_TXT: {
		struct ares_txt_ext *txt = NULL, *t;
		size_t n = 0;
		st = ares_parse_txt_reply_ext(abuf, alen, &txt);
		if (st != ARES_SUCCESS)
			return map_status(st, q->d);
		for (t = txt; t; t = t->next)
			if (t->record_start || t == txt)
				n++;
		r->txt = calloc(n + 1, sizeof *r->txt);
		if (!r->txt) {
			ares_free_data(txt);
			return DNS_ERROR;
		}
		/* Strings of one record arrive in order, the first flagged
		 * record_start: concatenate them (RFC 7208 3.3). */
		for (t = txt; t;) {
			struct ares_txt_ext *e = t->next;
			size_t len = t->length;
			while (e && !e->record_start) {
				len += e->length;
				e = e->next;
			}
			char *s = malloc(len + 1);
			if (!s) {
				ares_free_data(txt);
				return DNS_ERROR;
			}
			size_t off = 0;
			for (; t != e; t = t->next) {
				memcpy(s + off, t->txt, t->length);
				off += t->length;
			}
			s[len] = '\0';
			r->txt[r->n].s = s;
			r->txt[r->n].len = len;
			r->n++;
		}
		ares_free_data(txt);
		break;
	}
	}
	return r->n ? DNS_OK : DNS_NODATA;
}

static void
reply_free(struct dns_reply *r)
{
	free(r->addr);
	if (r->mx)
		for (size_t i = 0; i < r->n; i++)
			free(r->mx[i].host);
	free(r->mx);
	if (r->txt)
		for (size_t i = 0; i < r->n; i++)
			free(r->txt[i].s);
	free(r->txt);
}

static void
on_answer(void *arg, int st, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_q *q = arg;
	struct dns *d = q->d;
	struct dns_reply r = {.type = q->type, .name = q->name};

	(void)timeouts;
	d->pending--;
	if (st == ARES_EDESTRUCTION) {
		free(q->name);
		free(q);
		return;
	}
	d->answered++;
	if (st == ARES_SUCCESS) {
		r.status = parse_answer(q, abuf, alen, &r);
		if (r.status != DNS_OK)
			reply_free(&r), r = (struct dns_reply){.type = q->type, .name = q->name,
								   .status = r.status};
	} else {
		r.status = map_status(st, d);
	}
	if (r.status == DNS_TIMEOUT)
		d->timed_out++;
	q->cb(q->arg, &r);
	reply_free(&r);
	free(q->name);
	free(q);
}

int
dns_query(struct dns *d, const char *name, enum dns_type type, dns_cb cb, void *arg)
{
	static const int qtype[] = {
		[DNS_T_A] = 1, [DNS_T_AAAA] = 28, [DNS_T_MX] = 15, [DNS_T_TXT] = 16};
	struct dns_q *q = calloc(1, sizeof *q);

	if (!q)
		return -1;
	q->name = strdup(name);
	if (!q->name) {
		free(q);
		return -1;
	}
	q->d = d;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	d->pending++;
	ares_query(d->ch, name, 1 /* IN */, qtype[type], on_answer, q);
	return 0;
}

int
dns_run(struct dns *d)
{
	struct pollfd *pfd = NULL;
	size_t pcap = 0;

	if (!d->deadline)
		d->deadline = now_ms() + d->total_ms;
	d->timed_out = 0;
	while (d->pending) {
		long long left = d->deadline - now_ms();
		if (left <= 0) {
			/* Cancelled queries report a timeout (see map_status);
			 * c-ares calls every callback before returning. */
			d->expired = true;
			ares_cancel(d->ch);
			d->expired = false;
			break;
		}
		struct timeval maxtv = {(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000};
		struct timeval tv;
		struct timeval *tp = ares_timeout(d->ch, &maxtv, &tv);
		int ms = (int)(tp->tv_sec * 1000 + (tp->tv_usec + 999) / 1000);

		if (d->nsocks > pcap) {
			struct pollfd *n = realloc(pfd, d->nsocks * sizeof *n);
			if (!n) {
				ares_cancel(d->ch);
				break;
			}
			pfd = n;
			pcap = d->nsocks;
		}
		size_t np = d->nsocks;
		for (size_t i = 0; i < np; i++) {
			pfd[i].fd = d->socks[i].fd;
			pfd[i].events = (short)((d->socks[i].rd ? POLLIN : 0) |
						(d->socks[i].wr ? POLLOUT : 0));
			pfd[i].revents = 0;
		}
		int n = poll(pfd, np, ms);
		if (n <= 0) {
			ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (size_t i = 0; i < np; i++) {
			if (!pfd[i].revents)
				continue;
			bool r = pfd[i].revents & (POLLIN | POLLERR | POLLHUP);
			bool w = pfd[i].revents & (POLLOUT | POLLERR | POLLHUP);
			ares_process_fd(d->ch, r ? pfd[i].fd : ARES_SOCKET_BAD,
					w ? pfd[i].fd : ARES_SOCKET_BAD);
		}
	}
	free(pfd);
	return d->timed_out;
}

unsigned long
dns_queries(const struct dns *d)
{
	return d->answered;
}
