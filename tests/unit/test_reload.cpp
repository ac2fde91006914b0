// Unit tests: the reload gate with a fake configuration check (each asker answered once, by the
// outcome that covers it), and the real check's runs in a loop of its own (SIGCHLD through SignalIntake).
#include "core/event_loop.hpp"
#include "core/reaper.hpp"
#include "core/signal_intake.hpp"
#include "reload/reload_check.hpp"
#include "reload/reload_gate.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

// The answers the gate gave, by asker: a captureless function can only write to a static.
std::map<pid_t, std::vector<bool>> g_answers;
void record_answer(pid_t asker, bool sent) { g_answers[asker].push_back(sent); }

struct FakeCheck final : ConfigCheck {
    bool on = true;
    bool running = false;
    bool again = false;
    int cancels = 0;
    std::uint64_t runs = 0;
    bool enabled() const override { return on; }
    std::uint64_t runs_started() const override { return runs; }
    void request() override {
        if (running) {
            again = true;
            return;
        }
        running = true;
        ++runs;
    }
    void cancel() override {
        ++cancels;
        running = again = false;
    }
    // Ends the run under way; starts the one asked for meanwhile, as ReloadCheck does.
    void finish() {
        running = false;
        if (std::exchange(again, false)) request();
    }
};

struct GateFixture {
    FakeCheck check;
    std::vector<int> sent;  // the signals that reached the server
    bool server_takes_it = true;
    std::vector<std::string> refusals;
    ReloadGate gate{check,
                    [this](int sig, pid_t, const sigval*) {
                        if (server_takes_it) sent.push_back(sig);
                        return server_takes_it;
                    },
                    [this](const std::string& line) { refusals.push_back(line); },
                    "nginx",
                    SIGHUP,
                    record_answer};
    GateFixture() { g_answers.clear(); }

    // `sdshim reload` as the supervisor routes it when SIGHUP is the reload signal.
    void ask(pid_t asker) {
        if (gate.ask(asker)) gate.reload_signal(SIGHUP, asker, nullptr);
    }
};

std::vector<bool> answers(pid_t asker) { return g_answers.count(asker) ? g_answers[asker] : std::vector<bool>{}; }

}  // namespace

TEST_CASE("reload gate: without a check the signal goes at once and its asker hears it") {
    GateFixture f;
    f.check.on = false;
    f.ask(100);
    CHECK(f.sent == std::vector<int>{SIGHUP});
    CHECK(answers(100) == std::vector<bool>{true});
    f.server_takes_it = false;  // the server is gone: the forwarder dropped it
    f.ask(101);
    CHECK(answers(101) == std::vector<bool>{false});
    CHECK(f.gate.waiting() == 0);
}

TEST_CASE("reload gate: an asker is answered by the first run that starts after its request") {
    GateFixture f;
    f.ask(100);  // starts run 1
    CHECK(f.check.runs == 1);
    CHECK(f.sent.empty());
    f.ask(101);  // during run 1: covered by run 2
    CHECK(f.check.again);
    f.gate.failed("nginx: [emerg] unknown directive \"bogus\"");  // run 1's outcome: refused
    CHECK(answers(100) == std::vector<bool>{false});
    CHECK(answers(101).empty());  // its own run comes
    REQUIRE(f.refusals.size() == 1);
    CHECK(f.refusals[0] ==
          "reload refused: nginx: [emerg] unknown directive \"bogus\"; nginx goes on with its current configuration, "
          "and got no SIGHUP");
    f.check.finish();  // run 2 starts, and passes
    CHECK(f.check.runs == 2);
    f.gate.passed();
    CHECK(f.sent == std::vector<int>{SIGHUP});
    CHECK(answers(100) == std::vector<bool>{false});  // never a second answer
    CHECK(answers(101) == std::vector<bool>{true});
    CHECK(f.gate.waiting() == 0);
}

TEST_CASE("reload gate: a pass that the server did not take is a refusal") {
    GateFixture f;
    f.ask(100);
    f.server_takes_it = false;
    f.gate.passed();
    CHECK(answers(100) == std::vector<bool>{false});
}

