// Unit tests: the readiness state machine (start, polling back-off, timeout, reload, the server's
// own READY=1, a probe that cannot run, an early exit) and the watchdog's verdicts, driven by a
// scripted probe in a real event loop.
#include "core/event_loop.hpp"
#include "readiness/readiness.hpp"
#include "watchdog/watchdog.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/wait.h>

#include <deque>
#include <string>
#include <vector>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

using Lines = std::vector<std::string>;

// Answers from a script, one per look; once it runs out, the last answer again. A pending answer
// is the probe's process at work: `answer_now` gives its result, as the reaper's callback would.
struct ScriptedProbe : Probe {
    explicit ScriptedProbe(PollSchedule poll = {}, bool workers = false) : Probe(poll, workers) {}
    std::deque<Look> script;
    Look last = Look::not_serving("not yet");
    int looks = 0;
    std::vector<Question> asked;
    int cancels = 0;

    Look look(const Question& q) override {
        ++looks;
        asked.push_back(q);
        if (!script.empty()) {
            last = script.front();
            script.pop_front();
        }
        return last;
    }
    Description describe() const override { return {"the script", "waiting for the script"}; }
    void cancel() override { ++cancels; }
    void answer_now(const Look& look) const { answer(look); }
};

struct Rig {
    EventLoop loop;
    std::vector<Lines> notified;
    std::vector<std::string> failures;
    int ready_calls = 0;
    ScriptedProbe* probe = nullptr;
    std::unique_ptr<Readiness> readiness;
    EventLoop::DeadlineId guard;

    explicit Rig(std::unique_ptr<ScriptedProbe> p, Millis timeout = Millis(60000), bool outer = true,
                 ReadyKind mode = ReadyKind::listen, ServerKind kind = ServerKind::generic) {
        probe = p.get();
        ReadinessConfig cfg;
        cfg.check.adapter = &adapter_for(kind);
        cfg.check.program = "server";
        cfg.check.mode = ReadyMode{mode, {}};
        cfg.timeout = timeout;
        cfg.notify_outer = outer;
        readiness = std::make_unique<Readiness>(loop, cfg,
                                                Readiness::Hooks{[this](const Lines& l) { notified.push_back(l); },
                                                                 [this](const std::string& line) {
                                                                     failures.push_back(line);
                                                                     loop.stop();
                                                                 },
                                                                 [this] {
                                                                     ++ready_calls;
                                                                     loop.stop();
                                                                 }},
                                                std::move(p));
        // Only a hang ends here: no test waits for it.
        guard = loop.add_deadline([this] {
            FAIL_CHECK("the loop ran for 60 s");
            loop.stop();
        });
    }
    void run() {
        loop.arm(guard, EventLoop::Clock::now() + 60s);
        REQUIRE(loop.run());
    }
    void run_for(Millis d) {
        auto stop = loop.add_deadline([this] { loop.stop(); });
        loop.arm(stop, EventLoop::Clock::now() + d);
        REQUIRE(loop.run());
    }
    bool said(const std::string& line) const {
        for (const auto& n : notified)
            for (const auto& l : n)
                if (l == line) return true;
        return false;
    }
};

std::unique_ptr<ScriptedProbe> scripted(std::initializer_list<Look> looks, PollSchedule poll = {},
                                        bool workers = false) {
    auto p = std::make_unique<ScriptedProbe>(poll, workers);
    p->script.assign(looks.begin(), looks.end());
    return p;
}

}  // namespace

TEST_CASE("readiness: waits, polls until the probe sees the server serve, then READY=1 once") {
    Rig rig(scripted({Look::not_serving("not yet"), Look::not_serving("not yet"), Look::not_serving("still not"),
                      Look::serving("seen")}));
    rig.readiness->started(42);
    REQUIRE(rig.notified.size() == 1);
    CHECK(rig.notified[0] == Lines{"STATUS=waiting for the script"});
    CHECK_FALSE(rig.readiness->ready());
    rig.run();
    CHECK(rig.probe->looks == 4);
    CHECK(rig.readiness->ready());
    CHECK(rig.ready_calls == 1);
    CHECK(rig.notified.back() == Lines{"STATUS=server is ready", "READY=1"});
    CHECK(rig.failures.empty());
}

TEST_CASE("readiness: a probe that never says yes ends in the timeout line, and the look under way is cancelled") {
    Rig rig(scripted({Look::not_serving("no")}), Millis(30));
    rig.readiness->started(42);
    rig.run();
    REQUIRE(rig.failures.size() == 1);
    CHECK(rig.failures[0] == "server did not become ready within 30ms (--ready-timeout): waited for the script");
    CHECK(rig.probe->looks >= 1);
    CHECK(rig.probe->cancels == 1);
    CHECK(rig.probe->asked.front().starting);
    CHECK(rig.probe->asked.front().main_pid == 42);
    CHECK_FALSE(rig.readiness->ready());
    CHECK_FALSE(rig.said("READY=1"));
}

