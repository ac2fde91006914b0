// The server's certificates that failed and have not been obtained since: the note its STATUS= carries.
#pragma once

#include "adapters/server_log.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sdshim {

class CertificateTrouble {
  public:
    static constexpr std::size_t kMaxNames = 16;  // failing names remembered; a flood of them costs no more
    // The adapter's reader of the server's JSON log entries (caddy's certificate events); null: it reads none.
    using Reader = std::optional<CertificateEvent> (*)(std::string_view entry);

    // `server` names the adapter in the line about an entry it does not read.
    explicit CertificateTrouble(Reader reader = nullptr, std::string server = {})
        : reader_(reader), server_(std::move(server)) {}

    // One log entry from `sender`, read by the adapter; true when note() changed.
    bool take_entry(pid_t sender, std::string_view entry);
    // Takes one event; true when note() changed.
    bool take(const CertificateEvent& event);
    // A new configuration (a reload) starts over: names it no longer has would never be cleared.
    void clear();
    // "" while every certificate is fine, else what the status adds after "caddy is ready":
    // "; no certificate for whoami.example.com, static.example.com: <the latest reason>", at most
    // 1,500 bytes: names that do not fit are counted ("and 3 more"), the reason (at most 403) is whole.
    std::string note() const;

  private:
    Reader reader_;
    std::string server_;
    std::vector<std::string> missing_;    // no certificate yet: the first one failed
    std::vector<std::string> unrenewed_;  // the renewal failed: the old certificate still serves
    std::string reason_;                  // the latest failure's
};

}  // namespace sdshim
