// The server's certificates that failed and have not been obtained since: the note its STATUS= carries.
#include "status/certificate_trouble.hpp"

#include "base/log.hpp"
#include "base/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdshim {
namespace {

constexpr std::size_t kReasonBytes = 400;  // ACME problem documents can be long; the journal has them whole
constexpr std::size_t kNoteBytes = 1500;   // and the whole note, names included: STATUS= stays short

std::string cut_utf8(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    return text.substr(0, utf8_cut(text, max)) + "...";
}

// "; no certificate for a, b" within `budget` bytes: names that do not fit are counted ("and 3 more").
void append_names(std::string& out, std::size_t budget, const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += "; ";
    out += what;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string more = fmt::format(" and {} more", names.size() - i);
        const bool last = i + 1 == names.size();
        if (out.size() + 2 + names[i].size() + (last ? 0 : more.size()) > budget) {
            out += i == 0 ? more.substr(4) : more;  // " 3 more" after the label
            return;
        }
        out += (i == 0 ? " " : ", ") + names[i];
    }
}

}  // namespace

bool CertificateTrouble::take_entry(pid_t sender, std::string_view entry) {
    const auto event = reader_ ? reader_(entry) : std::nullopt;
    if (event) return take(*event);
    log::debug("log entry from pid {} ignored: no certificate event that the {} adapter reads", sender, server_);
    return false;
}

bool CertificateTrouble::take(const CertificateEvent& event) {
    const auto missing = missing_, unrenewed = unrenewed_;
    const auto reason = reason_;
    std::erase(missing_, event.identifier);
    std::erase(unrenewed_, event.identifier);
    if (event.failed) {
        auto& shed = missing_.empty() ? unrenewed_ : missing_;  // a name of the first kind goes first
        if (missing_.size() + unrenewed_.size() >= kMaxNames) shed.erase(shed.begin());
        (event.renewal ? unrenewed_ : missing_).push_back(event.identifier);
        reason_ = cut_utf8(event.error, kReasonBytes);
    }
    // By what is known, not by the note's text: a cut note could hide a new failure or reason.
    return missing_ != missing || unrenewed_ != unrenewed || (event.failed && reason_ != reason);
}

void CertificateTrouble::clear() {
    missing_.clear();
    unrenewed_.clear();
}

std::string CertificateTrouble::note() const {
    if (missing_.empty() && unrenewed_.empty()) return {};
    constexpr const char* kMissing = "no certificate for";
    constexpr const char* kUnrenewed = "certificate not renewed (the old one still serves) for";
    const std::string reason = ": " + reason_;  // the newest reason is always there, whole
    const std::size_t budget = kNoteBytes - reason.size();
    // The second list's label and count are kept free while the first is laid out.
    std::string second_at_least;
    append_names(second_at_least, 0, kUnrenewed, unrenewed_);
    std::string out;
    append_names(out, budget - second_at_least.size(), kMissing, missing_);
    append_names(out, budget, kUnrenewed, unrenewed_);
    return out + reason;
}

}  // namespace sdshim
