// The server's certificates that failed and have not been obtained since: the note its STATUS= carries.
#include "readiness/certificate_trouble.hpp"

#include "notify/notify_message.hpp"

#include <algorithm>

namespace sdshim {
namespace {

constexpr std::size_t kReasonBytes = 400;  // ACME problem documents can be long; the journal has them whole
constexpr std::size_t kNoteBytes = 1500;   // and the whole note, names included: STATUS= stays short

std::string cut_utf8(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    return text.substr(0, utf8_cut(text, max)) + "...";
}

void append_names(std::string& out, const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += "; ";
    out += what;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? " " : ", ") + names[i];
}

}  // namespace

bool CertificateTrouble::take(const CertificateEvent& event) {
    const std::string before = note();
    std::erase(missing_, event.identifier);
    std::erase(unrenewed_, event.identifier);
    if (event.failed) {
        auto& shed = missing_.empty() ? unrenewed_ : missing_;  // a name of the first kind goes first
        if (missing_.size() + unrenewed_.size() >= kMaxNames) shed.erase(shed.begin());
        (event.renewal ? unrenewed_ : missing_).push_back(event.identifier);
        reason_ = cut_utf8(event.error, kReasonBytes);
    }
    return note() != before;
}

void CertificateTrouble::clear() {
    missing_.clear();
    unrenewed_.clear();
}

std::string CertificateTrouble::note() const {
    std::string out;
    append_names(out, "no certificate for", missing_);
    append_names(out, "certificate not renewed (the old one still serves) for", unrenewed_);
    if (!out.empty()) out += ": " + reason_;
    return cut_utf8(out, kNoteBytes);
}

}  // namespace sdshim
