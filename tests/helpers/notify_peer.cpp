// Test peer linked to libsystemd: sends sd_notify messages the way real services do, step by step.
//   send TEXT          sd_notify(0, TEXT) ("\n" in TEXT is a newline)
//   child-send TEXT    a forked child sends TEXT and waits on a barrier, the peer waits for it
//   fdstore            sends FDSTORE=1 with a pipe's write end, then reports whether the receiver closed it
//   flood N            N x sd_notify("STATUS=flood i")
//   flood-mixed N      N datagrams on one socket, in turn: a STATUS line, 300 bytes of garbage with
//                      NULs, 16 KiB (over the 4 KiB limit), variables podman must not get; every
//                      10,000th carries a pipe's write end. Prints "progress K" every 100,000.
//   catch-term         SIGTERM no longer ends the peer; its CLOCK_MONOTONIC arrival time is kept
//   report-term        prints "term NS" (0 if none came)
//   watchdog           prints "watchdog enabled=R usec=U": sd_watchdog_enabled()'s answer
//   sleep MS
//   hold               sleeps until a signal ends it
#include <systemd/sd-daemon.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static std::string unescape(const char* s) {
    std::string out;
    for (; *s; ++s) {
        if (s[0] == '\\' && s[1] == 'n') {
            out += '\n';
            ++s;
        } else {
            out += *s;
        }
    }
    return out;
}

namespace {

volatile sig_atomic_t term_seen = 0;
long long term_ns = 0;

void on_term(int) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (!term_seen) term_ns = static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
    term_seen = 1;
}

int connect_notify_socket() {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return -1;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::size_t len = std::strlen(path);
    if (len >= sizeof sa.sun_path) return -1;
    std::memcpy(sa.sun_path, path, len);
    if (path[0] == '@') sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), offsetof(sockaddr_un, sun_path) + len) != 0) return -1;
    return fd;
}

long flood_mixed(long n) {
    int fd = connect_notify_socket();
    if (fd < 0) return -1;
    static char big[16384];
    std::memset(big, 'X', sizeof big);
    std::memcpy(big, "STATUS=", 7);
    char garbage[300];
    for (std::size_t i = 0; i < sizeof garbage; ++i) garbage[i] = static_cast<char>((i * 37) % 256);
    long ok = 0;
    for (long k = 0; k < n; ++k) {
        char line[64];
        const void* data = line;
        std::size_t size = 0;
        switch (k % 4) {
            case 0: size = static_cast<std::size_t>(std::snprintf(line, sizeof line, "STATUS=flood %ld", k)); break;
            case 1:
                data = garbage;
                size = sizeof garbage;
                break;
            case 2:
                data = big;
                size = sizeof big;
                break;
            default: size = static_cast<std::size_t>(std::snprintf(line, sizeof line, "MAINPID=1\nX_FLOOD=%ld", k));
        }
        iovec iov{const_cast<void*>(data), size};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        int p[2] = {-1, -1};
        if (k % 10000 == 9999 && pipe(p) == 0) {
            mh.msg_control = control;
            mh.msg_controllen = sizeof control;
            cmsghdr* c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(c), &p[1], sizeof(int));
        }
        ssize_t r;
        do r = sendmsg(fd, &mh, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r >= 0) ++ok;
        if (p[0] >= 0) {
            close(p[0]);
            close(p[1]);
        }
        if ((k + 1) % 100000 == 0) {
            std::printf("progress %ld\n", k + 1);
            std::fflush(stdout);
        }
    }
    close(fd);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string step = argv[i];
        if (step == "send" && i + 1 < argc) {
            int r = sd_notify(0, unescape(argv[++i]).c_str());
            std::printf("send %d\n", r);
        } else if (step == "child-send" && i + 1 < argc) {
            std::string text = unescape(argv[++i]);
            pid_t pid = fork();
            // The barrier keeps the child alive until the receiver has read its message, as systemd
            // asks of short-lived senders: a sender already reaped cannot be traced to the shim's tree.
            if (pid == 0) _exit(sd_notify(0, text.c_str()) > 0 && sd_notify_barrier(0, 5000000) >= 0 ? 0 : 1);
            int status = 0;
            waitpid(pid, &status, 0);
            std::printf("child-send %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        } else if (step == "fdstore") {
            int p[2];
            if (pipe(p) != 0) return 1;
            int r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=test", &p[1], 1);
            close(p[1]);
            pollfd pfd{p[0], POLLIN, 0};
            int ready = poll(&pfd, 1, 5000);
            char c;
            bool closed = ready == 1 && read(p[0], &c, 1) == 0;
            std::printf("fdstore sent=%d receiver_closed=%d\n", r, closed ? 1 : 0);
        } else if (step == "flood" && i + 1 < argc) {
            long n = std::atol(argv[++i]);
            long ok = 0;
            for (long k = 0; k < n; ++k) {
                char msg[64];
                std::snprintf(msg, sizeof msg, "STATUS=flood %ld", k);
                if (sd_notify(0, msg) > 0) ++ok;
            }
            std::printf("flood %ld\n", ok);
        } else if (step == "flood-mixed" && i + 1 < argc) {
            std::printf("flood-mixed %ld\n", flood_mixed(std::atol(argv[++i])));
        } else if (step == "catch-term") {
            struct sigaction sa {};
            sa.sa_handler = on_term;
            sigaction(SIGTERM, &sa, nullptr);
        } else if (step == "report-term") {
            std::printf("term %lld\n", term_seen ? term_ns : 0LL);
        } else if (step == "watchdog") {
            uint64_t usec = 0;
            int r = sd_watchdog_enabled(0, &usec);
            std::printf("watchdog enabled=%d usec=%llu\n", r, static_cast<unsigned long long>(usec));
            std::fflush(stdout);
        } else if (step == "sleep" && i + 1 < argc) {
            usleep(static_cast<useconds_t>(std::atol(argv[++i]) * 1000));
        } else if (step == "hold") {
            pause();
        } else {
            std::fprintf(stderr, "notify_peer: bad step '%s'\n", argv[i]);
            return 2;
        }
        std::fflush(stdout);
    }
    return 0;
}
