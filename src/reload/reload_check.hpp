// The checked reload: before the server gets its reload signal, its configuration test runs (nginx -t);
// the signal goes only if the test exits 0, else the server keeps serving what it has, and the test's
// first line says why.
#pragma once

#include "base/duration.hpp"
#include "base/unique_fd.hpp"
#include "core/event_loop.hpp"
#include "core/reaper.hpp"
#include "launch/group_child.hpp"
#include "reload/config_check.hpp"

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sdshim {

struct ReloadCheckConfig {
    std::vector<std::string> argv;  // the test; empty: none, the signal goes at once
    std::vector<std::string> env;   // the server's own: a test that binds its sockets finds them inherited
    std::vector<int> pass_fds;      // the inherited sockets, at the numbers the server has them
    std::string error_mark;         // the output line that holds it says what is wrong ("[emerg]")
    Millis timeout{60000};          // a test still running then has failed
};

class ReloadCheck final : public ConfigCheck {
  public:
    using Passed = std::function<void()>;                    // send the reload signal now
    using Failed = std::function<void(const std::string&)>;  // the reason, one line

    ReloadCheck(EventLoop& loop, Reaper& reaper, ReloadCheckConfig config, Passed passed, Failed failed);
    ~ReloadCheck();
    ReloadCheck(const ReloadCheck&) = delete;
    ReloadCheck& operator=(const ReloadCheck&) = delete;

    bool enabled() const override { return !cfg_.argv.empty(); }
    std::uint64_t runs_started() const override { return runs_; }  // `passed` and `failed` speak for this run
    // A reload was asked for: starts the test, or, while one runs, asks for one more after it. Without
    // a test, `passed` at once.
    void request() override;
    // The stop sequence: the test under way is killed, and nothing more is sent.
    void cancel() override;
    const std::string& command_text() const { return text_; }

  private:
    void start();
    void exited(int wait_status);
    void read_output();
    void end();
    std::string first_line() const;

    EventLoop& loop_;
    ReloadCheckConfig cfg_;
    Passed passed_;
    Failed failed_;
    std::string text_;  // "nginx -g 'daemon off;' -t -q", for messages
    EventLoop::DeadlineId deadline_;
    GroupChild test_;     // the test and whatever it started
    UniqueFd output_;     // the read end of the test's stdout and stderr
    std::string seen_;    // its first 4 KiB
    bool again_ = false;  // a request came while the test ran
    std::uint64_t runs_ = 0;
};

}  // namespace sdshim
