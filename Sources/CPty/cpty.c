#define _GNU_SOURCE
#include "cpty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static speed_t speed_for(int baud) {
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B115200;
    }
}

int cpty_make_raw(int fd, int baud) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -1;
    cfmakeraw(&t);
    t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS | HUPCL);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_iflag &= ~(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, speed_for(baud));
    cfsetospeed(&t, speed_for(baud));
    return tcsetattr(fd, TCSANOW, &t);
}

int cpty_open(char *path, size_t path_len, int *device_fd) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    if (grantpt(fd) != 0 || unlockpt(fd) != 0 || ptsname_r(fd, path, path_len) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    /* Raw mode on the device end before anyone opens it: with the default line discipline
       the kernel would echo our own output back to us. */
    int dev = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (dev < 0 || cpty_make_raw(dev, 115200) != 0) {
        int saved = errno;
        if (dev >= 0) close(dev);
        close(fd);
        errno = saved;
        return -1;
    }
    *device_fd = dev;
    return fd;
}

int cpty_set_exclusive(int fd) { return ioctl(fd, TIOCEXCL); }

int cpty_assert_dtr(int fd) {
    int bits = TIOCM_DTR | TIOCM_RTS;
    return ioctl(fd, TIOCMBIS, &bits);
}

int cpty_readable(int fd) {
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) != 0) return -1;
    return n;
}

int cpty_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int cpty_wake_pipe(int fds[2]) { return pipe2(fds, O_NONBLOCK | O_CLOEXEC); }

double cpty_monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
