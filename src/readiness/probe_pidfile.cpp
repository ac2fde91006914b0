// --ready=pidfile[:PATH]: the server serves once its pid file names a running process.
#include "readiness/probe.hpp"

#include "base/proc_text.hpp"

#include <fmt/format.h>

#include <signal.h>

#include <cerrno>

namespace sdshim {
namespace {

// The file holds a positive pid of a process that exists.
bool names_running_process(const std::string& path) {
    const auto pid = FieldReader(read_small_file(path.c_str())).number<pid_t>();
    return pid && *pid > 0 && (::kill(*pid, 0) == 0 || errno == EPERM);
}

class PidfileProbe final : public Probe {
  public:
    explicit PidfileProbe(ServingCheck check) : check_(std::move(check)), path_(check_.mode.argument) {}
    Look look(const Question& q) override {
        if (names_running_process(path_))
            return Look::serving(q.starting ? "its pid file " + path_ + " names a running process"
                                            : "its pid file names a running process");
        return Look::not_serving(fmt::format("its pid file {} names no running process", path_));
    }
    Description describe() const override {
        std::string detail = fmt::format("{} to write a running pid into {}", check_.program, path_);
        return {detail, "waiting for " + detail};
    }

  private:
    ServingCheck check_;
    std::string path_;
};

}  // namespace

std::unique_ptr<Probe> make_pidfile_probe(const ServingCheck& check) { return std::make_unique<PidfileProbe>(check); }

}  // namespace sdshim
