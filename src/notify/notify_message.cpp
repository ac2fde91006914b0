// sd_notify datagrams: validation, what is relayed past podman and what is dropped, and how it is re-sent.
#include "notify/notify_message.hpp"

#include "base/utf8.hpp"
#include "status/status_text.hpp"

#include <fmt/format.h>

#include <array>

namespace sdshim {
namespace {

bool valid_key(std::string_view key) {
    if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
    for (char c : key)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// Keys whose value may be anything; flags that systemd acts on only with one exact value.
constexpr std::array<std::string_view, 6> kRelayedKeys{
    "STATUS", "ERRNO", "BUSERROR", "MONOTONIC_USEC", "EXTEND_TIMEOUT_USEC", "VARLINKERROR"};
constexpr std::array<std::string_view, 5> kFdKeys{"FDSTORE", "FDSTOREREMOVE", "FDNAME", "FDPOLL", "BARRIER"};

std::optional<std::string> drop_reason(std::string_view key, std::string_view value) {
    if (key == "READY" || key == "RELOADING" || key == "STOPPING")
        return value == "1" ? std::nullopt : std::optional<std::string>("only =1 means anything to systemd");
    if (key == "WATCHDOG")
        return value == "1" || value == "trigger" ? std::nullopt
                                                  : std::optional<std::string>("only =1 and =trigger are defined");
    for (auto k : kRelayedKeys)
        if (key == k) return std::nullopt;
    if (key == "MAINPID") return std::string("a pid inside the container means nothing outside it");
    for (auto k : kFdKeys)
        if (key == k) return std::string("file descriptors cannot cross podman's notify proxy");
    return std::string("not passed on by podman's notify proxy");
}

std::string shorten(std::string_view line) {
    constexpr std::size_t kMax = 80;
    if (line.size() <= kMax) return std::string(line);
    return fmt::format("{}... ({} bytes)", line.substr(0, kMax), line.size());
}

}  // namespace

Result<NotifyMessage> parse_notify(std::string_view datagram, bool truncated, std::size_t fds) {
    if (truncated || datagram.size() > kNotifyMaxBytes)
        return Error{fmt::format("longer than systemd's limit of {} bytes", kNotifyMaxBytes)};
    if (datagram.empty()) return Error{"empty"};
    if (datagram.find('\0') != std::string_view::npos) return Error{"contains a NUL byte"};
    if (!valid_utf8(datagram)) return Error{"not valid UTF-8"};

    NotifyMessage msg;
    if (datagram.front() == '{') msg.log_entry = datagram;
    std::size_t start = msg.log_entry.empty() ? 0 : datagram.size();  // a log entry has no lines to read
    while (start < datagram.size()) {
        std::size_t end = datagram.find('\n', start);
        if (end == std::string_view::npos) end = datagram.size();
        std::string_view line = datagram.substr(start, end - start);
        start = end + 1;
        if (line.empty()) continue;  // "READY=1\n" from many senders
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || !valid_key(line.substr(0, eq)))
            return Error{fmt::format("line '{}' is not KEY=VALUE", shorten(line))};
        std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
        if (auto why = drop_reason(key, value)) {
            msg.dropped.push_back(fmt::format("{}: {}", shorten(line), *why));
            continue;
        }
        msg.ready |= key == "READY";
        msg.reloading |= key == "RELOADING";
        msg.stopping |= key == "STOPPING";
        msg.relay.emplace_back(line);
    }
    if (fds > 0)
        msg.dropped.push_back(
            fmt::format("{} file descriptor(s): closed, podman's notify proxy cannot pass them", fds));
    return msg;
}

std::string conmon_safe(std::string_view line) {
    if (line == "READY=1" || line == "WATCHDOG=1") return std::string(line);
    std::string out(line);
    // Neither replacement holds "=1", so it cannot make a new match with the text around it.
    for (auto [text, safe] : {std::pair{std::string_view("READY=1"), std::string_view("READY = 1")},
                              std::pair{std::string_view("WATCHDOG=1"), std::string_view("WATCHDOG = 1")}}) {
        for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + safe.size()))
            out.replace(at, text.size(), safe);
    }
    return out;
}

std::vector<std::string> outbound_datagrams(const std::vector<std::string>& relay) {
    std::vector<std::string> out;
    std::string rest;
    bool ready = false;
    for (const auto& original : relay) {
        if (original == "READY=1") {
            ready = true;
            continue;
        }
        // Every STATUS=, sdshim's and the server's, leaves through status_text().
        std::string line = conmon_safe(original.starts_with("STATUS=") ? status_line(original.substr(7)) : original);
        // only a rewritten line at the limit: cut it, on a UTF-8 boundary
        if (line.size() > kNotifyMaxBytes) line.resize(utf8_cut(line, kNotifyMaxBytes));
        if (!rest.empty() && rest.size() + 1 + line.size() > kNotifyMaxBytes) {
            out.push_back(std::move(rest));
            rest.clear();
        }
        if (!rest.empty()) rest += '\n';
        rest += line;
    }
    if (!rest.empty()) out.push_back(std::move(rest));
    if (ready) out.emplace_back("READY=1");
    return out;
}

}  // namespace sdshim
