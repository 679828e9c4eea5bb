#ifndef LORA_MSG_CPTY_H
#define LORA_MSG_CPTY_H

#include <stddef.h>

/* Terminal calls Swift's Glibc module does not export (posix_openpt needs _XOPEN_SOURCE,
   ioctl is variadic). Each returns 0 or a positive fd on success, -1 with errno set. */

/* Opens a pseudo-terminal pair: returns the controller fd (non-blocking, close-on-exec),
   writes the device end's path, and leaves the device end open in *device_fd, in raw mode so
   nothing is echoed back. Holding it open keeps the pair alive between clients. */
int cpty_open(char *path, size_t path_len, int *device_fd);

/* Raw 8N1, no flow control, HUPCL cleared, at the given baud (ignored by ptys and native USB). */
int cpty_make_raw(int fd, int baud);

/* TIOCEXCL: further opens of this tty fail with EBUSY (root excepted). */
int cpty_set_exclusive(int fd);

/* Asserts DTR and RTS (TIOCMBIS); ptys answer ENOTTY/EINVAL, which the caller may ignore. */
int cpty_assert_dtr(int fd);

/* Bytes waiting to be read (FIONREAD). */
int cpty_readable(int fd);

/* O_NONBLOCK and FD_CLOEXEC on an fd (fcntl is variadic). */
int cpty_set_nonblocking(int fd);

/* A non-blocking, close-on-exec pipe: fds[0] to poll, fds[1] to write a byte that wakes the poller. */
int cpty_wake_pipe(int fds[2]);

/* CLOCK_MONOTONIC in seconds: event loops time their timers with it. */
double cpty_monotonic_seconds(void);

#endif
