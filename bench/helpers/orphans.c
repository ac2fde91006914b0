/* Benchmark helper: makes N orphans for PID 1 to reap, then prints how long until none is a zombie.
 * Each orphan is the child of a short-lived parent that exits at once, so PID 1 inherits it; the
 * orphans exit immediately. Prints the time from the first fork to the first scan of /proc that
 * finds no zombie (scans are 1 ms apart), the part of it after the last fork, and the CPU time
 * PID 1 has used so far (/proc/1/schedstat). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int zombies(void) {
    int count = 0;
    DIR *dir = opendir("/proc");
    struct dirent *ent;
    if (!dir) return -1;
    while ((ent = readdir(dir))) {
        char path[300], buf[256];
        if (ent->d_name[0] < '0' || ent->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", ent->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *close = strrchr(buf, ')');
        if (close && close[1] == ' ' && close[2] == 'Z') ++count;
    }
    closedir(dir);
    return count;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    double start = now_ms();
    for (int i = 0; i < n; ++i) {
        pid_t child = fork();
        if (child < 0) { perror("fork"); return 1; }
        if (child == 0) {
            if (fork() == 0) _exit(0);
            _exit(0);
        }
        waitpid(child, NULL, 0);
    }
    double forked = now_ms();
    int left;
    while ((left = zombies()) > 0) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        if (now_ms() - start > 60000) { printf("orphans=%d zombies=%d timeout\n", n, left); return 1; }
    }
    double done = now_ms();
    unsigned long long cpu_ns = 0;
    FILE *f = fopen("/proc/1/schedstat", "r");
    if (!f || fscanf(f, "%llu", &cpu_ns) != 1) { perror("/proc/1/schedstat"); return 1; }
    fclose(f);
    printf("orphans=%d fork_ms=%.1f reaped_ms=%.1f drain_ms=%.1f pid1_cpu_ms=%.1f\n", n, forked - start,
           done - start, done - forked, cpu_ns / 1e6);
    return 0;
}
