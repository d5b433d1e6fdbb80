/* Unit tests: dns — against a small DNS server forked on 127.0.0.1 that
 * answers from a fixed table: TXT concatenation, A/AAAA/MX, NXDOMAIN vs
 * NODATA vs SERVFAIL, a dropped query (timeout), a truncated UDP answer
 * (TCP fallback), a malformed answer, and ten queries that are only
 * answered once all ten are in flight (concurrency). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t server_pid;
static int server_port;

/* ---- the server ---- */

struct pkt {
	unsigned char b[8192];
	size_t n;
};

static void
put16(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)(v >> 8);
	p->b[p->n++] = (unsigned char)v;
}

static void
put32(struct pkt *p, unsigned long v)
{
	put16(p, (unsigned)(v >> 16));
	put16(p, (unsigned)(v & 0xffff));
}

static void
put_name(struct pkt *p, const char *name)
{
	while (*name) {
		size_t l = strcspn(name, ".");
		p->b[p->n++] = (unsigned char)l;
		memcpy(p->b + p->n, name, l);
		p->n += l;
		name += l;
		if (*name == '.')
			name++;
	}
	p->b[p->n++] = 0;
}

/* Answer record header pointing at the question name; returns where
 * rdlength goes. */
static size_t
rr_begin(struct pkt *p, unsigned type)
{
	put16(p, 0xc00c);
	put16(p, type);
	put16(p, 1);
	put32(p, 300);
	size_t at = p->n;
	put16(p, 0);
	return at;
}

static void
rr_end(struct pkt *p, size_t at)
{
	size_t len = p->n - at - 2;
	p->b[at] = (unsigned char)(len >> 8);
	p->b[at + 1] = (unsigned char)len;
}

static void
txt_rr(struct pkt *p, const char *const *strings)
{
	size_t at = rr_begin(p, 16);
	for (; *strings; strings++) {
		size_t l = strlen(*strings);
		p->b[p->n++] = (unsigned char)l;
		memcpy(p->b + p->n, *strings, l);
		p->n += l;
	}
	rr_end(p, at);
}

/* Build the answer to query q (qn bytes).  Returns false to drop it. */
static bool
respond(const unsigned char *q, size_t qn, bool tcp, struct pkt *p)
{
	char name[256];
	size_t o = 12, nl = 0;
	unsigned rcode = 0, an = 0, tc = 0;

	while (o < qn && q[o]) {
		size_t l = q[o++];
		if (nl)
			name[nl++] = '.';
		memcpy(name + nl, q + o, l);
		nl += l;
		o += l;
	}
	name[nl] = '\0';
	o++;
	unsigned qtype = (unsigned)(q[o] << 8 | q[o + 1]);
	o += 4;

	p->n = 0;
	memcpy(p->b, q, 2);
	p->n = 2;
	put16(p, 0);  /* flags later */
	put16(p, 1);
	put16(p, 0);  /* ancount later */
	put16(p, 0);
	put16(p, 0);
	memcpy(p->b + p->n, q + 12, o - 12);
	p->n += o - 12;

	if (strcasecmp(name, "drop.t") == 0)
		return false;
	if (strcasecmp(name, "txt.t") == 0 && qtype == 16) {
		static const char *const r1[] = {"v=spf1 ", "ip4:192.0.2.1", " -all", NULL};
		static const char *const r2[] = {"other", NULL};
		txt_rr(p, r1);
		txt_rr(p, r2);
		an = 2;
	} else if (strcasecmp(name, "a.t") == 0 && qtype == 1) {
		for (int i = 1; i <= 2; i++) {
			size_t at = rr_begin(p, 1);
			put32(p, 0xc0000200ul + (unsigned long)i);
			rr_end(p, at);
		}
		an = 2;
	} else if (strcasecmp(name, "a.t") == 0 && qtype == 28) {
		size_t at = rr_begin(p, 28);
		static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
		memcpy(p->b + p->n, v6, 16);
		p->n += 16;
		rr_end(p, at);
		an = 1;
	} else if (strcasecmp(name, "mx.t") == 0 && qtype == 15) {
		size_t at = rr_begin(p, 15);
		put16(p, 10);
		put_name(p, "mx1.example");
		rr_end(p, at);
		an = 1;
	} else if (strcasecmp(name, "a.t") == 0 || strcasecmp(name, "mx.t") == 0 ||
		   strcasecmp(name, "txt.t") == 0) {
		an = 0;  /* NODATA */
	} else if (strcasecmp(name, "fail.t") == 0) {
		rcode = 2;
	} else if (strcasecmp(name, "big.t") == 0 && qtype == 16) {
		if (!tcp) {
			tc = 1;  /* truncated: retry over TCP */
		} else {
			static char chunk[256];
			const char *strs[17];
			memset(chunk, 'x', 250);
			chunk[250] = '\0';
			for (int i = 0; i < 16; i++)
				strs[i] = chunk;
			strs[16] = NULL;
			txt_rr(p, strs);
			an = 1;
		}
	} else if (strcasecmp(name, "bad.t") == 0) {
		/* Claims an answer, holds a few stray bytes. */
		an = 1;
		p->b[p->n++] = 0xc0;
		p->b[p->n++] = 0x0c;
		p->b[p->n++] = 0x00;
	} else if (strncasecmp(name, "c", 1) == 0 && strstr(name, ".t") && qtype == 1) {
		size_t at = rr_begin(p, 1);
		put32(p, 0xc6336400ul + (unsigned long)atoi(name + 1));
		rr_end(p, at);
		an = 1;
	} else {
		rcode = 3;  /* NXDOMAIN */
	}
	unsigned flags = 0x8000 | 0x0400 | (tc ? 0x0200 : 0) | (q[2] & 1 ? 0x0100 : 0) | rcode;
	p->b[2] = (unsigned char)(flags >> 8);
	p->b[3] = (unsigned char)flags;
	p->b[6] = (unsigned char)(an >> 8);
	p->b[7] = (unsigned char)an;
	return true;
}

