// Signal rewriting (--map-signal FROM:TO) and which received signals start the stop sequence.
#pragma once

#include "base/result.hpp"

#include <map>
#include <string>
#include <string_view>

namespace sdshim {

struct SignalRule {
    int from = 0;
    int to = 0;  // 0 drops the signal
};

// Parses "FROM:TO" (names or numbers; TO may be 0). On failure returns a message that says why.
Result<SignalRule> parse_signal_rule(std::string_view text);

class SignalMap {
  public:
    void add(SignalRule rule) { rules_[rule.from] = rule.to; }  // a later rule for FROM wins
    // Only adds FROM when no rule for it exists yet: adapters' defaults never override the user.
    void add_default(SignalRule rule) { rules_.emplace(rule.from, rule.to); }
    int apply(int sig) const;
    const std::map<int, int>& rules() const { return rules_; }

  private:
    std::map<int, int> rules_;
};

// TERM, INT and QUIT: what podman stop (the image's STOPSIGNAL) and Ctrl-C send.
bool is_stop_signal(int sig);

}  // namespace sdshim
