// --ready=target: the server serves once every --bridge target accepts a connection.
#include "readiness/probe.hpp"

#include "base/net.hpp"

#include <fmt/format.h>

#include <poll.h>

#include <cerrno>

namespace sdshim {
namespace {

// One non-blocking connect: true when the target completed the handshake (a loopback or unix
// server answers within the call or a moment after it). The connection is closed at once.
bool accepts(const BridgeTarget& target) {
    UniqueFd fd;
    const auto started = start_connect(target, fd);
    if (!started || *started == Connect::done) return started.ok();
    pollfd p{fd.get(), POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && connect_result(fd.get()).ok();
}

class TargetProbe final : public Probe {
  public:
    explicit TargetProbe(ServingCheck check) : check_(std::move(check)) {}
    Look look(const Question& q) override { return q.starting ? starting() : alive(); }
    Description describe() const override {
        std::string detail =
            accepting_ >= check_.targets.size()
                ? check_.program + " to accept on its bridge targets"
                : fmt::format("{} to accept on {} (--bridge target)", check_.program, check_.targets[accepting_].text);
        return {detail, "waiting for " + detail};
    }

  private:
    // Targets that accepted once are not asked again while starting.
    Look starting() {
        const auto& targets = check_.targets;
        while (accepting_ < targets.size() && accepts(targets[accepting_])) ++accepting_;
        if (accepting_ < targets.size())
            return Look::not_serving(fmt::format("{} does not accept connections yet", targets[accepting_].text));
        return Look::serving(targets.size() == 1
                                 ? targets[0].text + " accepts connections"
                                 : fmt::format("its {} bridge targets accept connections", targets.size()));
    }
    Look alive() {
        for (const auto& t : check_.targets)
            if (!accepts(t)) return Look::not_serving(fmt::format("{} does not accept connections", t.text));
        return Look::serving("its bridge targets accept connections");
    }

    ServingCheck check_;
    std::size_t accepting_ = 0;  // targets[0..accepting_) accepted a connection
};

}  // namespace

std::unique_ptr<Probe> make_target_probe(const ServingCheck& check) { return std::make_unique<TargetProbe>(check); }

}  // namespace sdshim
