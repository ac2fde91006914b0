// Unit tests: signal names, --map-signal rules and the forwarding policy.
#include "base/signal_names.hpp"
#include "core/forwarder.hpp"
#include "core/signal_map.hpp"

#include <catch2/catch.hpp>

#include <csignal>

using namespace sdshim;

TEST_CASE("signal names and numbers and real-time offsets") {
    CHECK(parse_signal("TERM") == SIGTERM);
    CHECK(parse_signal("SIGTERM") == SIGTERM);
    CHECK(parse_signal("sigterm") == SIGTERM);
    CHECK(parse_signal("15") == SIGTERM);
    CHECK(parse_signal("WINCH") == SIGWINCH);
    CHECK(parse_signal("RTMIN") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    CHECK(parse_signal("RTMAX-1") == SIGRTMAX - 1);
    CHECK_FALSE(parse_signal("RTMAX+1"));
    CHECK_FALSE(parse_signal("RTMIN-1"));
    CHECK_FALSE(parse_signal("0"));
    CHECK_FALSE(parse_signal("65"));
    CHECK_FALSE(parse_signal("-15"));
    CHECK_FALSE(parse_signal(""));
    CHECK_FALSE(parse_signal("TERMINATE"));
    CHECK(signal_name(SIGTERM) == "SIGTERM");
    CHECK(signal_name(SIGABRT) == "SIGABRT");
    CHECK(signal_name(SIGRTMIN + 3) == "SIGRTMIN+3");
}

TEST_CASE("map rules FROM:TO where TO=0 drops and uncatchable FROM is refused") {
    auto rule = (parse_signal_rule("TERM:QUIT")).value();
    CHECK(rule.from == SIGTERM);
    CHECK(rule.to == SIGQUIT);
    CHECK((parse_signal_rule("1:0")).value().to == 0);
    CHECK((parse_signal_rule("USR1:KILL")).value().to == SIGKILL);
    CHECK(!(parse_signal_rule("STOP:TERM")).ok());
    CHECK(!(parse_signal_rule("TERM:")).ok());
    CHECK(!(parse_signal_rule(":TERM")).ok());
    CHECK(!(parse_signal_rule("TERM-QUIT")).ok());

    SignalMap map;
    map.add({SIGTERM, SIGQUIT});
    map.add_default({SIGTERM, SIGINT});  // a default never overrides the user's rule
    map.add_default({SIGWINCH, 0});
    CHECK(map.apply(SIGTERM) == SIGQUIT);
    CHECK(map.apply(SIGWINCH) == 0);
    CHECK(map.apply(SIGUSR2) == SIGUSR2);
}

TEST_CASE("forwarding policy") {
    SignalMap map;
    map.add({SIGTERM, SIGQUIT});
    map.add({SIGHUP, 0});
    const pid_t self = 1;

    auto d = decide_forward(SIGUSR1, 0, self, true, map);
    CHECK(d.action == ForwardDecision::Action::forward);
    CHECK(d.signal == SIGUSR1);
    CHECK_FALSE(d.starts_stop);

    d = decide_forward(SIGTERM, 0, self, true, map);
    CHECK(d.signal == SIGQUIT);
    CHECK(d.starts_stop);  // stop-ness follows what podman sent, not what the child gets

    d = decide_forward(SIGINT, 42, self, true, map);
    CHECK(d.starts_stop);

    d = decide_forward(SIGHUP, 0, self, true, map);
    CHECK(d.action == ForwardDecision::Action::drop);
    CHECK_FALSE(d.starts_stop);

    SignalMap drop_term;
    drop_term.add({SIGTERM, 0});
    CHECK_FALSE(decide_forward(SIGTERM, 0, self, true, drop_term).starts_stop);

    // The shim's own SIGPIPE (broken stderr) is not the server's business; somebody else's is.
    CHECK(decide_forward(SIGPIPE, self, self, true, map).action == ForwardDecision::Action::drop);
    CHECK(decide_forward(SIGPIPE, 0, self, true, map).action == ForwardDecision::Action::forward);

    CHECK(decide_forward(SIGUSR1, 0, self, false, map).action == ForwardDecision::Action::drop);
}
