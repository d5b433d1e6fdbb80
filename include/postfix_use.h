/* postfix_use — what Postfix does with a cidr table allowsync writes.
 *
 * A shared relay's ranges are many senders' ranges: allowlisted where
 * Postfix decides whether a client may *relay* (mynetworks, an OK in
 * smtpd_relay_restrictions), they make this server an open relay for
 * every customer of that relay.  Allowlisted where Postfix decides
 * whether to *accept* mail (postscreen_access_list, an OK in
 * smtpd_client_restrictions) they only skip the checks spam would fail.
 *
 * Three things, none of which runs anything (postconf.h reads the
 * configuration):
 *
 *   the use     `use = access` (check_client_access …, access(5)
 *               results) or `use = postscreen` (postscreen_access_list:
 *               permit, dunno, reject), and which results each accepts;
 *   the judge   every parameter of main.cf and every master.cf -o
 *               override that names the table, through $name expansions
 *               and restriction classes, and whether that use grants
 *               relaying;
 *   the advice  the main.cf line that uses the table the safe way.
 *
 * What grants relaying (POSTFIX_REFUSE):
 *   mynetworks, smtpd_authorized_xclient_hosts: any reference (the
 *     table's results are not read there: every address in it is
 *     trusted);
 *   smtpd_relay_restrictions: a lookup whose result permits (OK, RELAY,
 *     a number, `permit`), anywhere in the list (it decides relaying
 *     only);
 *   smtpd_recipient_restrictions: such a lookup before the first
 *     reject_unauth_destination, defer_unauth_destination, reject or
 *     defer (not one under warn_if_reject).
 * Every other parameter passes (postscreen_access_list,
 * smtpd_client_restrictions, smtpd_helo/sender/data_restrictions,
 * proxy_read_maps…).  Warned about (POSTFIX_WARN): a table named with a
 * type other than cidr, and a result postscreen does not know in
 * postscreen_access_list.
 */
#ifndef ALLOWSYNC_POSTFIX_USE_H
#define ALLOWSYNC_POSTFIX_USE_H

#include "postconf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum postfix_use {
	POSTFIX_USE_ACCESS,     /* an access(5) table: check_client_access cidr:… */
	POSTFIX_USE_POSTSCREEN, /* postscreen_access_list */
};

/* "access" or "postscreen": NULL on success, else a reason. */
const char *postfix_use_parse(const char *s, enum postfix_use *u);
const char *postfix_use_name(enum postfix_use u);
/* OK for access, permit for postscreen. */
const char *postfix_use_default_result(enum postfix_use u);
/* Whether `result` is one the use accepts: NULL, else a reason that
 * lists the valid ones.  access: access(5)'s actions (OK, DUNNO, REJECT
 * [text], DEFER [text], DEFER_IF_REJECT/PERMIT [text], 4NN/5NN text,
 * DISCARD/HOLD/INFO/WARN [text], BCC/REDIRECT user@domain, FILTER
 * transport:destination, PREPEND header: text, a number), case as
 * Postfix ignores it, or a list of restrictions that take no table
 * (permit, reject_unauth_destination, reject_rbl_client DOMAIN…; not
 * restriction class names).  postscreen: permit, dunno or reject. */
const char *postfix_use_check_result(enum postfix_use u, const char *result);
/* Whether smtpd permits when a lookup finds `result` (OK, RELAY, an
 * all-numerical result, a restriction list holding permit). */
bool postfix_use_permits(const char *result);

/* Whether a Postfix list value (blank- or comma-separated, {} grouping
 * as Postfix reads it; NULL is empty) holds `word` as an element. */
bool postfix_list_has(const char *list, const char *word);

enum postfix_verdict { POSTFIX_PASS, POSTFIX_WARN, POSTFIX_REFUSE };

/* One parameter's use of the table.  The strings live until the
 * callback returns. */
struct postfix_finding {
	enum postfix_verdict verdict;
	const char *param; /* as postconf names it: "mynetworks", "submission/inet/mynetworks" */
	bool master;       /* a master.cf -o override */
	const char *table; /* the reference as the value has it: "cidr:/etc/postfix/relays.cidr" */
	const char *via;   /* "$my_relays", "restriction class trusted"; NULL: named directly */
	const char *why;   /* what Postfix does with it (one clause, no output name) */
};

typedef void (*postfix_use_fn)(void *ctx, const struct postfix_finding *f);

/* Every use of table `path` (the same file under another name too) in
 * pc, judged for a table whose lookups find `result`: fn is called once
 * per use, main.cf first.  Returns the number of uses. */
size_t postfix_use_judge(const struct postconf *pc, const char *path, const char *result,
			 postfix_use_fn fn, void *ctx);

/* The main.cf line(s) that use the table `path` for `u`, "name = value"
 * each, ready for main.cf or `postconf -e`: postscreen_access_list =
 * permit_mynetworks, cidr:PATH; smtpd_client_restrictions =
 * check_client_access cidr:PATH.  With pc (may be NULL), the value main.cf
 * has now is kept (the table added after it for postscreen, before it
 * for access), or printed as it is when it names the table already.
 * 0, or -1 (errno). */
int postfix_use_main_cf(enum postfix_use u, const char *path, const struct postconf *pc, FILE *f);

#endif
