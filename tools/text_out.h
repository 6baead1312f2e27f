/* text_out.h - writing strings that come from files (checkpoint keys, case
 * names) to terminals and to JSON without letting their bytes do harm. */
#ifndef VS_TOOL_TEXT_OUT_H
#define VS_TOOL_TEXT_OUT_H

#include <stdio.h>

/* Writes s for a terminal: printable ASCII and well-formed UTF-8 as they
 * are, except that a backslash is doubled; every other byte (C0 controls
 * such as ESC, DEL, C1 controls U+0080-U+009F, bytes of malformed UTF-8) as
 * \xNN, so escape sequences show instead of acting and the output maps back
 * to the bytes unambiguously. */
void vs_tool_put_visible(FILE *f, const char *s);

/* vs_tool_put_visible's rendering of s as a new string (free it); NULL
 * when out of memory. For padding columns by the width shown. */
char *vs_tool_visible_dup(const char *s);

/* s as a quoted JSON string (RFC 8259): ", \ and controls escaped;
 * well-formed UTF-8 kept; each byte of malformed UTF-8 as \u00NN (its
 * Latin-1 reading), so the output is always valid JSON in UTF-8. */
void vs_tool_put_json_string(FILE *f, const char *s);

#endif
