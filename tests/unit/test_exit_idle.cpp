// Unit tests: --exit-idle: which held sockets are client connections, and the idle decision.
#include "core/own_signals.hpp"
#include "idle/client_connections.hpp"
#include "idle/idle_policy.hpp"
#include "idle/listener_arrivals.hpp"

#include "loopback_listener.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

// Listener 4242 on 0.0.0.0:80 with 2 connections in its accept queue; 4343 is a listener that is not
// inherited (8080); connections on 80: two accepted (held: inodes 501, 502), one in TIME_WAIT (inode 0),
// one the server opened itself to an upstream (local port D2F0), one accepted on 8080.
constexpr const char* kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000:0050 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n"
    "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 100 0 0 10 0\n"
    "   2: 0100007F:0050 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000   101        0 501 1 0 20 4 30 10 -1\n"
    "   3: 0100007F:0050 0100007F:D2F2 08 00000000:00000000 00:00000000 00000000   101        0 502 1 0 20 4 30 10 -1\n"
    "   4: 0100007F:0050 0100007F:D2F4 06 00000000:00000000 03:00000D8B 00000000     0        0 0 3 0\n"
    "   5: 0100007F:D2F6 0A000002:0050 01 00000000:00000000 00:00000000 00000000   101        0 503 1 0 20 4 30 10 -1\n"
    "   6: 0100007F:1F90 0100007F:D2F8 01 00000000:00000000 00:00000000 00000000   101        0 504 1 0 20 4 30 10 "
    "-1\n";

constexpr const char* kTcp6 =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
    "tm->when "
    "retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 "
    "00:00000000 "
    "00000000     0        0 6161 1 0 100 0 0 10 0\n"
    "   1: 0000000000000000FFFF00000100007F:01BB 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 "
    "00:00000000 "
    "00000000   101        0 6262 1 0 20 4 30 10 -1\n";

}  // namespace

TEST_CASE("exit-idle: the rows of PID 1's own tcp tables, by inode") {
    TcpTable own;
    parse_tcp_rows(kTcp, own);
    parse_tcp_rows(kTcp6, own);
    parse_tcp_rows("header only\n   0: garbage\n", own);
    CHECK(own.size() == 8);  // the TIME_WAIT row has no inode
    CHECK(own.at(4242).state == 0x0A);
    CHECK(own.at(4242).local_port == 80);
    CHECK(own.at(503).local_port == 0xD2F6);
    CHECK(own.at(6262).local_port == 443);
}

TEST_CASE("exit-idle: which sockets a server holds are client connections, in either network namespace") {
    TcpTable own;
    parse_tcp_rows(kTcp, own);
    parse_tcp_rows(kTcp6, own);
    int asked = 0;
    auto tcp = [&] { return ++asked, std::string("TCP"); };
    auto tcp6 = [&] { return ++asked, std::string("TCPv6"); };
    auto udp = [&] { return ++asked, std::string("UDP"); };
    auto unix_socket = [&] { return ++asked, std::string("UNIX"); };

    SECTION("the listeners in PID 1's namespace (podman --network=host): connections on their ports") {
        const Listeners inherited{{4242, 6161}, {80, 443}};
        CHECK(is_client_connection(501, tcp, own, inherited));         // accepted on 80
        CHECK(is_client_connection(502, tcp, own, inherited));         // CLOSE_WAIT: still held
        CHECK(is_client_connection(6262, tcp6, own, inherited));       // accepted on 443
        CHECK_FALSE(is_client_connection(503, tcp, own, inherited));   // to an upstream
        CHECK_FALSE(is_client_connection(504, tcp, own, inherited));   // on 8080, not inherited
        CHECK_FALSE(is_client_connection(4343, tcp, own, inherited));  // the server's own listener
        CHECK_FALSE(is_client_connection(4242, tcp, own, inherited));  // an inherited listener
        CHECK(asked == 0);                                             // every one of them has a row
    }
    SECTION("the listeners in systemd's namespace (--network=none, a podman network): no row of PID 1's") {
        const Listeners inherited{{7001, 7002}, {}};
        CHECK_FALSE(is_client_connection(7001, tcp, own, inherited));  // the listener itself
        CHECK(is_client_connection(9001, tcp, own, inherited));        // accepted there: in no row here
        CHECK(is_client_connection(9002, tcp6, own, inherited));
        CHECK_FALSE(is_client_connection(9003, udp, own, inherited));          // caddy's QUIC socket, or its own
        CHECK_FALSE(is_client_connection(9004, unix_socket, own, inherited));  // its notify socket
        CHECK_FALSE(is_client_connection(503, tcp, own, inherited));   // its own connection to an upstream or a CA
        CHECK_FALSE(is_client_connection(4343, tcp, own, inherited));  // a listener of its own
        CHECK(asked == 4);
    }
}

