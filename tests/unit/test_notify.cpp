// Unit tests: sd_notify datagram parsing, filtering for podman, outbound splitting, NOTIFY_SOCKET addresses.
#include "base/utf8.hpp"
#include "notify/notify_address.hpp"
#include "notify/notify_message.hpp"
#include "notify/relay_queue.hpp"
#include "status/status_text.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <deque>
#include <string>

using namespace sdshim;

namespace {
NotifyMessage ok(std::string_view text, std::size_t fds = 0) {
    auto r = parse_notify(text, false, fds);
    REQUIRE(r.ok());
    return r.value();
}
std::string rejected(std::string_view text, bool truncated = false) {
    auto r = parse_notify(text, truncated, 0);
    REQUIRE(!r.ok());
    return r.message();
}
using Lines = std::vector<std::string>;
}  // namespace

TEST_CASE("what systemd acts on through podman is relayed, in order") {
    auto m =
        ok("READY=1\nSTATUS=Serving 2 sockets\nWATCHDOG=1\nERRNO=2\nBUSERROR=org.x.Y\nEXTEND_TIMEOUT_USEC=5000000");
    CHECK(m.relay == Lines{"READY=1", "STATUS=Serving 2 sockets", "WATCHDOG=1", "ERRNO=2", "BUSERROR=org.x.Y",
                           "EXTEND_TIMEOUT_USEC=5000000"});
    CHECK(m.ready);
    CHECK(m.dropped.empty());
    m = ok("RELOADING=1\nMONOTONIC_USEC=123456\n");
    CHECK(m.reloading);
    CHECK(m.relay == Lines{"RELOADING=1", "MONOTONIC_USEC=123456"});
    CHECK(ok("STOPPING=1").stopping);
    CHECK(ok("WATCHDOG=trigger").relay == Lines{"WATCHDOG=trigger"});
    CHECK(ok("STATUS=").relay == Lines{"STATUS="});  // an empty status clears it
}

TEST_CASE("MAINPID, fd-store, barrier and unknown keys are dropped with a reason") {
    auto m = ok("MAINPID=42\nREADY=1");
    CHECK(m.relay == Lines{"READY=1"});
    REQUIRE(m.dropped.size() == 1);
    CHECK(m.dropped[0].find("MAINPID=42") == 0);
    CHECK(m.dropped[0].find("pid inside the container") != std::string::npos);

    m = ok("FDSTORE=1\nFDNAME=web", 1);
    CHECK(m.relay.empty());
    CHECK(m.dropped.size() == 3);  // two lines and the descriptor itself
    CHECK(m.dropped[2].find("1 file descriptor(s): closed") == 0);

    CHECK(ok("BARRIER=1", 1).relay.empty());
    CHECK(ok("X_MY_APP=1").relay.empty());
    CHECK(ok("NOTIFYACCESS=all").relay.empty());
    CHECK(ok("READY=0").relay.empty());  // only =1 is defined
    CHECK(ok("WATCHDOG=2").relay.empty());
}

TEST_CASE("a datagram systemd would ignore is rejected whole") {
    CHECK(rejected(std::string(kNotifyMaxBytes + 1, 'A')).find("4096") != std::string::npos);
    CHECK(rejected("READY=1", true).find("longer") != std::string::npos);  // MSG_TRUNC
    CHECK(rejected("").find("empty") != std::string::npos);
    CHECK(rejected(std::string("READY=1\0STATUS=x", 16)).find("NUL") != std::string::npos);
    CHECK(rejected("STATUS=\xff\xfe").find("UTF-8") != std::string::npos);
    CHECK(rejected("READY=1\ngarbage").find("'garbage' is not KEY=VALUE") != std::string::npos);
    CHECK(rejected("=1").find("not KEY=VALUE") != std::string::npos);
    CHECK(rejected("1X=2").find("not KEY=VALUE") != std::string::npos);
    CHECK(rejected("READY =1").find("not KEY=VALUE") != std::string::npos);
    // A valid message at the limit is fine.
    std::string at_limit = "STATUS=" + std::string(kNotifyMaxBytes - 7, 'x');
    CHECK(ok(at_limit).relay.size() == 1);
}

TEST_CASE("UTF-8 validation refuses overlong forms, surrogates and stray bytes") {
    CHECK(valid_utf8("Grüße ✓ 🚀"));
    CHECK_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(valid_utf8("\xed\xa0\x80"));      // UTF-16 surrogate
    CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(valid_utf8("\xe2\x9c"));          // cut short
    CHECK_FALSE(valid_utf8("\x80"));
}

TEST_CASE("READY=1 goes alone, after everything else, so conmon 2.1.6 passes it") {
    CHECK(outbound_datagrams({"READY=1", "STATUS=up"}) == Lines{"STATUS=up", "READY=1"});
    CHECK(outbound_datagrams({"READY=1"}) == Lines{"READY=1"});
    CHECK(outbound_datagrams({"RELOADING=1", "MONOTONIC_USEC=5"}) == Lines{"RELOADING=1\nMONOTONIC_USEC=5"});
    CHECK(outbound_datagrams({}).empty());
    // Two long lines that would not fit one datagram are split, each under the limit.
    std::string big = "BUSERROR=" + std::string(3000, 'y');
    auto out = outbound_datagrams({big, "ERRNO=5" + std::string(1500, '0')});
    REQUIRE(out.size() == 2);
    for (const auto& d : out) CHECK(d.size() <= kNotifyMaxBytes);
}

