/* Benchmark helper: receives SIGUSR1 and writes the CLOCK_MONOTONIC time of each arrival (8 bytes,
 * nanoseconds) to stdout. The clock is system-wide, so the sender, in another pid namespace, can
 * subtract the time it sent. Writes one 0 first once the signal is blocked and it is ready. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static int put(uint64_t v) { return write(1, &v, sizeof v) == sizeof v ? 0 : -1; }

int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (put(0) < 0) return 1;
    for (;;) {
        if (sigwaitinfo(&set, NULL) < 0) continue;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (put((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) < 0) return 0;
    }
}