TEST_CASE("readiness: polling backs off from the schedule's first delay, doubling up to its maximum") {
    const Look no = Look::not_serving("no");
    Rig rig(scripted({no, no, no, no, no, Look::serving("seen")}, PollSchedule{false, Millis(8), Millis(20)}));
    const auto t0 = EventLoop::Clock::now();
    rig.readiness->started(42);
    rig.run();
    // 8 + 16 + 20 + 20 + 20 + 20 ms at the least; a loaded machine only adds to it.
    CHECK(EventLoop::Clock::now() - t0 >= 104ms);
    CHECK(rig.probe->looks == 6);
}

TEST_CASE("readiness: a probe that cannot run stops the wait with its own line") {
    Rig rig(scripted({Look::cannot_run("--ready=cmd: cannot execute '/bin/sh': No such file or directory")},
                     PollSchedule{true, Millis(100), Millis(2000)}));
    rig.readiness->started(42);
    REQUIRE(rig.failures.size() == 1);
    CHECK(rig.failures[0] == "--ready=cmd: cannot execute '/bin/sh': No such file or directory");
    CHECK_FALSE(rig.readiness->ready());
}

TEST_CASE("readiness: where the server decides, its READY=1 is relayed and ends the wait, elsewhere it is dropped") {
    NotifyMessage ready_msg;
    ready_msg.relay = {"STATUS=up", "READY=1"};
    ready_msg.ready = true;

    Rig rig(nullptr, Millis(60000), true, ReadyKind::notify);
    rig.readiness->started(42);
    CHECK(rig.notified.front() == Lines{"STATUS=waiting for server to send READY=1"});
    CHECK(rig.readiness->relayable(42, ready_msg) == Lines{"STATUS=up", "READY=1"});
    CHECK(rig.readiness->ready());
    CHECK(rig.ready_calls == 1);
    CHECK_FALSE(rig.said("READY=1"));  // the server's own, relayed by the caller: none synthesized

    Rig shim_decides(scripted({Look::not_serving("no")}));
    shim_decides.readiness->started(42);
    CHECK(shim_decides.readiness->relayable(42, ready_msg) == Lines{"STATUS=up"});
    CHECK_FALSE(shim_decides.readiness->ready());
    NotifyMessage status_only;
    status_only.relay = {"STATUS=still starting"};
    CHECK(shim_decides.readiness->relayable(42, status_only) == Lines{"STATUS=still starting"});
}

TEST_CASE("readiness: without an outer NOTIFY_SOCKET nothing waits for a server's READY=1") {
    Rig rig(nullptr, Millis(10), false, ReadyKind::notify);
    rig.readiness->started(42);
    CHECK(rig.notified.empty());
    CHECK_FALSE(rig.readiness->ready());
}

TEST_CASE("readiness: notify's timeout names what else to try") {
    Rig rig(nullptr, Millis(20), true, ReadyKind::notify);
    rig.readiness->started(42);
    rig.run();
    REQUIRE(rig.failures.size() == 1);
    CHECK(rig.failures[0] ==
          "server did not become ready within 20ms (--ready-timeout): waited for server to send "
          "READY=1; if it does not speak sd_notify, use --ready=listen, exec or cmd:COMMAND");
}

TEST_CASE("readiness: exec is ready at the start, with READY=1 and no look") {
    Rig rig(nullptr, Millis(60000), true, ReadyKind::exec);
    rig.readiness->started(42);
    CHECK(rig.readiness->ready());
    CHECK(rig.ready_calls == 1);
    CHECK(rig.notified.back() == Lines{"STATUS=server is ready", "READY=1"});
}

TEST_CASE("readiness: a pending look waits for its process's answer, which ends the wait") {
    Rig rig(scripted({Look::pending()}, PollSchedule{true, Millis(100), Millis(2000)}));
    rig.readiness->started(42);
    CHECK(rig.probe->looks == 1);  // at once, then nothing until the answer
    rig.probe->answer_now(Look::not_serving("'check' exited with code 1"));
    rig.probe->script.assign({Look::pending()});
    rig.run_for(150ms);
    CHECK(rig.probe->looks == 2);  // the next look, after the schedule's first delay
    rig.probe->answer_now(Look::serving("'check' exited 0"));
    CHECK(rig.readiness->ready());
    rig.probe->answer_now(Look::not_serving("late"));  // an answer after the verdict changes nothing
    CHECK(rig.readiness->ready());
    CHECK(rig.failures.empty());
}

