// Fuzz target: --map-signal rules, durations, signal names, --ready modes, NOTIFY_SOCKET addresses, and
// `sdshim check`'s targets and status lines.
#include "base/duration.hpp"
#include "base/signal_names.hpp"
#include "base/utf8.hpp"
#include "core/signal_map.hpp"
#include "health/health_check.hpp"
#include "health/health_target.hpp"
#include "notify/notify_address.hpp"
#include "notify/notify_message.hpp"
#include "readiness/ready_mode.hpp"
#include "status/status_text.hpp"

#include <sys/un.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);

    auto rule = sdshim::parse_signal_rule(text);
    if (rule) {
        const sdshim::SignalRule* r = &*rule;
        if (r->from < 1 || r->from > SIGRTMAX || r->to < 0 || r->to > SIGRTMAX) std::abort();
    } else if (rule.message().empty()) {
        std::abort();
    }

    if (auto d = sdshim::parse_duration(text)) {
        if (d->count() < 0) std::abort();
        auto again = sdshim::parse_duration(sdshim::format_duration(*d));  // formatting round-trips
        if (!again || *again != *d) std::abort();
    } else if (d.message().empty()) {  // every refusal says why
        std::abort();
    }

    if (auto sig = sdshim::parse_signal(text)) {
        if (*sig < 1 || *sig > SIGRTMAX) std::abort();
    } else if (sig.message().empty()) {
        std::abort();
    }

    if (auto mode = sdshim::parse_ready_mode(text)) {
        auto again = sdshim::parse_ready_mode(sdshim::ready_mode_name(*mode));  // the name parses back
        if (!again || again->kind != mode->kind || again->argument != mode->argument) std::abort();
    } else if (mode.message().empty()) {
        std::abort();
    }

    auto address = sdshim::parse_notify_address(text);
    if (!address) {
        if (address.message().empty()) std::abort();
    } else {
        const auto& a = *address;
        if (a.len <= offsetof(sockaddr_un, sun_path) || a.len > sizeof(sockaddr_un) || a.text != text) std::abort();
    }

    // A target's request line and Host header come from the text: no space or control character in the
    // path, and every refusal but the unknown scheme (which the option's expectation names) says why.
    if (auto target = sdshim::parse_health_target(text)) {
        if (target->text != text || target->address.len == 0) std::abort();
        for (char c : target->path)
            if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) std::abort();
        if (target->kind == sdshim::HealthTarget::Kind::http && (target->path.empty() || target->path[0] != '/'))
            std::abort();
    } else if (target.message().empty() && (text.starts_with("http://") || text.starts_with("tcp:") ||
                                            text.starts_with("unix:") || text.starts_with("https://"))) {
        std::abort();
    }

    if (auto code = sdshim::http_status(text)) {
        if (*code < 0 || *code > 999) std::abort();
        if (!text.starts_with("HTTP/") || text[5] < '0' || text[5] > '9') std::abort();  // a version, always
    } else if (code.message().empty()) {
        std::abort();
    }

    // The verdict on an answer's head, as it arrives and once the connection closed: a healthy one
    // was a final 2xx or 3xx status line; a closed answer always has a verdict.
    static const sdshim::HealthTarget http = *sdshim::parse_health_target("http://127.0.0.1:8080/");
    for (const bool closed : {false, true}) {
        const auto verdict = sdshim::verdict_from_head(http, text, closed);
        if (closed && !verdict) std::abort();
        if (verdict && verdict->healthy && text.find("HTTP/") == std::string::npos) std::abort();
        if (verdict && verdict->text.empty()) std::abort();
    }

    // Every STATUS= text: valid UTF-8, no control character, within the limit.
    const std::string status = sdshim::status_text(text);
    if (!sdshim::valid_utf8(status) || status.size() > sdshim::kStatusMaxBytes) std::abort();
    for (unsigned char c : status)
        if (c < 0x20 || c == 0x7f) std::abort();
    return 0;
}