TEST_CASE("no free text carries READY=1 or WATCHDOG=1 out, which conmon 2.1.6 would take for the real one") {
    CHECK(conmon_safe("READY=1") == "READY=1");
    CHECK(conmon_safe("WATCHDOG=1") == "WATCHDOG=1");
    CHECK(conmon_safe("STATUS=waiting for caddy to send READY=1") == "STATUS=waiting for caddy to send READY = 1");
    CHECK(conmon_safe("STATUS=READY=1READY=1 WATCHDOG=1") == "STATUS=READY = 1READY = 1 WATCHDOG = 1");
    CHECK(conmon_safe("ERRNO=WATCHDOG=10") == "ERRNO=WATCHDOG = 10");
    CHECK(conmon_safe("STATUS=READY==1, WATCHDOG=trigger") == "STATUS=READY==1, WATCHDOG=trigger");
    CHECK(conmon_safe("STATUS=NOT_READY=1") == "STATUS=NOT_READY = 1");

    auto out = outbound_datagrams({"STATUS=sent READY=1 early", "READY=1", "WATCHDOG=1"});
    CHECK(out == Lines{"STATUS=sent READY = 1 early\nWATCHDOG=1", "READY=1"});
    // A long STATUS is cut to kStatusMaxBytes on a character boundary (the euro sign's 3 bytes would
    // straddle it), and rewritten after: the rewrite's 2 bytes cannot take it past systemd's limit.
    std::string full = "STATUS=READY=1" + std::string(kStatusMaxBytes - 8, 'x') + "\xe2\x82\xac" + "tail";
    auto cut = outbound_datagrams({full});
    REQUIRE(cut.size() == 1);
    CHECK(cut[0] == "STATUS=READY = 1" + std::string(kStatusMaxBytes - 8, 'x'));
    CHECK(valid_utf8(cut[0]));
    // A line at systemd's limit that the rewrite makes longer is cut on a character boundary.
    std::string errno_line = "BUSERROR=READY=1" + std::string(kNotifyMaxBytes - 19, 'x') + "\xe2\x82\xac";
    REQUIRE(errno_line.size() == kNotifyMaxBytes);
    cut = outbound_datagrams({errno_line});
    REQUIRE(cut.size() == 1);
    CHECK(cut[0].size() == kNotifyMaxBytes - 1);
    CHECK(valid_utf8(cut[0]));
}

TEST_CASE("NOTIFY_SOCKET addresses: paths and abstract names") {
    auto a = parse_notify_address("/run/notify/notify.sock");
    REQUIRE(a.ok());
    auto& p = a.value();
    CHECK(std::string(p.un().sun_path) == "/run/notify/notify.sock");
    CHECK(p.len == offsetof(sockaddr_un, sun_path) + 24);

    auto b = parse_notify_address("@sdshim/x");
    REQUIRE(b.ok());
    auto& ab = b.value();
    CHECK(ab.un().sun_path[0] == '\0');
    CHECK(std::string(ab.un().sun_path + 1, 8) == "sdshim/x");
    CHECK(ab.len == offsetof(sockaddr_un, sun_path) + 9);

    auto bad = parse_notify_address("vsock:2:1234");
    REQUIRE(!bad.ok());
    CHECK(bad.message().find("NOTIFY_SOCKET='vsock:2:1234'") == 0);
    CHECK(!parse_notify_address("relative.sock").ok());
    CHECK(!parse_notify_address("@").ok());
    CHECK(!parse_notify_address("/" + std::string(120, 'a')).ok());
}

TEST_CASE("relay queue: below the limit everything queues, at it, state changes push out the least") {
    std::deque<std::string> q;
    for (int i = 0; i < 3; ++i) CHECK(admit(q, "STATUS=" + std::to_string(i), 4).queued);
    CHECK(admit(q, "READY=1", 4).queued);
    REQUIRE(q.size() == 4);
    // Full: a STATUS line is itself dropped, the queue unchanged.
    auto a = admit(q, "STATUS=late", 4);
    CHECK_FALSE(a.queued);
    CHECK(a.dropped == std::string("STATUS=late"));
    CHECK(q == std::deque<std::string>{"STATUS=0", "STATUS=1", "STATUS=2", "READY=1"});
    // Full: STOPPING=1 pushes out the oldest datagram that is not a state change.
    a = admit(q, "STOPPING=1\nSTATUS=stopping", 4);
    CHECK(a.queued);
    CHECK(a.dropped == std::string("STATUS=0"));
    CHECK(q == std::deque<std::string>{"STATUS=1", "STATUS=2", "READY=1", "STOPPING=1\nSTATUS=stopping"});
}

TEST_CASE("relay queue: a queue full of state changes keeps them in order and drops the newcomer") {
    std::deque<std::string> q{"READY=1", "RELOADING=1", "READY=1"};
    auto a = admit(q, "STOPPING=1", 3);
    CHECK_FALSE(a.queued);
    CHECK(a.dropped == std::string("STOPPING=1"));
    CHECK(q == std::deque<std::string>{"READY=1", "RELOADING=1", "READY=1"});
}

TEST_CASE("relay queue: a state change is a whole line, not a substring") {
    CHECK(is_state_change("READY=1"));
    CHECK(is_state_change("STATUS=x\nREADY=1"));
    CHECK(is_state_change("RELOADING=1\nMONOTONIC_USEC=5"));
    CHECK_FALSE(is_state_change("STATUS=READY=1"));
    CHECK_FALSE(is_state_change("READY=10"));
    CHECK_FALSE(is_state_change("WATCHDOG=1"));
}

TEST_CASE("utf8_cut never splits a character") {
    const std::string euro = "ab\xe2\x82\xac";  // 2 + 3 bytes
    CHECK(utf8_cut(euro, 10) == 5);
    CHECK(utf8_cut(euro, 5) == 5);
    CHECK(utf8_cut(euro, 4) == 2);
    CHECK(utf8_cut(euro, 3) == 2);
    CHECK(utf8_cut(euro, 2) == 2);
    CHECK(utf8_cut(euro, 0) == 0);
}
