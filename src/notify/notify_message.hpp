// sd_notify datagrams: validation, what is relayed past podman and what is dropped, and how it is re-sent.
#pragma once

#include "base/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdshim {

// systemd reads notifications into a PIPE_BUF buffer and ignores longer datagrams.
inline constexpr std::size_t kNotifyMaxBytes = 4096;

struct NotifyMessage {
    std::vector<std::string> relay;    // assignments to pass on, in the sender's order
    std::vector<std::string> dropped;  // "MAINPID=7: a pid inside the container means nothing outside it"
    bool ready = false;                // READY=1 is among `relay`
    bool reloading = false;
    bool stopping = false;
    // A datagram that starts with '{' is no notification but one JSON log entry of the server's
    // (caddy's `log { output net unixgram/{$NOTIFY_SOCKET} }`): kept whole here, for its adapter.
    std::string log_entry;
};

// Parses one received datagram the way systemd does: newline-separated KEY=VALUE assignments,
// UTF-8, no NUL bytes, at most kNotifyMaxBytes. `truncated` is recvmsg's MSG_TRUNC; `fds` how
// many descriptors came with it (they are never relayed). The error says why the whole datagram is ignored.
// A log entry (see NotifyMessage::log_entry) passes the same checks and relays nothing.
Result<NotifyMessage> parse_notify(std::string_view datagram, bool truncated, std::size_t fds);

// The datagrams to send onwards: every STATUS= made fit by status_text(); everything but READY=1
// together first, then READY=1 alone,
// because conmon 2.1.6 relays a datagram only when it holds READY=1 or WATCHDOG=1.
// conmon < 2.1.9 also takes any datagram that merely *contains* the text READY=1 or WATCHDOG=1 for
// that message, so free text (STATUS=, ERRNO=, ...) never carries it out: see conmon_safe().
std::vector<std::string> outbound_datagrams(const std::vector<std::string>& relay);

// `line` with every "READY=1" and "WATCHDOG=1" inside it written "READY = 1" and "WATCHDOG = 1",
// unless the line is that very state change. "STATUS=waiting for caddy to send READY=1" would
// otherwise tell systemd, through conmon 2.1.6, that the service is ready.
std::string conmon_safe(std::string_view line);

}  // namespace sdshim
