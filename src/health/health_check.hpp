// One look at a health target (`sdshim check`, blocking) and what the looks of --ready=http:// share
// with it: the request, and the verdict read from the start of an answer.
#pragma once

#include "base/duration.hpp"
#include "base/result.hpp"
#include "health/health_target.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

struct HealthVerdict {
    bool healthy = false;
    std::string text;  // "http://127.0.0.1:8080/ answered HTTP/1.1 200 OK"
};

// Connects (and for http sends one GET and reads the status line) within `timeout`. A process of
// its own, started by podman's healthcheck: it blocks, for at most `timeout`; PID 1 never calls it.
HealthVerdict check_health(const HealthTarget& target, Millis timeout);

// The GET that an http target is asked (HTTP/1.1, Connection: close); empty for tcp: and unix:.
std::string health_request(const HealthTarget& target);
// The verdict once `head` (what the server sent so far; `closed`: and then closed the connection)
// holds a status line or can hold none; nullopt while more is to come.
std::optional<HealthVerdict> verdict_from_head(const HealthTarget& target, std::string_view head, bool closed);

// The code of a status line ("HTTP/1.1 503 Service Unavailable": 503), or why it is none.
Result<int> http_status(std::string_view status_line);
// 2xx and 3xx serve; a redirect is a server that answers.
inline bool healthy_status(int code) { return code >= 200 && code <= 399; }

}  // namespace sdshim
