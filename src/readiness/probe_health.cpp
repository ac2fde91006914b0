// --ready=http://HOST[:PORT][/PATH], tcp:HOST:PORT, unix:PATH: the server serves while the target answers
// 2xx/3xx (http) or accepts a connection. A look is one non-blocking exchange that the loop watches.
#include "readiness/probe.hpp"

#include "base/log.hpp"
#include "base/net.hpp"
#include "base/shortage.hpp"
#include "health/health_check.hpp"
#include "health/health_target.hpp"

#include <fmt/format.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sdshim {
namespace {

class HealthProbe final : public Probe {
  public:
    // A look is a connection (and a request the server may log): at once, then from 10 ms up to 250 ms.
    HealthProbe(ServingCheck check, EventLoop& loop)
        : Probe(PollSchedule{true, Millis(10), Millis(250)}),
          check_(std::move(check)),
          loop_(loop),
          timeout_(loop.add_deadline([this] { conclude(Look::not_serving(overdue(check_.look_timeout))); })) {}
    ~HealthProbe() override { cancel(); }

    Look look(const Question&) override {
        cancel();
        auto started = start_connect(target().address, fd_);
        if (!started) {
            const int err = started.error().code;
            fd_.reset();
            // EAGAIN: a unix listener's backlog is full, which is the server's state, not the shim's.
            return is_shortage(err) && err != EAGAIN ? Look::unknown(started.message()) : fail(started.message());
        }
        if (*started == Connect::done && target().kind != HealthTarget::Kind::http) {
            fd_.reset();
            return accepted();
        }
        sent_ = 0;
        head_.clear();
        // Writable: the handshake is done (or failed), and the request can go.
        if (auto watched = loop_.watch_events(fd_.get(), EPOLLOUT, [this](std::uint32_t ev) { on_ready(ev); });
            !watched) {
            fd_.reset();
            return Look::unknown("watching the connection: " + watched.message());
        }
        connected_ = *started == Connect::done;
        loop_.arm(timeout_, EventLoop::Clock::now() + check_.look_timeout);
        return Look::pending();
    }

    Description describe() const override {
        const std::string detail = target().kind == HealthTarget::Kind::http
                                       ? fmt::format("{} to answer {} with 2xx or 3xx", check_.program, target().text)
                                       : fmt::format("{} to accept on {}", check_.program, target().text);
        return {detail, "waiting for " + detail};
    }

    std::string overdue(Millis waited) const override {
        return fmt::format("{}: no answer within {}", target().text, format_duration(waited));
    }

    void cancel() override {
        if (!fd_) return;
        loop_.unwatch(fd_.get());
        loop_.arm(timeout_, std::nullopt);
        fd_.reset();
    }

  private:
    Look accepted() const { return Look::serving(target().text + " accepts connections"); }
    Look fail(const std::string& why) { return Look::not_serving(target().text + ": " + why); }

    // The look ends here: the connection is closed before the answer goes out (which may start the next).
    void conclude(const Look& look) {
        cancel();
        answer(look);
    }

    void on_ready(std::uint32_t events) {
        if (!connected_) {
            if (auto ok = connect_result(fd_.get()); !ok) return conclude(fail(ok.message()));
            connected_ = true;
            if (target().kind != HealthTarget::Kind::http) return conclude(accepted());
        }
        if (sent_ < request().size()) return send_request();
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) receive();
    }

    void send_request() {
        const std::string& req = request();
        const ssize_t n = ::send(fd_.get(), req.data() + sent_, req.size() - sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            return conclude(fail(fmt::format("send: {}", std::strerror(errno))));
        }
        sent_ += static_cast<std::size_t>(n);
        if (sent_ == req.size()) {
            if (auto changed = loop_.modify(fd_.get(), EPOLLIN); !changed)
                conclude(Look::unknown("watching the connection: " + changed.message()));
        }
    }

    void receive() {
        char buf[512];
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            return conclude(fail(fmt::format("recv: {}", std::strerror(errno))));
        }
        head_.append(buf, static_cast<std::size_t>(n));
        auto verdict = verdict_from_head(target(), head_, n == 0);
        if (!verdict) return;
        conclude(verdict->healthy ? Look::serving(verdict->text) : Look::not_serving(verdict->text));
    }

    const std::string& request() {
        if (request_.empty()) request_ = health_request(target());
        return request_;
    }

    const HealthTarget& target() const { return *check_.mode.health; }  // parsed once, with --ready

    ServingCheck check_;
    EventLoop& loop_;
    EventLoop::DeadlineId timeout_;
    UniqueFd fd_;  // the look under way, if any
    bool connected_ = false;
    std::string request_;
    std::size_t sent_ = 0;
    std::string head_;  // the answer so far
};

}  // namespace

std::unique_ptr<Probe> make_health_probe(const ServingCheck& check, EventLoop& loop) {
    return std::make_unique<HealthProbe>(check, loop);
}

}  // namespace sdshim
