// Unit tests of the Supervisor itself: a child of this test runs it on a plan made from a command line,
// the server is a shell script, and the manager is a datagram socket bound here. Loop, clock and reaper
// are the real ones; what is checked is where each event is routed, not how long anything takes.
#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "config/cli.hpp"
#include "plan/run_plan.hpp"
#include "supervisor.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

// Stands in for systemd's notify socket: every datagram the Supervisor relays, in order.
class Manager {
  public:
    Manager() {
        char dir[] = "/tmp/sdshim-supervisor.XXXXXX";
        REQUIRE(::mkdtemp(dir) != nullptr);
        dir_ = dir;
        path_ = dir_ + "/notify";
        fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
        REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~Manager() { std::filesystem::remove_all(dir_); }
    const std::string& path() const { return path_; }
    std::string dir() const { return dir_; }

    // Reads datagrams until one contains `text` (true) or 10 s pass (false).
    bool wait_for(const std::string& text) {
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < until) {
            if (read_some(100ms) && heard_.back().find(text) != std::string::npos) return true;
        }
        return false;
    }
    void read_rest() {
        while (read_some(0ms)) {
        }
    }
    const std::vector<std::string>& heard() const { return heard_; }
    std::size_t count(const std::string& line) const {
        return std::count_if(heard_.begin(), heard_.end(), [&](const std::string& d) {
            return ("\n" + d + "\n").find("\n" + line + "\n") != std::string::npos;
        });
    }
    bool any_contains(const std::string& text) const {
        return std::any_of(heard_.begin(), heard_.end(),
                           [&](const std::string& d) { return d.find(text) != std::string::npos; });
    }

  private:
    bool read_some(std::chrono::milliseconds wait) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return false;
        char buf[4096];
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n < 0) return false;
        heard_.emplace_back(buf, static_cast<std::size_t>(n));
        return true;
    }

    std::string dir_, path_;
    UniqueFd fd_;
    std::vector<std::string> heard_;
};

// The Supervisor on `args` (sdshim's options, `--`, the server) in a child of this test.
pid_t start_supervisor(const std::vector<std::string>& args, const Manager& manager) {
    std::vector<std::string> argv{"sdshim"};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    int code = 99;  // the child never returns into Catch2
    try {
        auto request = parse_cli(argv, [](const char*) -> const char* { return nullptr; });
        if (!request) ::_exit(98);
        configure_logging("error", request->options.log_format);
        RunInputs inputs;
        inputs.environment = {"NOTIFY_SOCKET=" + manager.path(), "PATH=/usr/bin:/bin"};
        inputs.self = ::getpid();
        auto plan = plan_run(request->options, inputs);
        if (!plan) ::_exit(97);
        Supervisor supervisor(std::move(*plan));
        code = supervisor.run();
    } catch (...) {
    }
    ::_exit(code);
}

// The shim's exit code; -1 if it did not end within 10 s (it is then killed).
int exit_code_of(pid_t shim) {
    int status = 0;
    for (int i = 0; i < 1000; ++i) {
        if (::waitpid(shim, &status, WNOHANG) == shim)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(10ms);
    }
    ::kill(shim, SIGKILL);
    ::waitpid(shim, &status, 0);
    return -1;
}

// Sleeps in steps for up to 30 s: a script that outlives its test ends by itself, and cannot hold
// CTest's output pipe open.
constexpr const char* kLoop = "i=0; while [ $i -lt 1500 ]; do sleep 0.02; i=$((i+1)); done";

// A server that runs until a signal: `on_term` is the shell's trap for SIGTERM ("exit 0"; "" ignores it).
// It writes its pid file once its traps are set: a signal sent earlier would find none.
std::vector<std::string> looping_server(const Manager& manager, const std::string& on_term,
                                        const std::string& more_traps = "") {
    return {"--", "/bin/sh", "-c",
            "trap '" + on_term + "' TERM; " + more_traps + " echo $$ > " + manager.dir() + "/server.pid; " + kLoop};
}

// Whether a process here can be a child subreaper (qemu-user refuses the prctl: EINVAL).
bool subreaper_possible() {
    const pid_t probe = ::fork();
    if (probe == 0) ::_exit(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : 1);
    int status = 0;
    return ::waitpid(probe, &status, 0) == probe && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Options, then the server: ready once the looping server's pid file names it, unless `options` say otherwise.
std::vector<std::string> run_with(const Manager& manager, std::vector<std::string> options,
                                  const std::vector<std::string>& server) {
    options.insert(options.begin(), "--ready=pidfile:" + manager.dir() + "/server.pid");
    options.insert(options.end(), server.begin(), server.end());
    return options;
}

}  // namespace

