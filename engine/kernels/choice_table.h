/* choice_table.h - a text table of choices per device, kept in the
 * device's memo and in the runtime's keyed store (runtime/tuning_store.h).
 *
 * What a choice means (an algorithm, a kernel's parameters) is the caller's
 * (conv_select.c, gemm_select.c); this module only keeps the text: one
 * line per key, "<key> TAB <value> [TAB <note>]", under a store key that
 * names the table's format, the device, its driver and its platform. The
 * store checksums the payload; a caller skips a line it cannot parse.
 * Two processes updating a table at once may lose one's line (each
 * replaces the entry atomically): that key is measured again later.
 * Every change to a device's table in the memo bumps that device's
 * generation (vs__choice_generation), which the plan steps' memos of
 * their choices (choice_memo.h) record. Thread safety: that of the memo and the store
 * (both guarded); the generation and the scan count are atomic. */
#ifndef VS_CHOICE_TABLE_H
#define VS_CHOICE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session/session_internal.h"

/* The largest table read or written. */
#define VS_CHOICE_TABLE_MAX ((size_t)1 << 20)

/* "varscope <what>\ndevice ...\ndriver ...\nplatform ...\n": the store key
 * of device d's table named what (malloc'd; NULL when out of memory). */
char *vs__choice_table_key(const vs_cl_device *d, const char *what);
/* The same followed by "clblast <id>\n", the identity of the CLBlast sets
 * in use on d (runtime/blas.h's vs__clblast_sets_id): the key of a table
 * of choices that time CLBlast (a GEMM family's, or a conv route whose
 * GEMM may be CLBlast's), so that a change of the sets (`varscope tune`)
 * makes them measured again, while a process under the old sets still
 * finds its own. */
char *vs__choice_table_key_clblast(const vs_cl_device *d, const char *what);

/* The table under skey (NUL-terminated, malloc'd; "" when none): the
 * memo's unless from_disk, else the store's (then memoised). With
 * memo_miss a missing table is memoised as "", so the disk is read once
 * per process. NULL when out of memory. */
char *vs__choice_table_get(vs_cl_device *d, const char *skey, bool from_disk, bool memo_miss);

/* Takes the value of a line of the key being scanned (the text after its
 * tab, to the line's end); true when it is one the caller can use. */
typedef bool (*vs_choice_accept_fn)(const char *value, void *arg);

/* Calls accept(value, arg) for each line of table t that is "<key> TAB
 * <value>", in order (t's newlines become NULs, so values stay valid as
 * long as t); true when any call returned true. A caller that stores what
 * it accepts keeps the last line, which wins. */
bool vs__choice_table_scan(char *t, const char *key, vs_choice_accept_fn accept, void *arg);

/* The generation of device d's tables in this process: bumped after each
 * change to one of them in the memo (a table read from the store,
 * rewritten, replaced); another device's changes leave it. */
uint64_t vs__choice_generation(const vs_cl_device *d);
/* vs__choice_table_scan calls of this process so far (tests: a memoised
 * choice scans nothing). */
uint64_t vs__choice_table_scans(void);

/* A line selector for vs__choice_table_update: line (NUL-terminated,
 * without its newline) is dropped when it returns true. */
typedef bool (*vs_choice_drop_fn)(const char *line, const void *arg);

/* Drops the lines for key (a NUL-terminated string): "<key> TAB ...". */
bool vs__choice_drop_key(const char *line, const void *key);

/* Rewrites skey's table without the lines drop(line, arg) selects, plus
 * `add` (full lines or NULL), from the store's current table (another
 * process may have added lines), into the store and the memo. The store
 * write is best effort: without a cache directory, this process
 * remembers. False when out of memory. */
bool vs__choice_table_update(vs_cl_device *d, const char *skey, vs_choice_drop_fn drop, const void *arg,
                             const char *add);

/* Replaces skey's table with text (NUL-terminated), in the memo and the
 * store (for tests that plant a whole table); false when either refused. */
bool vs__choice_table_set(vs_cl_device *d, const char *skey, const char *text);

/* The device of a vs_device_*_choices(i, buf, cap, st) call (fn: its
 * name, for the message), with buf emptied when cap > 0; st set OK first.
 * NULL with st set when there is nothing to list into: vs__device's error,
 * or INVALID_ARGUMENT "<fn>: buf is NULL" for a NULL buf with cap > 0. */
vs_cl_device *vs__choice_list_device(size_t i, char *buf, size_t cap, const char *fn, vs_status *st);

/* Names the value of a line (the text after the key's tab, up to the end
 * of the line) into name[cap]; false to leave the line out. */
typedef bool (*vs_choice_name_fn)(const char *value, char *name, size_t cap);

/* Appends "<prefix><key> -> <name> (<note>)\n" for each line of skey's
 * table (got as vs__choice_table_get(d, skey, false, memo_miss) does) that
 * name_of accepts to buf[cap] from offset used, as snprintf
 * does (never past cap, NUL-terminated when anything fits); returns the
 * new offset (the length the full listing needs). */
size_t vs__choice_table_list(vs_cl_device *d, const char *skey, bool memo_miss, const char *prefix,
                             vs_choice_name_fn name_of, char *buf, size_t cap, size_t used);

#endif
