// Unit tests: signal names, --map-signal rules, the forwarding policy and the signal intake.
#include "base/signal_names.hpp"
#include "core/event_loop.hpp"
#include "core/forwarder.hpp"
#include "core/signal_intake.hpp"
#include "core/signal_map.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <vector>

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

namespace {

struct MaskKept {  // the intake blocks every signal: the test process gets its mask back
    sigset_t old;
    MaskKept() { ::sigprocmask(SIG_SETMASK, nullptr, &old); }
    ~MaskKept() { ::sigprocmask(SIG_SETMASK, &old, nullptr); }
};

}  // namespace

TEST_CASE("signal intake: every queued signal of one wake-up reaches the handler, with its value") {
    MaskKept kept;
    EventLoop loop;
    std::vector<int> values;
    SignalIntake intake(loop, [&](const signalfd_siginfo& si) {
        CHECK(si.ssi_signo == static_cast<std::uint32_t>(SIGRTMIN));
        CHECK(si.ssi_pid == static_cast<std::uint32_t>(::getpid()));
        values.push_back(si.ssi_int);
        if (values.size() == 40) loop.stop();
    });
    for (int i = 0; i < 40; ++i) REQUIRE(::sigqueue(::getpid(), SIGRTMIN, sigval{i}) == 0);  // over two batches
    const auto guard = loop.add_deadline([&] { loop.stop(); });
    loop.arm(guard, EventLoop::Clock::now() + std::chrono::seconds(5));
    REQUIRE(loop.run());
    REQUIRE(values.size() == 40);
    for (int i = 0; i < 40; ++i) CHECK(values[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("signal intake: a failing handler sheds its one signal, the rest are taken up again at once") {
    MaskKept kept;
    EventLoop loop;
    int calls = 0;
    std::vector<int> handled;
    SignalIntake intake(loop, [&](const signalfd_siginfo& si) {
        if (++calls == 1) throw std::bad_alloc();  // the loop logs it and goes on
        handled.push_back(si.ssi_int);
        if (handled.size() == 20) loop.stop();
    });
    // 21 signals: the first batch of 16 is read and its first one fails; the other 15 of that batch
    // and the 5 left in the signalfd raise no new edge: only the intake's own deadline brings them in.
    for (int i = 0; i < 21; ++i) REQUIRE(::sigqueue(::getpid(), SIGRTMIN + 1, sigval{i}) == 0);
    const auto guard = loop.add_deadline([&] { loop.stop(); });
    loop.arm(guard, EventLoop::Clock::now() + std::chrono::seconds(5));
    REQUIRE(loop.run());
    REQUIRE(handled.size() == 20);
    for (int i = 1; i < 21; ++i) CHECK(handled[static_cast<std::size_t>(i - 1)] == i);
}
