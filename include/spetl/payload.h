/*
 * payload.h -- what is sent for one record: its canonical hash, and a
 * property-by-property diff for --dry-run.
 *
 * A payload is an ordered list of (property, value) pairs, values as text
 * (HubSpot's input form), as the mapper makes them (mapping.h). Two payloads
 * with the same pairs in any order have the same hash.
 *
 * Hash: SHA-256 (sha256.h) of a canonical text, as 64 lowercase hex digits.
 * The canonical text is "spetl-payload/1\n" followed, for each pair sorted by
 * property name (bytewise; equal names by value), by
 *     <bytes of name>:<name><bytes of value>:<value>\n
 * The lengths make it unambiguous whatever the names and values hold ('=',
 * ':', newlines, NUL-free UTF-8). A NULL value is hashed as "". The link
 * table keeps this hash of the last payload sent; a record whose new payload
 * has the same hash sends nothing ("only what changed is sent"). Changing
 * the canonical form changes the version line, so every record is sent once
 * more, never silently skipped.
 *
 * Diff: only the HASH of the last payload is stored, never its values. So
 * sp_payload_diff() works from the new payload plus what is known about the
 * previous one (sp_payload_prev):
 *   - not linked                      -> CREATE, every property "set";
 *   - linked, same hash               -> UNCHANGED, nothing would be sent (and
 *                                        the last values are known: the new ones);
 *   - linked, other hash (or none)    -> UPDATE; each property is
 *       UNKNOWN   when the previous values are not known (the usual case), or,
 *                 when the caller read them back (e.g. the object read from
 *                 HubSpot, or a hook), compared one by one:
 *       SAME / CHANGED / ADDED (was empty or absent) / CLEARED (becomes empty).
 * Values read back from HubSpot are compared as HubSpot normalises them: an
 * epoch-ms value equals the ISO 8601 date/datetime HubSpot returns for the
 * same instant, and decimal numbers compare by value ("59.950" = "59.95").
 *
 * Ownership: results live in the arena the caller passes (the row arena).
 * No function here fails except on a bounded output buffer (sp_buf).
 */
#ifndef SPETL_PAYLOAD_H
#define SPETL_PAYLOAD_H

#include <stddef.h>

#include "spetl/buf.h"
#include "spetl/err.h"
#include "spetl/mem.h"
#include "spetl/sha256.h"

/* One (property, value) pair. */
typedef struct sp_prop {
    const char *name;
    const char *value;           /* never NULL in the mapper's output; "" = clear */
} sp_prop;

#define SP_PAYLOAD_HASH_LEN SP_SHA256_HEX_LEN   /* 64 hex digits + NUL */

/* The canonical hash of props[0..n) into hash (64 hex digits). */
void sp_payload_hash(const sp_prop *props, size_t n, char hash[SP_PAYLOAD_HASH_LEN]);

/* The canonical text itself (what is hashed), appended to out: for tests
 * and for debugging a "why was this sent" question. */
int sp_payload_canonical(const sp_prop *props, size_t n, sp_buf *out, sp_err *e);

typedef enum sp_diff_action {
    SP_DIFF_CREATE = 0,          /* no link: the object would be created */
    SP_DIFF_UPDATE,              /* linked, payload differs from what was last sent */
    SP_DIFF_UNCHANGED            /* linked, same payload as last sent: nothing to send */
} sp_diff_action;

typedef enum sp_diff_change {
    SP_CHANGE_SET = 0,           /* CREATE: the value the object gets */
    SP_CHANGE_SAME,              /* same as before */
    SP_CHANGE_CHANGED,           /* old -> new */
    SP_CHANGE_ADDED,             /* old was empty or absent, new is not */
    SP_CHANGE_CLEARED,           /* old was set, new is empty (sending "" clears it) */
    SP_CHANGE_UNKNOWN            /* UPDATE, previous value not known */
} sp_diff_change;

typedef struct sp_diff_entry {
    const char *name;
    const char *old_value;       /* NULL when unknown or absent */
    const char *new_value;
    sp_diff_change change;
} sp_diff_entry;

typedef struct sp_diff {
    sp_diff_action action;
    char hash[SP_PAYLOAD_HASH_LEN];   /* of the new payload: store it after a successful send */
    int old_known;               /* 1 when old values were given (or implied by the hash) */
    sp_diff_entry *entries;      /* one per property of the new payload, in its order */
    size_t n;
    size_t nchanged;             /* CHANGED + ADDED + CLEARED (UPDATE with old values known) */
} sp_diff;

/* What is known about the previous payload of a record. */
typedef struct sp_payload_prev {
    int linked;                  /* 0: no link, the record would be created */
    const char *hash;            /* hash stored with the link; NULL: none stored yet */
    const sp_prop *props;        /* values read back (HubSpot, hook); NULL: unknown */
    size_t nprops;
} sp_payload_prev;

/* Diff the new payload props[0..n) against prev (NULL = not linked). The
 * entries live in arena a. Never fails. */
void sp_payload_diff(const sp_prop *props, size_t n, const sp_payload_prev *prev, sp_arena *a,
                     sp_diff *out);

/* 1 when a value read back from HubSpot (old) stands for the value sent (new):
 * equal text, equal decimal numbers, or epoch ms = the ISO 8601 instant. */
int sp_payload_values_equal(const char *old_value, const char *new_value);

enum {
    SP_DIFF_SHOW_SAME = 1 << 0   /* also list the properties that did not change */
};

/* Append the diff for a person (the --dry-run output), one line per property,
 * each starting with indent:
 *     create (3 properties)
 *       + name = "Müller & Söhne"
 *     update (1 of 3 properties changed)
 *       ~ phone: "5550100" -> "5550199"
 *     update (3 properties; last sent values unknown, only their hash is kept)
 *       ? name = "Café Noël"
 *     unchanged (same payload as last sent; nothing to send)
 * Values are quoted with \" \\ and control characters escaped; UTF-8 kept. */
int sp_payload_diff_format(const sp_diff *d, const char *indent, unsigned flags, sp_buf *out, sp_err *e);

#endif
