// Test peer linked to libsystemd: sends sd_notify messages the way real services do, step by step.
//   send TEXT          sd_notify(0, TEXT) ("\n" in TEXT is a newline)
//   child-send TEXT    a forked child sends TEXT, the peer waits for it
//   fdstore            sends FDSTORE=1 with a pipe's write end, then reports whether the receiver closed it
//   flood N            N x sd_notify("STATUS=flood i")
//   sleep MS
//   hold               sleeps until a signal ends it
#include <systemd/sd-daemon.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string step = argv[i];
        if (step == "send" && i + 1 < argc) {
            int r = sd_notify(0, unescape(argv[++i]).c_str());
            std::printf("send %d\n", r);
        } else if (step == "child-send" && i + 1 < argc) {
            std::string text = unescape(argv[++i]);
            pid_t pid = fork();
            if (pid == 0) _exit(sd_notify(0, text.c_str()) > 0 ? 0 : 1);
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
