// What a server's structured log entries tell about its certificates (caddy's ACME obtain and renew).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

struct CertificateEvent {
    std::string identifier;  // the domain: "whoami.example.com"
    bool renewal = false;    // a renewal (the old certificate still serves), not a first certificate
    bool failed = false;
    std::string error;  // the server's reason when it failed
};

// caddy's JSON entries of its loggers tls.obtain and tls.renew (certmagic's): "could not get
// certificate from issuer" (one per attempt and issuer) and "certificate obtained/renewed
// successfully". Every other entry: std::nullopt.
std::optional<CertificateEvent> caddy_certificate_event(std::string_view entry);

}  // namespace sdshim