TEST_CASE("readiness: a reload says RELOADING=1, then READY=1 once the probe sees the new workers") {
    Rig rig(
        scripted({Look::serving("first"), Look::not_serving("old workers"), Look::serving("new workers")}, {}, true));
    rig.readiness->started(42);
    rig.run();
    REQUIRE(rig.readiness->ready());
    rig.notified.clear();
    rig.readiness->before_reload();
    rig.readiness->reload_signalled();
    CHECK_FALSE(rig.readiness->ready());
    REQUIRE(rig.notified.size() == 1);
    CHECK(rig.notified[0][0] == "RELOADING=1");
    CHECK(rig.notified[0][1].rfind("MONOTONIC_USEC=", 0) == 0);
    CHECK(rig.notified[0][2] == "STATUS=reloading server");
    // The ready hook is for the first readiness only; the loop is stopped by a deadline here.
    auto stop = rig.loop.add_deadline([&] { rig.loop.stop(); });
    while (!rig.readiness->ready()) {
        rig.loop.arm(stop, EventLoop::Clock::now() + 5ms);
        REQUIRE(rig.loop.run());
    }
    CHECK(rig.ready_calls == 1);
    CHECK(rig.notified.back() == Lines{"STATUS=server reloaded", "READY=1"});
}

TEST_CASE("readiness: a reload whose new workers never come keeps the old configuration, and says so") {
    Rig rig(scripted({Look::serving("first"), Look::not_serving("old workers")}, {}, true), Millis(30));
    rig.readiness->started(42);
    rig.run();
    rig.readiness->before_reload();
    rig.readiness->reload_signalled();
    auto stop = rig.loop.add_deadline([&] { rig.loop.stop(); });
    while (!rig.readiness->ready()) {
        rig.loop.arm(stop, EventLoop::Clock::now() + 10ms);
        REQUIRE(rig.loop.run());
    }
    CHECK(rig.notified.back() == Lines{"STATUS=reload failed: server kept its previous configuration", "READY=1"});
    CHECK(rig.failures.empty());
}

TEST_CASE("readiness: a probe that does not watch workers ignores reloads") {
    Rig rig(scripted({Look::serving("first")}));
    rig.readiness->started(42);
    rig.run();
    rig.notified.clear();
    rig.readiness->before_reload();
    rig.readiness->reload_signalled();
    CHECK(rig.readiness->ready());
    CHECK(rig.notified.empty());
}

TEST_CASE("readiness: an exit before ready is explained by the adapter, else by how it ended") {
    const int exit1 = 1 << 8;  // a wait status: exited with code 1
    REQUIRE(WIFEXITED(exit1));
    Look unpolled = Look::not_serving("no new worker polls fd 3");
    unpolled.unpolled = {SocketInfo{3, "web", AF_INET, SOCK_STREAM, 0, true, false, "0.0.0.0:8081", 7}};
    Rig rig(scripted({unpolled}, PollSchedule{true}, true));
    rig.readiness->started(42);
    CHECK(rig.readiness->server_exited(exit1) == "server exited with code 1 before it was ready");  // generic

    Rig nginx(scripted({unpolled}, PollSchedule{true}, true), Millis(60000), true, ReadyKind::listen,
              ServerKind::nginx);
    nginx.readiness->started(42);
    CHECK(nginx.readiness->server_exited(exit1).find(
              "nginx exited with code 1 before its workers polled inherited fd 3 'web' (0.0.0.0:8081)") == 0);

    Rig plain(scripted({Look::not_serving("no")}));
    plain.readiness->started(42);
    CHECK(plain.readiness->server_exited(exit1) == "server exited with code 1 before it was ready");

    Rig after(scripted({Look::serving("seen")}));
    after.readiness->started(42);
    after.run();
    CHECK(after.readiness->server_exited(0) == "server exited with code 0");
}

