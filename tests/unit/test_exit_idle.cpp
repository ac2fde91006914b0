// Unit tests: --exit-idle: counting client connections from /proc/net text, and the idle decision.
#include "proc/connection_count.hpp"
#include "readiness/idle_policy.hpp"

#include <catch2/catch.hpp>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

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
    "   6: 0100007F:1F90 0100007F:D2F8 01 00000000:00000000 00:00000000 00000000   101        0 504 1 0 20 4 30 10 -1\n";

constexpr const char* kTcp6 =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when "
    "retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
    "00000000     0        0 6161 1 0 100 0 0 10 0\n"
    "   1: 0000000000000000FFFF00000100007F:01BB 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 00:00000000 "
    "00000000   101        0 6262 1 0 20 4 30 10 -1\n";

constexpr const char* kSnmp =
    "Ip: Forwarding DefaultTTL InReceives\n"
    "Ip: 1 64 100\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab\n"
    "Tcp: 1 200 120000 -1 7 42 0 0 2\n"
    "Udp: InDatagrams NoPorts\n"
    "Udp: 5 0\n";

}  // namespace

TEST_CASE("exit-idle: the connections of inherited listeners: accepted and held, and waiting in the queue") {
    CHECK(parse_open_connections(kTcp, {4242}) == 2 + 2);  // the queue, 501 and 502 (CLOSE_WAIT is still open)
    CHECK(parse_open_connections(kTcp, {4343}) == 1);      // 504 on 8080
    CHECK(parse_open_connections(kTcp, {4242, 4343}) == 5);
    CHECK(parse_open_connections(kTcp, {9999}) == 0);  // not a listener of these tables
    CHECK(parse_open_connections(kTcp6, {6161}) == 1);
    CHECK(parse_open_connections("", {4242}) == 0);
    CHECK(parse_open_connections("header only\n   0: garbage\n", {4242}) == 0);
}

TEST_CASE("exit-idle: Tcp PassiveOpens of /proc/net/snmp") {
    CHECK(parse_passive_opens(kSnmp) == std::optional<std::uint64_t>(42));
    CHECK_FALSE(parse_passive_opens("Ip: a\nIp: 1\n"));
    CHECK_FALSE(parse_passive_opens("x\nTcp: RtoAlgorithm PassiveOpens\nTcp: 1\n"));  // a value short
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
    CHECK_FALSE(q.look({0, 6}, t0 + 5s));   // a client came and went between two looks: counted from now
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
