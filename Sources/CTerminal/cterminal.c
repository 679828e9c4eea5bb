#define _XOPEN_SOURCE_EXTENDED 1
#define _XOPEN_SOURCE 700
#include "cterminal.h"
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <wchar.h>

static int has_colour = 0;

int term_start(int colour) {
    /* lora-msg's text is UTF-8 whatever the environment says; a bare C locale would make
     * ncursesw print every non-ASCII byte as an escape. */
    if (setlocale(LC_ALL, "") == NULL || strcmp(nl_langinfo(CODESET), "UTF-8") != 0) setlocale(LC_ALL, "C.UTF-8");
    if (initscr() == NULL) return -1;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    has_colour = colour && has_colors();
    if (has_colour) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_GREEN, -1);
        init_pair(2, COLOR_RED, -1);
        init_pair(3, COLOR_CYAN, -1);
    }
    return 0;
}

void term_stop(void) { endwin(); }
int term_rows(void) { return getmaxy(stdscr); }
int term_cols(void) { return getmaxx(stdscr); }

static attr_t style_attr(int style) {
    switch (style) {
    case TERM_BOLD: return A_BOLD;
    case TERM_DIM: return A_DIM;
    case TERM_STATUS: return A_REVERSE;
    case TERM_GOOD: return has_colour ? COLOR_PAIR(1) : A_NORMAL;
    case TERM_BAD: return has_colour ? (COLOR_PAIR(2) | A_BOLD) : A_BOLD;
    case TERM_MINE: return has_colour ? COLOR_PAIR(3) : A_NORMAL;
    default: return A_NORMAL;
    }
}

void term_text(int y, int x, const char *utf8, int style) {
    attr_t a = style_attr(style);
    wmove(stdscr, y, x);
    wattron(stdscr, a);
    waddstr(stdscr, utf8);
    wattroff(stdscr, a);
}

void term_line(int y, const char *utf8, int style) {
    wmove(stdscr, y, 0);
    wclrtoeol(stdscr);
    if (style == TERM_STATUS) {   /* a full-width bar */
        attr_t a = style_attr(style);
        wattron(stdscr, a);
        for (int i = 0; i < getmaxx(stdscr); i++) waddch(stdscr, ' ');
        wattroff(stdscr, a);
    }
    term_text(y, 0, utf8, style);
}

void term_cursor(int y, int x) { wmove(stdscr, y, x); }
void term_refresh(void) { wrefresh(stdscr); }

int term_key(int timeout_ms, uint32_t *out) {
    wint_t c;
    wtimeout(stdscr, timeout_ms);
    int r = wget_wch(stdscr, &c);
    if (r == ERR) return TERM_NONE;
    if (r == KEY_CODE_YES) {
        switch (c) {
        case KEY_RESIZE: *out = TERM_KEY_RESIZE; break;
        case KEY_BACKSPACE: *out = TERM_KEY_BACKSPACE; break;
        case KEY_ENTER: *out = TERM_KEY_ENTER; break;
        case KEY_UP: *out = TERM_KEY_UP; break;
        case KEY_DOWN: *out = TERM_KEY_DOWN; break;
        case KEY_PPAGE: *out = TERM_KEY_PGUP; break;
        case KEY_NPAGE: *out = TERM_KEY_PGDN; break;
        default: *out = TERM_KEY_OTHER; break;
        }
        return TERM_KEY;
    }
    *out = (uint32_t)c;
    return TERM_CHAR;
}

