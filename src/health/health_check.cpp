// One look at a health target (`sdshim check`, blocking) and what the looks of --ready=http:// share
// with it: the request, and the verdict read from the start of an answer.
#include "health/health_check.hpp"

#include "base/net.hpp"
#include "base/unique_fd.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

namespace sdshim {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHead = 8192;  // of the answer, before its final status line

// What a server sent, fit for one line: printable ASCII, at most 120 characters.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 120)) out.push_back(c >= ' ' && c < 0x7f ? c : '?');
    return out;
}

class Deadline {
  public:
    explicit Deadline(Millis timeout) : timeout_(timeout), at_(Clock::now() + timeout) {}
    // Until `fd` is ready for `events`, or an Error once the time is up.
    Status wait(int fd, short events) const {
        for (;;) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(at_ - Clock::now()).count();
            pollfd p{fd, events, 0};
            const int n = ::poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 0, INT_MAX)));
            if (n > 0) return {};
            if (n == 0) return Error{fmt::format("no answer within {}", format_duration(timeout_)), ETIMEDOUT};
            if (errno != EINTR) return Error{fmt::format("poll: {}", std::strerror(errno)), errno};
        }
    }

  private:
    Millis timeout_;
    Clock::time_point at_;
};

Status send_all(int fd, std::string_view data, const Deadline& deadline) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (errno == EAGAIN) {
            if (auto ready = deadline.wait(fd, POLLOUT); !ready) return ready;
        } else if (errno != EINTR) {
            return Error{fmt::format("send: {}", std::strerror(errno)), errno};
        }
    }
    return {};
}

// Until the answer's head settles the verdict (a server may send the status line in pieces).
HealthVerdict read_verdict(const HealthTarget& target, int fd, const Deadline& deadline) {
    std::string head;
    char buf[512];
    for (;;) {
        if (auto ready = deadline.wait(fd, POLLIN); !ready) return {false, target.text + ": " + ready.message()};
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0)
            head.append(buf, static_cast<std::size_t>(n));
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
            return {false, fmt::format("{}: recv: {}", target.text, std::strerror(errno))};
        if (auto verdict = verdict_from_head(target, head, n == 0)) return *verdict;
    }
}

}  // namespace

Result<int> http_status(std::string_view line) {
    // "HTTP/1.1 200 OK", "HTTP/2 204": HTTP/ and a version (a digit, or digit.digit), one space, three
    // digits, then a space or the end, as curl reads it.
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!line.starts_with("HTTP/")) return Error{"the answer is not HTTP"};
    std::size_t at = 5;
    if (at < line.size() && digit(line[at]))
        ++at;
    else
        return Error{"the status line has no HTTP version"};
    if (at + 1 < line.size() && line[at] == '.' && digit(line[at + 1])) at += 2;
    if (at >= line.size() || line[at] != ' ') return Error{"the status line has no HTTP version"};
    const std::string_view code = line.substr(at + 1, 3);
    if (code.size() != 3 || !std::all_of(code.begin(), code.end(), digit) ||
        (line.size() > at + 4 && line[at + 4] != ' '))
        return Error{"the status line has no three-digit code"};
    return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
}

std::string health_request(const HealthTarget& target) {
    if (target.kind != HealthTarget::Kind::http) return {};
    return fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: sdshim\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                       target.path, target.host);
}

std::optional<HealthVerdict> verdict_from_head(const HealthTarget& target, std::string_view head, bool closed) {
    const auto unhealthy = [&](const std::string& why) { return HealthVerdict{false, target.text + ": " + why}; };
    // Interim answers (100 Continue, 103 Early Hints) come before the final one: each is a status
    // line and headers up to an empty line, skipped as curl does. Lines may end in CRLF or LF alone.
    std::size_t start = 0;
    std::string_view interim;  // the interim status line whose headers are being skipped
    for (;;) {
        const auto end = head.find('\n', start);
        if (end == std::string_view::npos) {
            if (head.size() > kMaxHead) return unhealthy("no final status line in the first 8 KiB of the answer");
            if (!closed) return std::nullopt;
            if (!interim.empty())
                return unhealthy(fmt::format("the connection was closed after '{}'", printable(interim)));
            return unhealthy(head.empty() ? "the connection was closed without an answer"
                                          : "the connection was closed inside the answer's head");
        }
        std::string_view line = head.substr(start, end - start);
        start = end + 1;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (!interim.empty()) {
            if (line.empty()) interim = {};  // its headers end here
            continue;
        }
        auto code = http_status(line);
        if (!code) return unhealthy(fmt::format("{}: '{}'", code.message(), printable(line)));
        if (*code < 100 || *code > 199 || *code == 101)
            return HealthVerdict{healthy_status(*code), fmt::format("{} answered {}", target.text, printable(line))};
        interim = line;
    }
}

HealthVerdict check_health(const HealthTarget& target, Millis timeout) {
    const Deadline deadline(timeout);
    const auto unhealthy = [&](const std::string& why) { return HealthVerdict{false, target.text + ": " + why}; };
    UniqueFd fd;
    auto started = start_connect(target.address, fd);
    if (!started) return unhealthy(started.message());
    if (*started == Connect::in_progress) {
        if (auto ready = deadline.wait(fd.get(), POLLOUT); !ready) return unhealthy("connect: " + ready.message());
        if (auto connected = connect_result(fd.get()); !connected) return unhealthy(connected.message());
    }
    if (target.kind != HealthTarget::Kind::http) return {true, target.text + " accepts connections"};

    if (auto sent = send_all(fd.get(), health_request(target), deadline); !sent) return unhealthy(sent.message());
    return read_verdict(target, fd.get(), deadline);
}

}  // namespace sdshim