TEST_CASE("watchdog: WATCHDOG=1 while the probe passes, withheld once, with the reason, when it fails") {
    EventLoop loop;
    std::vector<Lines> sent;
    auto p = scripted(
        {Look::serving("ok"), Look::not_serving("it stopped"), Look::not_serving("it stopped"), Look::serving("ok")});
    ScriptedProbe& probe = *p;
    WatchdogConfig cfg;
    cfg.check.program = "server";
    cfg.check.mode = ReadyMode{ReadyKind::listen, {}};
    cfg.interval = Millis(20);
    Watchdog dog(
        loop, cfg, [&](const Lines& l) { sent.push_back(l); }, std::move(p));
    auto stop = loop.add_deadline([&] { loop.stop(); });
    dog.start(42);
    while (probe.looks < 4) {
        loop.arm(stop, EventLoop::Clock::now() + 5ms);
        REQUIRE(loop.run());
    }
    dog.stop();
    REQUIRE(sent.size() == 4);
    CHECK(sent[0] == Lines{"WATCHDOG=1"});
    CHECK(sent[1] == Lines{"STATUS=not serving: it stopped"});  // the second failure says nothing more
    CHECK(sent[2] == Lines{"STATUS=server serves again"});
    CHECK(sent[3] == Lines{"WATCHDOG=1"});
    CHECK(dog.relayable({"WATCHDOG=1", "STATUS=x", "WATCHDOG=trigger"}) == Lines{"STATUS=x", "WATCHDOG=trigger"});
}

TEST_CASE("watchdog: a server that pings by itself: nothing synthesized, and its WATCHDOG=1 passes") {
    EventLoop loop;
    std::vector<Lines> sent;
    WatchdogConfig cfg;
    cfg.check.program = "server";
    cfg.check.mode = ReadyMode{ReadyKind::notify, {}};
    cfg.interval = Millis(20000);
    Watchdog dog(
        loop, cfg, [&](const Lines& l) { sent.push_back(l); }, nullptr);
    dog.start(42);
    CHECK(sent.empty());
    CHECK(dog.relayable({"WATCHDOG=1"}) == Lines{"WATCHDOG=1"});
}

namespace {
NotifyMessage message(std::initializer_list<const char*> lines) {
    NotifyMessage m;
    for (const char* l : lines) {
        m.relay.emplace_back(l);
        m.ready |= std::string(l) == "READY=1";
        m.reloading |= std::string(l) == "RELOADING=1";
    }
    return m;
}
}  // namespace

TEST_CASE("readiness: a server's own reload is relayed with the READY=1 that ends it, or not at all") {
    Rig rig(scripted({Look::serving("seen")}));
    // Before sdshim's READY=1: neither its RELOADING=1 nor its READY=1.
    rig.readiness->started(42);
    CHECK(rig.readiness->relayable(42, message({"RELOADING=1", "MONOTONIC_USEC=5", "STATUS=x"})) == Lines{"STATUS=x"});
    CHECK(rig.readiness->relayable(42, message({"READY=1"})).empty());
    rig.run();
    REQUIRE(rig.readiness->ready());
    // A READY=1 on its own is still sdshim's to decide.
    CHECK(rig.readiness->relayable(42, message({"READY=1"})).empty());
    // Once ready: RELOADING=1 passes, a second one during the reload does not, and the next READY=1
    // ends it; the READY=1 after that is dropped again.
    CHECK(rig.readiness->relayable(42, message({"RELOADING=1", "MONOTONIC_USEC=7"})) ==
          Lines{"RELOADING=1", "MONOTONIC_USEC=7"});
    CHECK(rig.readiness->relayable(42, message({"RELOADING=1", "MONOTONIC_USEC=8"})).empty());
    CHECK(rig.readiness->relayable(42, message({"STATUS=loading", "READY=1"})) == Lines{"STATUS=loading", "READY=1"});
    CHECK(rig.readiness->relayable(42, message({"READY=1"})).empty());
}

TEST_CASE(
    "readiness: a server that sends READY=1 but no STATUS= gets sdshim's with each state change, and no "
    "RELOADING=1 before it is ready") {
    Rig rig(nullptr, Millis(60000), true, ReadyKind::notify);
    rig.readiness->started(42);
    CHECK(rig.notified.back() == Lines{"STATUS=waiting for server to send READY=1"});
    // caddy loads its configuration with RELOADING=1 before its first READY=1: not relayed.
    CHECK(rig.readiness->relayable(42, message({"RELOADING=1", "MONOTONIC_USEC=3"})).empty());
    CHECK(rig.readiness->relayable(42, message({"READY=1"})) == Lines{"READY=1", "STATUS=server is ready"});
    REQUIRE(rig.readiness->ready());
    CHECK(rig.readiness->relayable(42, message({"RELOADING=1", "MONOTONIC_USEC=9"})) ==
          Lines{"RELOADING=1", "MONOTONIC_USEC=9", "STATUS=reloading server"});
    CHECK(rig.readiness->relayable(42, message({"READY=1"})) == Lines{"READY=1", "STATUS=server reloaded"});
    CHECK(rig.readiness->relayable(42, message({"READY=1"})) == Lines{"READY=1"});  // nothing changed
    // Once the server sets STATUS= itself, its text stands.
    CHECK(rig.readiness->relayable(42, message({"STATUS=serving 3 sites"})) == Lines{"STATUS=serving 3 sites"});
    CHECK(rig.readiness->relayable(42, message({"RELOADING=1"})) == Lines{"RELOADING=1"});
    CHECK(rig.readiness->relayable(42, message({"READY=1"})) == Lines{"READY=1"});
}

