// Fuzz target: the sd_notify datagram parser and filter, the datagrams it re-sends, and a server's
// JSON log entries (caddy's certificate events) with the STATUS= note made of them.
#include "adapters/server_log.hpp"
#include "base/utf8.hpp"
#include "notify/notify_message.hpp"
#include "status/certificate_trouble.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

// Input: flags byte (truncated, fds passed), then the datagram.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::string_view datagram(reinterpret_cast<const char*>(data + 1), size - 1);
    auto parsed = sdshim::parse_notify(datagram, data[0] & 1, (data[0] >> 1) & 3);
    if (!parsed) {
        if (parsed.message().empty()) std::abort();
        return 0;
    }
    const sdshim::NotifyMessage* msg = &*parsed;
    // Accepted: what systemd would accept, never more.
    if (datagram.size() > sdshim::kNotifyMaxBytes || (data[0] & 1)) std::abort();
    if (datagram.find('\0') != std::string_view::npos || !sdshim::valid_utf8(datagram)) std::abort();
    if (!msg->log_entry.empty()) {  // a log entry relays nothing; what is read of it is one line of UTF-8
        if (!msg->relay.empty() || msg->ready || msg->log_entry != datagram) std::abort();
        static sdshim::CertificateTrouble trouble;  // across inputs: names come and go
        if (auto event = sdshim::caddy_certificate_event(msg->log_entry)) {
            for (const std::string* text : {&event->identifier, &event->error})
                if (!sdshim::valid_utf8(*text) || std::any_of(text->begin(), text->end(), [](char c) {
                        return static_cast<unsigned char>(c) < 0x20;
                    }))
                    std::abort();
            trouble.take(*event);
        }
        const std::string note = trouble.note();
        if (!sdshim::valid_utf8(note) || note.find('\n') != std::string::npos || note.size() > 1500) std::abort();
        return 0;
    }
    for (const auto& a : msg->relay) {
        if (a.find('=') == std::string::npos || a.find('\n') != std::string::npos) std::abort();
        if (a.rfind("MAINPID=", 0) == 0 || a.rfind("FDSTORE=", 0) == 0 || a.rfind("BARRIER=", 0) == 0) std::abort();
        if (datagram.find(a) == std::string_view::npos) std::abort();  // relayed as sent
    }
    bool has_ready = std::find(msg->relay.begin(), msg->relay.end(), "READY=1") != msg->relay.end();
    if (has_ready != msg->ready) std::abort();

    auto out = sdshim::outbound_datagrams(msg->relay);
    std::size_t lines = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].empty() || out[i].size() > sdshim::kNotifyMaxBytes) std::abort();
        // conmon < 2.1.9 takes any datagram holding the text READY=1 for READY=1: only the real one
        // holds it, alone and last; WATCHDOG=1 only as a line of its own.
        if (out[i].find("READY=1") != std::string::npos && (out[i] != "READY=1" || i + 1 != out.size())) std::abort();
        for (std::size_t at = out[i].find("WATCHDOG=1"); at != std::string::npos;
             at = out[i].find("WATCHDOG=1", at + 1)) {
            const bool line_start = at == 0 || out[i][at - 1] == '\n';
            const bool line_end = at + 10 == out[i].size() || out[i][at + 10] == '\n';
            if (!line_start || !line_end) std::abort();
        }
        if (!sdshim::valid_utf8(out[i])) std::abort();
        lines += static_cast<std::size_t>(std::count(out[i].begin(), out[i].end(), '\n')) + 1;
    }
    // Nothing lost, nothing added; repeated READY=1 lines go out once.
    auto readies = static_cast<std::size_t>(std::count(msg->relay.begin(), msg->relay.end(), "READY=1"));
    if (lines != msg->relay.size() - (readies > 1 ? readies - 1 : 0)) std::abort();
    return 0;
}
