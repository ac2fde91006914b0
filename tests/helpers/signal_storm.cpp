// Test helper for the signal storm: a sender of numbered signals and the sink that checks their order.
//   signal_storm send PID N [FIRST]
//                               sends N signals to PID round-robin over the kinds below; real-time
//                               ones by sigqueue() carrying their number within the kind (FIRST, FIRST+1, ...)
//   signal_storm sink REPORT    the server: counts what arrives and whether each real-time kind came
//                               in order, while a forked churner makes orphans nonstop; on SIGTERM
//                               stops the churner and writes REPORT, then exits 0
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct Kind {
    const char* name;
    int sig;
    bool queued;  // real-time: every one arrives, numbered
};

const Kind* kinds(int& count) {
    static Kind k[] = {{"HUP", SIGHUP, false},          {"USR1", SIGUSR1, false},       {"USR2", SIGUSR2, false},
                       {"WINCH", SIGWINCH, false},      {"RTMIN", SIGRTMIN, true},      {"RTMIN+1", SIGRTMIN + 1, true},
                       {"RTMIN+2", SIGRTMIN + 2, true}, {"RTMIN+3", SIGRTMIN + 3, true}};
    count = sizeof k / sizeof k[0];
    return k;
}

int send(pid_t pid, long n, long first) {
    int nk = 0;
    const Kind* k = kinds(nk);
    long sent[16] = {};
    long retries = 0;
    for (long i = 0; i < n; ++i) {
        const Kind& kind = k[i % nk];
        for (;;) {
            int r;
            if (kind.queued) {
                sigval v{};
                v.sival_int = static_cast<int>(first + sent[i % nk]);
                r = sigqueue(pid, kind.sig, v);
            } else {
                r = kill(pid, kind.sig);
            }
            if (r == 0) break;
            if (errno != EAGAIN) {
                std::perror("signal_storm send");
                return 1;
            }
            ++retries;  // the shim's queue of real-time signals is full: let it catch up
            timespec ts{0, 100000};
            nanosleep(&ts, nullptr);
        }
        ++sent[i % nk];
    }
    for (int i = 0; i < nk; ++i) std::printf("%s %ld\n", k[i].name, sent[i]);
    std::printf("retries %ld\n", retries);
    return 0;
}

[[noreturn]] void churn() {
    for (;;) {
        pid_t child = fork();
        if (child == 0) {
            if (fork() == 0) _exit(0);  // the grandchild: an orphan once its parent is gone
            _exit(0);
        }
        if (child > 0) waitpid(child, nullptr, 0);
    }
}

int sink(const char* report) {
    int nk = 0;
    const Kind* k = kinds(nk);
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < nk; ++i) sigaddset(&set, k[i].sig);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    pid_t churner = fork();
    if (churner == 0) {
        sigprocmask(SIG_UNBLOCK, &set, nullptr);
        churn();
    }
    long got[16] = {}, out_of_order[16] = {}, foreign[16] = {};
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0) continue;
        if (sig == SIGTERM) break;
        for (int i = 0; i < nk; ++i) {
            if (k[i].sig != sig) continue;
            if (k[i].queued) {
                if (si.si_code != SI_QUEUE)
                    ++foreign[i];  // forwarded by kill(): the number is lost
                else if (si.si_value.sival_int != got[i])
                    ++out_of_order[i];
            }
            ++got[i];
        }
    }
    kill(churner, SIGKILL);
    waitpid(churner, nullptr, 0);
    FILE* f = std::fopen(report, "w");
    if (!f) return 1;
    for (int i = 0; i < nk; ++i) std::fprintf(f, "%s %ld %ld %ld\n", k[i].name, got[i], out_of_order[i], foreign[i]);
    std::fclose(f);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if ((argc == 4 || argc == 5) && std::strcmp(argv[1], "send") == 0)
        return send(std::atoi(argv[2]), std::atol(argv[3]), argc == 5 ? std::atol(argv[4]) : 0);
    if (argc == 3 && std::strcmp(argv[1], "sink") == 0) return sink(argv[2]);
    std::fprintf(stderr, "usage: signal_storm send PID N [FIRST] | signal_storm sink REPORT\n");
    return 2;
}
