#ifndef LORA_MSG_CTERMINAL_H
#define LORA_MSG_CTERMINAL_H
#include <stdint.h>

/* A few calls into ncursesw for `lora-msg chat`, as plain functions: most of curses' API is
 * macros Swift cannot call. Every function must be called from one thread. */

enum { TERM_PLAIN = 0, TERM_BOLD = 1, TERM_DIM = 2, TERM_STATUS = 3, TERM_GOOD = 4, TERM_BAD = 5, TERM_MINE = 6 };
enum { TERM_NONE = -1, TERM_CHAR = 0, TERM_KEY = 1 };
enum { TERM_KEY_RESIZE = 1, TERM_KEY_BACKSPACE, TERM_KEY_ENTER, TERM_KEY_UP, TERM_KEY_DOWN, TERM_KEY_PGUP, TERM_KEY_PGDN, TERM_KEY_OTHER };

/* Starts curses on the controlling terminal (locale from the environment); colour only when
 * `colour` is non-zero and the terminal has it. Returns 0 on success. */
int term_start(int colour);
void term_stop(void);
int term_rows(void);
int term_cols(void);
/* Clears row y and writes UTF-8 text there in a style (clipped by curses at the edge). */
void term_line(int y, const char *utf8, int style);
/* Writes at (y, x) without clearing the row first. */
void term_text(int y, int x, const char *utf8, int style);
void term_cursor(int y, int x);
void term_refresh(void);
/* Waits up to timeout_ms for a key: TERM_CHAR with a Unicode scalar, TERM_KEY with a
 * TERM_KEY_* code, or TERM_NONE. */
int term_key(int timeout_ms, uint32_t *out);

#endif
