// Test helper: a bounded HTTP load on one loopback address, counting failed requests and the longest wait.
//
//   load_client HOST PORT [CONNECTIONS [PAUSE_MS [MAX_SECONDS]]]
//
// CONNECTIONS clients (4) each loop: connect, GET / with Connection: close, read to EOF, PAUSE_MS (10) pause.
// A request fails on a refused or reset connection, an answer with no status line, a status other than
// 2xx/3xx, or no answer within 30 s; it is never retried. It runs until SIGINT or SIGTERM, or MAX_SECONDS
// (120) as a bound, then prints one JSON line: requests, failed, the longest and median wait (ms, from
// connect to the end of the answer), and the first distinct reasons for failures. Static, so it runs in any rig.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> stopping{false};

double now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Tally {
    std::mutex lock;
    std::vector<double> waits;
    long failed = 0;
    std::vector<std::string> reasons;  // the first few distinct ones, for the report

    void add(double wait, const std::string& failure) {
        std::lock_guard<std::mutex> held(lock);
        waits.push_back(wait);
        if (failure.empty()) return;
        ++failed;
        if (reasons.size() < 8 && std::find(reasons.begin(), reasons.end(), failure) == reasons.end())
            reasons.push_back(failure);
    }
};

// One request; "" when it was answered 2xx/3xx, else why not.
std::string request(const sockaddr_in& to, int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string("socket: ") + std::strerror(errno);
    timeval limit{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    std::string why;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
        why = std::string("connect: ") + std::strerror(errno);
    } else {
        std::string ask = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nUser-Agent: sdshim-load\r\nConnection: close\r\n\r\n";
        if (send(fd, ask.data(), ask.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ask.size())) {
            why = std::string("send: ") + std::strerror(errno);
        } else {
            std::string head;
            char buf[4096];
            for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf, 0);
                if (n > 0) {
                    if (head.size() < 64) head.append(buf, static_cast<std::size_t>(n));
                    continue;
                }
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) why = std::string("recv: ") + std::strerror(errno);
                break;
            }
            if (why.empty()) {
                if (head.compare(0, 9, "HTTP/1.1 ") != 0 && head.compare(0, 9, "HTTP/1.0 ") != 0)
                    why = head.empty() ? "closed without an answer" : "no status line";
                else if (head[9] != '2' && head[9] != '3')
                    why = "status " + head.substr(9, 3);
            }
        }
    }
    close(fd);
    return why;
}

void client(const sockaddr_in& to, int port, int pause_ms, Tally& tally) {
    while (!stopping.load()) {
        double t0 = now_ms();
        std::string why = request(to, port);
        tally.add(now_ms() - t0, why);
        if (pause_ms > 0) usleep(static_cast<useconds_t>(pause_ms) * 1000);
    }
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += (c >= 0x20 ? c : ' ');
    }
    return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: load_client HOST PORT [CONNECTIONS [PAUSE_MS [MAX_SECONDS]]]\n");
        return 2;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    int port = std::atoi(argv[2]);
    to.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || port <= 0 || port > 65535) {
        std::fprintf(stderr, "load_client: '%s:%s' is not a numeric IPv4 address and port\n", argv[1], argv[2]);
        return 2;
    }
    int connections = argc > 3 ? std::clamp(std::atoi(argv[3]), 1, 64) : 4;
    int pause_ms = argc > 4 ? std::clamp(std::atoi(argv[4]), 0, 1000) : 10;
    int max_seconds = argc > 5 ? std::clamp(std::atoi(argv[5]), 1, 600) : 120;

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // the clients inherit the mask; main waits

    Tally tally;
    double started = now_ms();
    std::vector<std::thread> clients;
    for (int i = 0; i < connections; ++i) clients.emplace_back(client, std::cref(to), port, pause_ms, std::ref(tally));
    std::fprintf(stderr, "load_client: %d connections to %s:%d\n", connections, argv[1], port);
    timespec bound{max_seconds, 0};
    sigtimedwait(&stop_signals, nullptr, &bound);
    stopping.store(true);
    for (auto& c : clients) c.join();

    std::vector<double>& w = tally.waits;
    std::sort(w.begin(), w.end());
    double longest = w.empty() ? 0 : w.back();
    double median = w.empty() ? 0 : w[w.size() / 2];
    std::string reasons;
    for (const auto& r : tally.reasons) reasons += (reasons.empty() ? "" : ",") + quoted(r);
    std::printf(
        "{\"requests\": %zu, \"failed\": %ld, \"longest_ms\": %.1f, \"median_ms\": %.1f, "
        "\"seconds\": %.1f, \"reasons\": [%s]}\n",
        w.size(), tally.failed, longest, median, (now_ms() - started) / 1e3, reasons.c_str());
    return 0;
}
