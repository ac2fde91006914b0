// Unit tests: the event loop (fds, deadlines, defer, unwatch), the reaper's callbacks and the stop
// sequence's deadlines.
#include "core/event_loop.hpp"
#include "core/reaper.hpp"
#include "core/shutdown.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        ::close(r);
        ::close(w);
    }
    void put(const char* s) const { REQUIRE(::write(w, s, 1) == 1); }
};

}  // namespace

namespace {
int reached_some(int) { return 1; }
int reached_none(int) { return 0; }
}  // namespace

TEST_CASE("stop sequence: a stop signal gives the server --grace, then SIGKILL, then 2 s, then it gives up") {
    StopSequence stop(Millis(8000), Millis(2000), reached_some);
    const auto t0 = StopSequence::Clock::now();
    CHECK_FALSE(stop.stopping());
    CHECK(stop.stop_requested(t0) == t0 + 8000ms);
    CHECK(stop.stopping());
    CHECK(stop.stop_requested(t0 + 1000ms) == t0 + 8000ms);  // a second stop signal changes nothing
    // The main child exits at t0+1s with others left: they get exit_grace, which comes first.
    CHECK(stop.main_exited_with_survivors(t0 + 1000ms) == t0 + 3000ms);
    CHECK(stop.deadline_expired(t0 + 3000ms) == t0 + 5000ms);  // SIGKILL sent; 2 s more at most
    CHECK_FALSE(stop.gave_up());
    CHECK(stop.stop_requested(t0 + 4000ms) == t0 + 5000ms);
    CHECK(stop.deadline_expired(t0 + 5000ms) == std::nullopt);
    CHECK(stop.gave_up());
}

TEST_CASE("stop sequence: with no process left at the deadline nothing is killed and nothing more awaited") {
    StopSequence stop(Millis(3000), Millis(2000), reached_none);
    const auto t0 = StopSequence::Clock::now();
    CHECK(stop.stop_requested(t0) == t0 + 3000ms);
    CHECK(stop.deadline_expired(t0 + 3000ms) == std::nullopt);  // no "sending SIGKILL", no 2 s wait
    CHECK_FALSE(stop.gave_up());
}

TEST_CASE("stop sequence: the stop deadline wins when it is earlier than exit_grace") {
    StopSequence stop(Millis(3000), Millis(2000));
    const auto t0 = StopSequence::Clock::now();
    CHECK(stop.stop_requested(t0) == t0 + 3000ms);
    CHECK(stop.main_exited_with_survivors(t0 + 2500ms) == t0 + 3000ms);
}

TEST_CASE("stop sequence: the main child exiting by itself gives the rest exit_grace, once") {
    StopSequence stop(Millis(8000), Millis(2000));
    const auto t0 = StopSequence::Clock::now();
    CHECK(stop.main_exited_with_survivors(t0) == t0 + 2000ms);
    CHECK(stop.stopping());
    CHECK(stop.main_exited_with_survivors(t0 + 500ms) == t0 + 2000ms);
    CHECK(stop.stop_requested(t0 + 500ms) == t0 + 2000ms);  // already stopping: the deadline stays
}

TEST_CASE("event loop: a readable fd calls its handler, unwatch inside it stops delivery") {
    EventLoop loop;
    Pipe p;
    std::vector<std::string> seen;
    REQUIRE(loop.watch(p.r, [&] {
        char c;
        REQUIRE(::read(p.r, &c, 1) == 1);
        seen.push_back(std::string(1, c));
        if (c == 'b') {
            loop.unwatch(p.r);
            loop.defer([&] { seen.push_back("deferred"); });
            loop.stop();
        }
    }));
    p.put("a");
    p.put("b");
    REQUIRE(loop.run());
    CHECK(seen == std::vector<std::string>{"a", "b", "deferred"});
    // Unwatched: more data is not delivered (a deadline ends the second run).
    p.put("c");
    auto end = loop.add_deadline([&] { loop.stop(); });
    loop.arm(end, EventLoop::Clock::now() + 20ms);
    REQUIRE(loop.run());
    CHECK(seen.size() == 3);
}

TEST_CASE("event loop: what a handler throws (out of memory) is shed, and the loop goes on") {
    EventLoop loop;
    Pipe p, q;
    std::vector<std::string> seen;
    REQUIRE(loop.watch(p.r, [&] {
        char c;
        REQUIRE(::read(p.r, &c, 1) == 1);
        throw std::bad_alloc();
    }));
    REQUIRE(loop.watch(q.r, [&] {
        char c;
        REQUIRE(::read(q.r, &c, 1) == 1);
        seen.push_back("q");
        loop.defer([] { throw std::runtime_error("a deferred task failed"); });
    }));
    auto timer = loop.add_deadline([&] {
        seen.push_back("timer");
        throw std::runtime_error("a timer failed");
    });
    auto end = loop.add_deadline([&] { loop.stop(); });
    p.put("a");
    q.put("b");
    loop.arm(timer, EventLoop::Clock::now() + 10ms);
    loop.arm(end, EventLoop::Clock::now() + 50ms);
    REQUIRE(loop.run());
    CHECK(seen == std::vector<std::string>{"q", "timer"});
}