TEST_CASE("reload gate: closing cancels the check and refuses every asker, now and later") {
    GateFixture f;
    f.ask(100);
    f.ask(101);
    f.gate.close();
    CHECK(f.check.cancels == 1);
    CHECK(answers(100) == std::vector<bool>{false});
    CHECK(answers(101) == std::vector<bool>{false});
    CHECK_FALSE(f.gate.ask(102));
    CHECK(answers(102) == std::vector<bool>{false});
    f.gate.reload_signal(SIGHUP, 1, nullptr);  // a plain SIGHUP during the stop goes nowhere
    CHECK(f.sent.empty());
    CHECK(f.check.runs == 1);
}

TEST_CASE("reload gate: askers past the limit are refused at once, the others still wait") {
    GateFixture f;
    f.check.running = true;  // a run under way: every request waits for the next
    for (pid_t p = 1; p <= static_cast<pid_t>(ReloadAskers::kMaxWaiting); ++p) REQUIRE(f.gate.ask(p));
    CHECK_FALSE(f.gate.ask(5000));
    CHECK(answers(5000) == std::vector<bool>{false});
    CHECK(f.gate.waiting() == ReloadAskers::kMaxWaiting);
    f.gate.other_signal(true);  // SIGHUP went on as another signal: everyone hears it went
    CHECK(f.gate.waiting() == 0);
    CHECK(answers(1) == std::vector<bool>{true});
}

namespace {

// A loop with SIGCHLD wired to the reaper, as the supervisor has it; the process's signal mask is
// given back at the end.
struct CheckRig {
    sigset_t old_mask;
    std::optional<std::string> outcome;  // "passed" or the reason
    CheckRig() { ::sigprocmask(SIG_SETMASK, nullptr, &old_mask); }
    ~CheckRig() { ::sigprocmask(SIG_SETMASK, &old_mask, nullptr); }

    std::string run(std::vector<std::string> argv, Millis timeout = 10s, int requests = 1) {
        EventLoop loop;
        Reaper reaper;
        SignalIntake signals(loop, [&](const signalfd_siginfo& si) {
            if (si.ssi_signo == SIGCHLD) reaper.reap();
        });
        int outcomes = 0;
        ReloadCheckConfig cfg;
        cfg.argv = std::move(argv);
        cfg.error_mark = "[emerg]";
        cfg.timeout = timeout;
        ReloadCheck check(
            loop, reaper, cfg,
            [&] {
                outcome = "passed";
                if (++outcomes == 1) loop.stop();
            },
            [&](const std::string& why) {
                outcome = why;
                if (++outcomes == 1) loop.stop();
            });
        const auto guard = loop.add_deadline([&] { loop.stop(); });
        loop.arm(guard, EventLoop::Clock::now() + 20s);
        for (int i = 0; i < requests; ++i) check.request();
        REQUIRE(loop.run());
        runs = check.runs_started();
        return outcome.value_or("no outcome within 20 s");
    }
    std::uint64_t runs = 0;
};

}  // namespace

TEST_CASE("reload check: a test that exits 0 passes") {
    CheckRig rig;
    CHECK(rig.run({"/bin/sh", "-c", "echo fine; exit 0"}) == "passed");
    CHECK(rig.runs == 1);
}

TEST_CASE("reload check: a failing test says its error line and how it ended") {
    CheckRig rig;
    const std::string why =
        rig.run({"/bin/sh", "-c", "echo 'testing the configuration'; echo 'nginx: [emerg] bad \"x\"' >&2; exit 1"});
    CHECK(why.starts_with("`/bin/sh -c '"));                                 // the command as a shell would take it
    CHECK(why.ends_with("` exited with code 1: nginx: [emerg] bad \"x\""));  // the marked line, not the first
}

TEST_CASE("reload check: a test still running at the timeout fails and is killed with its group") {
    CheckRig rig;
    const std::string why = rig.run({"/bin/sh", "-c", "sleep 30 & sleep 30"}, 300ms);
    CHECK(why.find("did not finish within 300ms") != std::string::npos);
}

TEST_CASE("reload check: requests during a run get one more run after it") {
    CheckRig rig;
    CHECK(rig.run({"/bin/sh", "-c", "sleep 0.2"}, 10s, 3) == "passed");
    CHECK(rig.runs == 2);  // the two requests made during run 1 share run 2; only run 2 says passed
}