static bool
is_batch(const unsigned char *q, size_t n)
{
	return n > 13 && q[13] == 'c';
}

static void
serve(int us, int ts)
{
	/* Queries for cN.t are held until ten are waiting: a client that
	 * sends them one at a time never gets an answer. */
	struct {
		unsigned char q[512];
		size_t n;
		struct sockaddr_storage from;
		socklen_t fl;
	} held[10];
	size_t nheld = 0;

	for (;;) {
		struct pollfd pf[2] = {{us, POLLIN, 0}, {ts, POLLIN, 0}};
		if (poll(pf, 2, -1) < 0)
			continue;
		struct pkt p;
		if (pf[0].revents & POLLIN) {
			unsigned char q[512];
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(us, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
			if (n < 12)
				continue;
			if (is_batch(q, (size_t)n)) {
				memcpy(held[nheld].q, q, (size_t)n);
				held[nheld].n = (size_t)n;
				held[nheld].from = from;
				held[nheld].fl = fl;
				if (++nheld == 10) {
					while (nheld--)
						if (respond(held[nheld].q, held[nheld].n, false, &p))
							sendto(us, p.b, p.n, 0,
							       (struct sockaddr *)&held[nheld].from,
							       held[nheld].fl);
					nheld = 0;
				}
				continue;
			}
			if (respond(q, (size_t)n, false, &p))
				sendto(us, p.b, p.n, 0, (struct sockaddr *)&from, fl);
		}
		if (pf[1].revents & POLLIN) {
			int c = accept(ts, NULL, NULL);
			if (c < 0)
				continue;
			unsigned char hdr[2], q[512];
			if (recv(c, hdr, 2, MSG_WAITALL) == 2) {
				size_t n = (size_t)(hdr[0] << 8 | hdr[1]);
				if (n <= sizeof q && recv(c, q, n, MSG_WAITALL) == (ssize_t)n &&
				    respond(q, n, true, &p)) {
					unsigned char l[2] = {(unsigned char)(p.n >> 8), (unsigned char)p.n};
					if (send(c, l, 2, 0) == 2)
						(void)!send(c, p.b, p.n, 0);
				}
			}
			/* c-ares keeps the connection open; it sees EOF after
			 * the answer and that is fine. */
			close(c);
		}
	}
}

static int
setup(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	int us = socket(AF_INET, SOCK_DGRAM, 0), ts = socket(AF_INET, SOCK_STREAM, 0);
	(void)state;

	/* The same port for UDP and TCP: bind UDP to an ephemeral port,
	 * then TCP to it (retry a few times if it is taken). */
	for (int tries = 0; tries < 20; tries++) {
		sa.sin_port = 0;
		if (bind(us, (struct sockaddr *)&sa, sizeof sa) < 0)
			return -1;
		getsockname(us, (struct sockaddr *)&sa, &sl);
		int one = 1;
		setsockopt(ts, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(ts, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(us);
		us = socket(AF_INET, SOCK_DGRAM, 0);
	}
	if (listen(ts, 16) < 0)
		return -1;
	server_port = ntohs(sa.sin_port);
	server_pid = fork();
	if (server_pid == 0) {
		serve(us, ts);
		_exit(0);
	}
	close(us);
	close(ts);
	return server_pid > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	return 0;
}

/* ---- the client side ---- */

struct got {
	enum dns_status st;
	size_t n;
	char txt[4][4200];
	size_t txtlen[4];
	struct dns_addr addr[4];
	char mx[64];
	int calls;
};

static void
on_reply(void *arg, const struct dns_reply *r)
{
	struct got *g = arg;
	g->calls++;
	g->st = r->status;
	g->n = r->n;
	for (size_t i = 0; i < r->n && i < 4; i++) {
		if (r->txt) {
			memcpy(g->txt[i], r->txt[i].s, r->txt[i].len + 1);
			g->txtlen[i] = r->txt[i].len;
		}
		if (r->addr)
			g->addr[i] = r->addr[i];
	}
	if (r->mx && r->n)
		snprintf(g->mx, sizeof g->mx, "%u %s", r->mx[0].pref, r->mx[0].host);
}

static struct dns *
client(int total_ms)
{
	char servers[64];
	struct err why;
	snprintf(servers, sizeof servers, "127.0.0.1:%d", server_port);
	struct dns_opts o = {.servers = servers, .try_ms = 300, .tries = 1, .total_ms = total_ms};
	struct dns *d = dns_new(&o, &why);
	if (!d)
		fail_msg("dns_new: %s", why.msg);
	return d;
}

static void
test_server_list(void **state)
{
	(void)state;
	struct err why;
	assert_int_equal(
	    dns_servers_check("192.0.2.1 192.0.2.2:5353, [2001:db8::1]:53 2001:db8::2", &why), 0);
	assert_int_equal(dns_servers_check("", &why), 0);
	assert_int_equal(dns_servers_check("192.0.2.1:0", &why), -1);
	assert_int_equal(dns_servers_check("192.0.2.1:70000", &why), -1);
	assert_int_equal(dns_servers_check("ns.example.com", &why), -1);
	assert_int_equal(dns_servers_check("[2001:db8::1", &why), -1);
	assert_int_equal(dns_servers_check("300.1.1.1", &why), -1);
	struct dns_opts o = {.servers = "192.0.2.1:x"};
	assert_null(dns_new(&o, &why));
	assert_non_null(strstr(why.msg, "192.0.2.1:x"));
}

static void
test_txt_a_aaaa_mx(void **state)
{
	struct dns *d = client(3000);
	struct got t = {0}, a = {0}, aaaa = {0}, mx = {0};
	(void)state;
	assert_int_equal(dns_query(d, "txt.t", DNS_T_TXT, on_reply, &t), 0);
	assert_int_equal(dns_query(d, "a.t", DNS_T_A, on_reply, &a), 0);
	assert_int_equal(dns_query(d, "a.t", DNS_T_AAAA, on_reply, &aaaa), 0);
	assert_int_equal(dns_query(d, "mx.t", DNS_T_MX, on_reply, &mx), 0);
	assert_int_equal(dns_run(d), 0);
	assert_int_equal(t.st, DNS_OK);
	assert_int_equal(t.n, 2);
	/* Strings of one record are joined without separator. */
	assert_string_equal(t.txt[0], "v=spf1 ip4:192.0.2.1 -all");
	assert_string_equal(t.txt[1], "other");
	assert_int_equal(a.st, DNS_OK);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.addr[0].fam, PFX_V4);
	assert_true(a.addr[0].addr == 0xc0000201u || a.addr[0].addr == 0xc0000202u);
	assert_int_equal(aaaa.n, 1);
	assert_int_equal(aaaa.addr[0].fam, PFX_V6);
	assert_true(aaaa.addr[0].addr == (((u128)0x20010db8u << 96) | 1));
	assert_string_equal(mx.mx, "10 mx1.example");
	assert_int_equal(dns_queries(d), 4);
	dns_free(d);
}

static void
test_statuses(void **state)
{
	struct dns *d = client(3000);
	struct got nx = {0}, nodata = {0}, fail = {0}, bad = {0};
	(void)state;
	dns_query(d, "nx.t", DNS_T_TXT, on_reply, &nx);
	dns_query(d, "a.t", DNS_T_MX, on_reply, &nodata);
	dns_query(d, "fail.t", DNS_T_TXT, on_reply, &fail);
	dns_query(d, "bad.t", DNS_T_A, on_reply, &bad);
	dns_run(d);
	assert_int_equal(nx.st, DNS_NXDOMAIN);
	assert_int_equal(nodata.st, DNS_NODATA);
	assert_true(dns_status_void(nx.st) && dns_status_void(nodata.st));
	assert_int_equal(fail.st, DNS_SERVFAIL);
	assert_true(dns_status_temp(fail.st));
	assert_int_equal(bad.st, DNS_MALFORMED);
	assert_true(dns_status_temp(bad.st));
	dns_free(d);
}

static void
test_truncated_goes_tcp(void **state)
{
	struct dns *d = client(3000);
	struct got big = {0};
	(void)state;
	dns_query(d, "big.t", DNS_T_TXT, on_reply, &big);
	dns_run(d);
	assert_int_equal(big.st, DNS_OK);
	assert_int_equal(big.txtlen[0], 16 * 250);
	dns_free(d);
}

static void
test_timeout_and_deadline(void **state)
{
	struct dns *d = client(1500);
	struct got drop = {0}, ok = {0};
	struct timespec a, b;
	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	dns_query(d, "drop.t", DNS_T_TXT, on_reply, &drop);
	dns_query(d, "txt.t", DNS_T_TXT, on_reply, &ok);
	int timeouts = dns_run(d);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_int_equal(ok.st, DNS_OK);
	assert_int_equal(drop.st, DNS_TIMEOUT);
	assert_int_equal(drop.calls, 1);
	assert_int_equal(timeouts, 1);
	/* Ended by its own try (300 ms), not by the 1.5 s deadline. */
	assert_true(ms < 1500);
	dns_free(d);

	/* The overall deadline cuts a query whose tries would take longer. */
	char servers[64];
	struct err why;
	snprintf(servers, sizeof servers, "127.0.0.1:%d", server_port);
	struct dns_opts o = {.servers = servers, .try_ms = 5000, .tries = 3, .total_ms = 400};
	d = dns_new(&o, &why);
	assert_non_null(d);
	memset(&drop, 0, sizeof drop);
	clock_gettime(CLOCK_MONOTONIC, &a);
	dns_query(d, "drop.t", DNS_T_TXT, on_reply, &drop);
	dns_run(d);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_int_equal(drop.st, DNS_TIMEOUT);
	/* Cut by the deadline, not after the first 5 s try. */
	assert_true(ms >= 400 && ms < 5000);
	dns_free(d);
}

static void
test_many_in_flight(void **state)
{
	struct dns *d = client(2000);
	struct got g[10];
	(void)state;
	memset(g, 0, sizeof g);
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof name, "c%d.t", i);
		assert_int_equal(dns_query(d, name, DNS_T_A, on_reply, &g[i]), 0);
	}
	dns_run(d);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(g[i].st, DNS_OK);
		assert_true(g[i].addr[0].addr == 0xc6336400u + (unsigned)i);
	}
	dns_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_list),
		cmocka_unit_test(test_txt_a_aaaa_mx),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_truncated_goes_tcp),
		cmocka_unit_test(test_timeout_and_deadline),
		cmocka_unit_test(test_many_in_flight),
	};
	return cmocka_run_group_tests_name("dns", tests, setup, teardown);
}