TEST_CASE("event loop: a watch the kernel refuses is an Error, and leaves nothing registered") {
    EventLoop loop;
    Pipe p;
    REQUIRE(loop.watch(p.r, [] {}));
    const auto twice = loop.watch(p.r, [] {});
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().code == EEXIST);
    const auto closed = loop.watch(9999, [] {});  // not an open fd
    REQUIRE_FALSE(closed.ok());
    CHECK(closed.error().code == EBADF);
    CHECK(closed.message() == "epoll_ctl(ADD, fd 9999): Bad file descriptor");
    CHECK_FALSE(loop.modify(9999, 0).ok());
    CHECK(loop.watch(9999, [] {}).error().code == EBADF);  // not EEXIST: the failed watch was not kept
}

TEST_CASE(
    "event loop: its sole fd with no deadline armed is waited for in wait_alone, another fd or a deadline "
    "brings epoll back") {
    EventLoop loop;
    Pipe p, q;
    std::vector<std::string> seen;
    auto far = loop.add_deadline([&] { seen.push_back("deadline"); });
    auto take = [](int fd) {
        char c = 0;
        REQUIRE(::read(fd, &c, 1) == 1);  // blocking: a wait that returned early would hang here or fail
        return std::string(1, c);
    };
    REQUIRE(loop.watch(p.r, [&] {
        const auto c = take(p.r);
        seen.push_back("epoll " + c);
        if (c == "b") {
            loop.arm(far, std::nullopt);
            REQUIRE(loop.watch(q.r, [&] {
                seen.push_back("epoll q " + take(q.r));
                loop.unwatch(q.r);
                p.put("d");
            }));
            q.put("c");
        }
    }));
    loop.wait_alone_in(p.r, [&] {
        const auto c = take(p.r);
        seen.push_back("alone " + c);
        if (c == "a") {
            loop.arm(far, EventLoop::Clock::now() + 1h);
            p.put("b");
        } else {
            loop.stop();
        }
    });
    p.put("a");
    REQUIRE(loop.run());
    CHECK(seen == std::vector<std::string>{"alone a", "epoll b", "epoll q c", "alone d"});
}

TEST_CASE("event loop: deadlines fire once, in order, not before their time, and may re-arm themselves") {
    EventLoop loop;
    std::vector<int> order;
    const auto start = EventLoop::Clock::now();
    EventLoop::DeadlineId first = 0, second = 0, never = 0;
    int rearmed = 0;
    first = loop.add_deadline([&] {
        order.push_back(1);
        CHECK(EventLoop::Clock::now() >= start + 5ms);
        if (++rearmed < 3) loop.arm(first, EventLoop::Clock::now() + 1ms);
    });
    second = loop.add_deadline([&] {
        order.push_back(2);
        loop.stop();
    });
    never = loop.add_deadline([&] { order.push_back(99); });
    loop.arm(never, EventLoop::Clock::now() + 1ms);
    loop.arm(never, std::nullopt);  // disarmed before it was due
    loop.arm(first, start + 5ms);
    loop.arm(second, start + 200ms);
    REQUIRE(loop.run());
    CHECK(order == std::vector<int>{1, 1, 1, 2});
}

namespace {
pid_t child_exiting_with(int code) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(code);
    return pid;
}
}  // namespace

TEST_CASE("reaper: an awaited pid's exit goes to its callback once, every other child is an orphan") {
    Reaper reaper;
    const pid_t awaited = child_exiting_with(7), forgotten = child_exiting_with(8), other = child_exiting_with(9);
    REQUIRE(awaited > 0);
    REQUIRE(forgotten > 0);
    REQUIRE(other > 0);
    std::vector<int> statuses;
    reaper.expect(awaited, [&](int status) { statuses.push_back(status); });
    reaper.expect(forgotten, [&](int) { FAIL("a forgotten pid's callback ran"); });
    reaper.forget(forgotten);
    // A callback may expect a pid of its own (the next probe): it is heard of in a later round.
    int orphans = 0;
    bool none_left = false;
    for (int round = 0; round < 500 && !none_left; ++round) {
        const Reaper::Round r = reaper.reap();
        orphans += r.orphans;
        none_left = r.none_left;
        if (!none_left) ::usleep(2000);
    }
    CHECK(none_left);
    REQUIRE(statuses.size() == 1);
    CHECK(WIFEXITED(statuses[0]));
    CHECK(WEXITSTATUS(statuses[0]) == 7);
    CHECK(orphans == 2);  // the forgotten one and the other
}

TEST_CASE("reaper: a callback that expects a new pid hears of its exit in a later round") {
    Reaper reaper;
    int first = -1, second = -1;
    reaper.expect(child_exiting_with(1), [&](int status) {
        first = WEXITSTATUS(status);
        reaper.expect(child_exiting_with(2), [&](int s) { second = WEXITSTATUS(s); });
    });
    for (int round = 0; round < 500 && second < 0; ++round) {
        reaper.reap();
        if (second < 0) ::usleep(2000);
    }
    CHECK(first == 1);
    CHECK(second == 2);
}
