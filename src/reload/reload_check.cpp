// The checked reload: before the server gets its reload signal, its configuration test runs (nginx -t);
// the signal goes only if the test exits 0, else the server keeps serving what it has, and the test's
// first line says why.
#include "reload/reload_check.hpp"

#include "base/log.hpp"
#include "base/utf8.hpp"
#include "core/exit_status.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sdshim {
namespace {

constexpr std::size_t kKeep = 4096;  // of the test's output: its first lines are the ones that matter

std::string shell_text(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& a : argv) {
        if (!text.empty()) text += ' ';
        const bool plain = !a.empty() && a.find_first_of(" \t'\"\\$;&|<>") == std::string::npos;
        text += plain ? a : "'" + a + "'";
    }
    return text;
}

}  // namespace

ReloadCheck::ReloadCheck(EventLoop& loop, Reaper& reaper, ReloadCheckConfig config, Passed passed, Failed failed)
    : loop_(loop),
      cfg_(std::move(config)),
      passed_(std::move(passed)),
      failed_(std::move(failed)),
      text_(shell_text(cfg_.argv)),
      deadline_(loop.add_deadline([this] {
          log::warn("reload check: `{}` still runs after {}: killed", text_, format_duration(cfg_.timeout));
          end();
          failed_(fmt::format("`{}` did not finish within {}", text_, format_duration(cfg_.timeout)));
          if (std::exchange(again_, false)) start();  // the requests made meanwhile get a run of their own
      })),
      test_(reaper) {}

ReloadCheck::~ReloadCheck() { cancel(); }

void ReloadCheck::request() {
    if (!enabled()) return passed_();
    if (test_.running()) {
        again_ = true;
        return log::info("reload check: `{}` is still running; one more reload is checked after it", text_);
    }
    start();
}

void ReloadCheck::cancel() {
    again_ = false;
    end();
}

void ReloadCheck::start() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        const int err = errno;
        ++runs_;  // a run that failed at once: its requests are answered by it
        return failed_(fmt::format("cannot run `{}`: pipe: {}", text_, std::strerror(err)));
    }
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    LaunchSpec spec;
    spec.argv = cfg_.argv;
    spec.env = cfg_.env;
    spec.pass_fds = cfg_.pass_fds;
    spec.output_fd = write_end.get();
    ++runs_;
    auto launched = test_.start(std::move(spec), [this](int status) { exited(status); });
    if (!launched) return failed_(launched.message());
    seen_.clear();
    output_ = std::move(read_end);
    log::info("reload check: running `{}` (pid {}) before the reload signal", text_, *launched);
    if (auto watched = loop_.watch(output_.get(), [this] { read_output(); }); !watched) {
        log::warn("reload check: the output of `{}` is not read: {}", text_, watched.message());
        output_.reset();
    }
    loop_.arm(deadline_, EventLoop::Clock::now() + cfg_.timeout);
}

void ReloadCheck::read_output() {
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(output_.get(), buf, sizeof buf);
        if (n > 0) {
            if (seen_.size() < kKeep) seen_.append(buf, std::min(static_cast<std::size_t>(n), kKeep - seen_.size()));
            continue;
        }
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) {  // closed: the test and its children are done
            loop_.unwatch(output_.get());
            output_.reset();
        }
        if (n < 0 && errno == EINTR) continue;
        return;
    }
}

void ReloadCheck::exited(int wait_status) {
    if (output_) read_output();  // what it wrote before it exited is in the pipe already
    const std::string output = first_line();
    const bool ok = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
    end();
    const bool again = std::exchange(again_, false);
    if (!ok) {
        failed_(fmt::format("`{}` {}{}", text_, describe_status(wait_status), output.empty() ? "" : ": " + output));
        if (again) start();
        return;
    }
    log::info("reload check: `{}` passed", text_);
    if (again) return start();  // the configuration changed since: test it again before the signal
    passed_();
}

void ReloadCheck::end() {
    loop_.arm(deadline_, std::nullopt);
    test_.abandon();  // a test still running: killed with its group, reaped as an orphan
    if (output_) {
        loop_.unwatch(output_.get());
        output_.reset();
    }
}

// The line with the error mark, else the first that says something; control characters out.
std::string ReloadCheck::first_line() const {
    std::string first;
    std::size_t start = 0;
    while (start < seen_.size()) {
        std::size_t end = seen_.find('\n', start);
        if (end == std::string::npos) end = seen_.size();
        std::string line;
        for (std::size_t i = start; i < end && line.size() <= 400; ++i)
            line.push_back(static_cast<unsigned char>(seen_[i]) >= ' ' && seen_[i] != 0x7f ? seen_[i] : ' ');
        line.resize(utf8_cut(line, 400));  // never half a character: the log line and STATUS= stay UTF-8
        start = end + 1;
        if (line.find_first_not_of(' ') == std::string::npos) continue;
        if (!cfg_.error_mark.empty() && line.find(cfg_.error_mark) != std::string::npos) return line;
        if (first.empty()) first = std::move(line);
    }
    return first;
}

}  // namespace sdshim
