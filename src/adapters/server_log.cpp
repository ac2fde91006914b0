// What a server's structured log entries tell about its certificates (caddy's ACME obtain and renew).
#include "adapters/server_log.hpp"

#include "base/json_field.hpp"

namespace sdshim {

std::optional<CertificateEvent> caddy_certificate_event(std::string_view entry) {
    const auto logger = json_string(entry, "logger");
    if (!logger || (*logger != "tls.obtain" && *logger != "tls.renew")) return std::nullopt;
    auto msg = json_string(entry, "msg");
    auto identifier = json_string(entry, "identifier");
    if (!msg || !identifier || identifier->empty()) return std::nullopt;
    CertificateEvent event{std::move(*identifier), *logger == "tls.renew", false, {}};
    if (*msg == "could not get certificate from issuer") {
        event.failed = true;
        event.error = json_string(entry, "error").value_or("no reason given");
        return event;
    }
    if (*msg == "certificate obtained successfully" || *msg == "certificate renewed successfully") return event;
    return std::nullopt;
}

}  // namespace sdshim