TEST_CASE("readiness: a look that could not be taken (out of fds or processes) is tried again, not a failure") {
    Rig rig(scripted({Look::unknown("cannot start '/bin/sh': Resource temporarily unavailable"), Look::unknown("again"),
                      Look::serving("seen")}));
    rig.readiness->started(42);
    rig.run();
    CHECK(rig.failures.empty());
    CHECK(rig.readiness->ready());
    CHECK(rig.probe->looks == 3);
}

TEST_CASE("watchdog: a look whose process has not answered a whole period later is a failure") {
    EventLoop loop;
    std::vector<Lines> sent;
    auto p = scripted({Look::pending(), Look::pending()});
    ScriptedProbe& probe = *p;
    WatchdogConfig cfg;
    cfg.check.program = "server";
    cfg.check.mode = ReadyMode{ReadyKind::command, "check"};
    cfg.interval = Millis(1000);
    Watchdog dog(
        loop, cfg, [&](const Lines& l) { sent.push_back(l); }, std::move(p));
    dog.start(42);
    CHECK(probe.looks == 1);
    CHECK_FALSE(probe.asked.front().starting);
    auto stop = loop.add_deadline([&] { loop.stop(); });
    loop.arm(stop, EventLoop::Clock::now() + 700ms);  // the second round: the first look is still pending
    REQUIRE(loop.run());
    CHECK(probe.cancels == 1);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0] == Lines{"STATUS=not serving: no answer within 500ms"});
    probe.answer_now(Look::serving("'check' exited 0"));  // the second look's answer: a ping again
    CHECK(sent.back() == Lines{"WATCHDOG=1"});
    dog.stop();
}

TEST_CASE("watchdog: a round that could not look sends neither a ping nor a verdict") {
    EventLoop loop;
    std::vector<Lines> sent;
    auto probe = scripted({Look::unknown("out of fds"), Look::serving("ok")});
    ServingCheck check;
    check.program = "server";
    check.mode = ReadyMode{ReadyKind::listen, {}};
    Watchdog dog(
        loop, WatchdogConfig{check, Millis(1000)}, [&](const Lines& l) { sent.push_back(l); }, std::move(probe));
    dog.start(42);  // the first round, at once: it could not look
    CHECK(sent.empty());
    auto stop = loop.add_deadline([&] { loop.stop(); });
    loop.arm(stop, EventLoop::Clock::now() + 700ms);  // the second round, 500 ms later: it serves
    REQUIRE(loop.run());
    dog.stop();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0] == Lines{"WATCHDOG=1"});  // no "STATUS=not serving", no "serves again"
}

TEST_CASE("readiness: the server's certificate events are the note on its ready status, said again when it changes") {
    Rig rig(scripted({Look::serving("seen")}), Millis(60000), true, ReadyKind::listen, ServerKind::caddy);
    const std::string failed =
        R"({"level":"error","logger":"tls.obtain","msg":"could not get certificate from issuer",)"
        R"("identifier":"a.example","error":"connection refused"})";
    const std::string obtained =
        R"({"level":"info","logger":"tls.obtain","msg":"certificate obtained successfully","identifier":"a.example"})";
    rig.readiness->started(42);
    CHECK_FALSE(rig.readiness->take_log_entry(42, failed));  // not ready: nothing to say yet, but noted
    rig.run();
    CHECK(rig.notified.back() ==
          Lines{"STATUS=server is ready; no certificate for a.example: connection refused", "READY=1"});
    CHECK(rig.readiness->take_log_entry(42, obtained) == "server is ready");
    CHECK_FALSE(rig.readiness->take_log_entry(42, obtained));  // nothing changed: nothing to say
    CHECK(rig.readiness->take_log_entry(42, failed) ==
          "server is ready; no certificate for a.example: connection refused");

    NotifyMessage reloading;  // the server's own reload: the new configuration's names start over
    reloading.reloading = true;
    reloading.relay = {"RELOADING=1"};
    rig.readiness->relayable(42, reloading);
    NotifyMessage ready;
    ready.ready = true;
    ready.relay = {"READY=1"};
    rig.readiness->relayable(42, ready);
    CHECK(rig.readiness->serving_status() == "server is ready");
}
