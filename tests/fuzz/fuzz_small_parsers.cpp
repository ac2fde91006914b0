// Fuzz target: --map-signal rules, durations, signal names, --ready modes and NOTIFY_SOCKET addresses.
#include "base/duration.hpp"
#include "base/signal_names.hpp"
#include "core/signal_map.hpp"
#include "notify/notify_address.hpp"
#include "readiness/ready_mode.hpp"

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
    return 0;
}