TEST_CASE("exit-idle: idle only a whole limit after the last look that saw a client") {
    const auto t0 = EventLoop::Clock::now();
    IdlePolicy p(10s);
    CHECK(p.period() == 2500ms);
    CHECK_FALSE(p.look({0, 5}, t0));  // the first look starts the count
    CHECK(p.next_look(t0) == t0 + 2500ms);
    CHECK_FALSE(p.look({0, 5}, t0 + 9s));
    CHECK(p.next_look(t0 + 9s) == t0 + 10s);  // the moment the limit is reached, not a period later
    CHECK(p.look({0, 5}, t0 + 10s));

    IdlePolicy q(10s);
    CHECK_FALSE(q.look({0, 5}, t0));
    CHECK_FALSE(q.look({0, 6}, t0 + 5s));  // a client came and went between two looks: counted from now
    CHECK_FALSE(q.look({0, 6}, t0 + 14s));
    CHECK(q.look({0, 6}, t0 + 15s));

    IdlePolicy r(10s);
    CHECK_FALSE(r.look({1, 5}, t0));        // one open
    CHECK_FALSE(r.look({0, 5}, t0 + 12s));  // it closed since the last look: from now
    CHECK_FALSE(r.look({0, 5}, t0 + 21s));
    CHECK(r.look({0, 5}, t0 + 22s));
    CHECK_FALSE(r.look({2, 5}, t0 + 40s));  // busy again

    CHECK(IdlePolicy(1s).period() == 250ms);
    CHECK(IdlePolicy(24h).period() == 15s);
}

TEST_CASE("exit-idle: a client reaching a listener is seen even when the server accepts it first") {
    // PID 1's copy of the listener signals the first arrival after each look; the server (here the
    // test itself) has already accepted it when the signal is read: nothing depends on the queue.
    LoopbackListener l(SOCK_NONBLOCK);
    SocketInfo info;
    info.fd = l.fd;
    info.type = SOCK_STREAM;
    info.listening = true;
    sigset_t arrival;  // the listener's own signal, or a plain SIGIO where F_SETSIG is refused (qemu-user)
    sigemptyset(&arrival);
    sigaddset(&arrival, arrival_signal());
    sigaddset(&arrival, SIGIO);
    REQUIRE(sigprocmask(SIG_BLOCK, &arrival, nullptr) == 0);

    ListenerArrivals a({info});
    REQUIRE(a.arm());
    const auto before = a.arrivals();
    // qemu-user (the arm64 tests) answers TCP_INFO with zeros: the accept queue is not seen there.
    // A listener's tcpi_sacked is its backlog (8 here) where the kernel answers itself.
    tcp_info probe{};
    socklen_t probe_len = sizeof probe;
    const bool queue_seen = ::getsockopt(l.fd, IPPROTO_TCP, TCP_INFO, &probe, &probe_len) == 0 && probe.tcpi_sacked > 0;
    CHECK(a.waiting() == 0);
    const int client = connect_to(l.port);
    if (queue_seen) CHECK(a.waiting() == 1);  // in the accept queue
    const int accepted = ::accept(l.fd, nullptr, nullptr);
    REQUIRE(accepted >= 0);
    CHECK(a.waiting() == 0);
    siginfo_t si{};
    const timespec wait{2, 0};
    const int got = sigtimedwait(&arrival, &si, &wait);
    REQUIRE((got == arrival_signal() || got == SIGIO));
    signalfd_siginfo ssi{};
    ssi.ssi_signo = static_cast<std::uint32_t>(si.si_signo);
    ssi.ssi_code = si.si_code;
    ssi.ssi_fd = got == SIGIO ? -1 : si.si_fd;
    if (got == arrival_signal()) CHECK(ssi.ssi_fd == l.fd);
    CHECK(a.take(ssi));
    CHECK(a.arrivals() > before);
    CHECK((fcntl(l.fd, F_GETFL) & O_ASYNC) != 0);     // re-armed by the look
    CHECK((fcntl(l.fd, F_GETFL) & O_NONBLOCK) != 0);  // the open file's other flags are kept

    // Another process clearing O_ASYNC behind PID 1's back may have hidden a client: counted as one.
    const auto seen = a.arrivals();
    REQUIRE(fcntl(l.fd, F_SETFL, fcntl(l.fd, F_GETFL) & ~O_ASYNC) == 0);
    CHECK(a.arrivals() > seen);
    signalfd_siginfo user{};
    user.ssi_signo = static_cast<std::uint32_t>(arrival_signal());
    user.ssi_code = SI_USER;  // podman kill --signal: not an arrival, forwarded as any other
    CHECK_FALSE(a.take(user));
    a.disarm();
    CHECK((fcntl(l.fd, F_GETFL) & O_ASYNC) == 0);
    ::close(client);
    ::close(accepted);
    sigtimedwait(&arrival, &si, &wait);  // drained, if the disarm raced a last one
    REQUIRE(sigprocmask(SIG_UNBLOCK, &arrival, nullptr) == 0);
}