TEST_CASE("supervisor: the server's exit code is the shim's, after READY=1 and a STATUS= that says how it ended") {
    Manager manager;
    const pid_t shim = start_supervisor({"--ready=exec", "--", "/bin/sh", "-c", "sleep 0.1; exit 7"}, manager);
    CHECK(exit_code_of(shim) == 7);
    manager.read_rest();
    REQUIRE(!manager.heard().empty());
    CHECK(manager.count("READY=1") == 1);
    CHECK(manager.heard().back() == "STATUS=sh exited with code 7");
    CHECK(manager.count("STOPPING=1") == 0);  // the server ended by itself: nothing was stopped
}

TEST_CASE("supervisor: a stop signal goes to the server, and the manager hears STOPPING=1 once, with why") {
    Manager manager;
    const pid_t shim = start_supervisor(run_with(manager, {}, looping_server(manager, "exit 0")), manager);
    REQUIRE(manager.wait_for("READY=1"));
    ::kill(shim, SIGTERM);
    CHECK(exit_code_of(shim) == 0);
    manager.read_rest();
    CHECK(manager.count("STOPPING=1") == 1);
    CHECK(manager.any_contains("STATUS=stopping sh: SIGTERM sent, SIGKILL in 8s"));
}

TEST_CASE("supervisor: a server that outlives --grace is killed, with its children") {
    Manager manager;
    const pid_t shim = start_supervisor(run_with(manager, {"--grace=0.2s"}, looping_server(manager, "")), manager);
    REQUIRE(manager.wait_for("READY=1"));
    ::kill(shim, SIGTERM);
    CHECK(exit_code_of(shim) == 128 + SIGKILL);
    manager.read_rest();
    CHECK(manager.count("STOPPING=1") == 1);
    CHECK(manager.heard().back() == "STATUS=sh killed by SIGKILL");
}

TEST_CASE("supervisor: another signal is forwarded, and starts no stop") {
    Manager manager;
    const pid_t shim =
        start_supervisor(run_with(manager, {}, looping_server(manager, "exit 0", "trap 'exit 5' USR1;")), manager);
    REQUIRE(manager.wait_for("READY=1"));
    ::kill(shim, SIGUSR1);
    CHECK(exit_code_of(shim) == 5);
    manager.read_rest();
    CHECK(manager.count("STOPPING=1") == 0);
    CHECK(manager.heard().back() == "STATUS=sh exited with code 5");
}

TEST_CASE("supervisor: a server never seen serving gets no READY=1, the stop says why and the shim exits 1") {
    Manager manager;
    const pid_t shim = start_supervisor(
        run_with(manager, {"--ready=cmd:false", "--ready-timeout=0.3s"}, looping_server(manager, "exit 0")), manager);
    CHECK(exit_code_of(shim) == 1);
    manager.read_rest();
    CHECK(manager.count("READY=1") == 0);
    REQUIRE(manager.count("STOPPING=1") == 1);
    CHECK(manager.any_contains("STATUS=sh did not become ready within 300ms (--ready-timeout)"));
}

TEST_CASE("supervisor: what the server leaves running gets SIGTERM, and the shim exits with its code after it") {
    if (!subreaper_possible()) {  // not PID 1 here: without a subreaper, orphans are not the shim's
        WARN("skipped: PR_SET_CHILD_SUBREAPER is refused here (qemu-user)");
        return;
    }
    Manager manager;
    const std::string trapped = manager.dir() + "/orphan-trapped", done = manager.dir() + "/orphan-done";
    // The server exits once its child has set its trap; the child, orphaned, ends on SIGTERM.
    const std::string script = "(trap 'touch " + done + "; exit 0' TERM; touch " + trapped + "; " + kLoop +
                               ") & while [ ! -e " + trapped + " ]; do sleep 0.01; done; exit 3";
    const pid_t shim = start_supervisor({"--ready=exec", "--", "/bin/sh", "-c", script}, manager);
    CHECK(exit_code_of(shim) == 3);
    CHECK(::access(done.c_str(), F_OK) == 0);  // it ran its trap before the shim exited
}
