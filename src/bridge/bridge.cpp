// The bridge: accepts on inherited listening sockets and splices each connection to the server's own address, in the
// one event loop.
#include "bridge/bridge.hpp"

#include "base/log.hpp"
#include "base/memory_reserve.hpp"
#include "base/shortage.hpp"
#include "bridge/proxy_header.hpp"
#include "core/fd_hygiene.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>

namespace sdshim {
namespace {

constexpr int kAcceptBatch = 64;         // connections accepted per wake-up, so one listener cannot starve the rest
constexpr std::size_t kShimOwnFds = 32;  // stdio, signalfd, epoll, notify sockets, launcher, probes
constexpr auto kAcceptRetry = std::chrono::milliseconds(250);
// A unix target whose backlog is full refuses at once (EAGAIN) where TCP would queue the SYN and
// retransmit: the connect is tried again, from 5 ms up to every 100 ms, until --bridge-connect-timeout.
constexpr Millis kFirstConnectRetry{5};
constexpr Millis kLastConnectRetry{100};

// Logs a line unless the budget is spent or logging itself runs out of memory.
template <typename... Args>
void warn_within(LogBudget& budget, fmt::format_string<Args...> format, Args&&... args) noexcept {
    try {
        if (budget.allow(std::chrono::steady_clock::now())) log::warn(format, std::forward<Args>(args)...);
    } catch (...) {
    }
}

void no_delay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails on unix sockets: nothing to do there
}

}  // namespace

std::size_t default_bridge_max_connections(std::size_t nofile_limit) {
    if (nofile_limit <= kShimOwnFds + kBridgeFdsPerConnection) return 1;
    return (nofile_limit - kShimOwnFds) / kBridgeFdsPerConnection;
}

struct Bridge::Side {
    UniqueFd fd;
    std::uint32_t mask = 0;  // what epoll watches for
    bool watched = false;
    bool hung_up = false;  // epoll said EPOLLHUP: nothing can be written to it any more
};

struct Bridge::Connection {
    std::list<std::unique_ptr<Connection>>::iterator self;
    const BridgeListener* listener = nullptr;
    Side client;
    Side upstream;
    bool connecting = true;
    bool retrying = false;  // no upstream socket: the unix target's backlog was full, another connect follows
    EventLoop::Clock::time_point connect_by{};  // --bridge-connect-timeout
    Millis retry_delay = kFirstConnectRetry;
    std::optional<Timers::iterator> timer;
    std::string header;  // the PROXY header, or what of it is left to send
    Flow up;             // client -> upstream
    Flow down;           // upstream -> client
    bool closed = false;
};

Bridge::Bridge(EventLoop& loop, BridgeConfig config)
    : loop_(loop),
      cfg_(std::move(config)),
      plan_limit_given_(cfg_.max_connections > 0),
      retry_accept_(loop.add_deadline([this] { resume_accepting(); })),
      timer_(loop.add_deadline([this] { on_timers(); })),
      drain_deadline_(loop.add_deadline([this] { drained(); })) {
    const char* header = cfg_.proxy == ProxyProtocol::none ? ""
                         : cfg_.proxy == ProxyProtocol::v1 ? " with a PROXY v1 header"
                                                           : " with a PROXY v2 header";
    for (const auto& l : cfg_.listeners) {
        log::info("bridging {} to {}{}", l.label, l.target.text, header);
        listeners_.emplace_back(l.fd);
    }
    if (cfg_.max_connections == 0) cfg_.max_connections = 1;
}

void Bridge::server_started() {
    if (!plan_limit_given_) {
        cfg_.max_connections = std::max<std::size_t>(default_bridge_max_connections(raise_fd_limit()), 1);
        log::debug("bridge: at most {} connection(s) at once", cfg_.max_connections);
    }
    if (!cfg_.accept_once_ready) start();
}

void Bridge::server_ready() {
    if (cfg_.accept_once_ready) start();
}

Bridge::~Bridge() {
    for (auto& c : connections_) {
        loop_.unwatch(c->client.fd.get());
        loop_.unwatch(c->upstream.fd.get());
    }
    for (auto& l : listeners_)
        if (l) loop_.unwatch(l.get());
}

void Bridge::start() {
    for (std::size_t i = 0; i < cfg_.listeners.size(); ++i) {
        const BridgeListener* l = &cfg_.listeners[i];
        int flags = ::fcntl(l->fd, F_GETFL);
        if (flags >= 0) ::fcntl(l->fd, F_SETFL, flags | O_NONBLOCK);
        if (auto watched = loop_.watch(l->fd, [this, l] { accept_some(*l); }); !watched)
            log::error("bridge {}: {}: its connections wait in the backlog unserved", l->label, watched.message());
    }
    accepting_ = true;
}

void Bridge::pause_accepting(bool paused) {
    if (!accepting_ || paused == paused_) return;
    paused_ = paused;
    for (auto& l : listeners_)
        if (auto changed = loop_.modify(l.get(), paused ? 0u : std::uint32_t{EPOLLIN}); !changed)
            warn_within(error_budget_, "bridge: {}", changed.message());
}

// After a shortage of fds or memory: accept again once there is memory to spare (the reserve is
// back), else wait another while.
void Bridge::resume_accepting() {
    if (!memory_reserve::take()) return loop_.arm(retry_accept_, EventLoop::Clock::now() + kAcceptRetry);
    pause_accepting(false);
}

void Bridge::stop_accepting() {
    if (!accepting_) return;
    accepting_ = false;
    loop_.arm(retry_accept_, std::nullopt);
    for (auto& l : listeners_) {
        loop_.unwatch(l.get());
        l.reset();
    }
    log::debug("bridge: no longer accepting; {} connection(s) open", connections_.size());
}

void Bridge::drain(Millis within, std::function<void()> done) {
    log::debug("waiting up to {} for {} bridged connection(s)", format_duration(within), connections_.size());
    drained_ = std::move(done);
    loop_.arm(drain_deadline_, EventLoop::Clock::now() + within);
    stop_accepting();
    if (connections_.empty()) loop_.defer([this] { drained(); });  // else the last close() defers it
}

void Bridge::drained() {
    loop_.arm(drain_deadline_, std::nullopt);
    if (auto done = std::exchange(drained_, {})) done();
}

void Bridge::accept_some(const BridgeListener& listener) {
    dead_.clear();
    for (int i = 0; i < kAcceptBatch && accepting_ && !paused_; ++i) {
        if (connections_.size() >= cfg_.max_connections) {
            log::debug("bridge: {} connections open (--bridge-max-connections): new ones wait in the backlog",
                       connections_.size());
            return pause_accepting(true);
        }
        UniqueFd client(::accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client) {
            const int err = errno;
            if (err == EAGAIN || err == EINTR || err == ECONNABORTED) return;
            if (is_shortage(err)) {
                if (error_budget_.allow(std::chrono::steady_clock::now()))
                    log::warn(
                        "bridge {}: accept: {} with {} connection(s) open; new connections wait in the "
                        "backlog (raise the fd limit or lower --bridge-max-connections)",
                        listener.label, std::strerror(err), connections_.size());
                pause_accepting(true);
                if (connections_.empty()) loop_.arm(retry_accept_, EventLoop::Clock::now() + kAcceptRetry);
                return;
            }
            if (error_budget_.allow(std::chrono::steady_clock::now()))
                log::warn("bridge {}: accept: {}", listener.label, std::strerror(err));
            return;
        }
        ++accepted_;
        try {
            open_upstream(listener, std::move(client));
        } catch (const std::bad_alloc&) {  // the client (closed on the way out) is refused
            memory_reserve::release();
            warn_within(error_budget_,
                        "bridge {}: out of memory with {} connection(s) open; a client was refused and new ones wait "
                        "in the backlog for {}ms",
                        listener.label, connections_.size(), kAcceptRetry.count());
            pause_accepting(true);
            loop_.arm(retry_accept_, EventLoop::Clock::now() + kAcceptRetry);
            return;
        }
    }
}

void Bridge::open_upstream(const BridgeListener& listener, UniqueFd client) {
    auto conn = std::make_unique<Connection>();
    Connection& c = *conn;
    c.listener = &listener;
    if (cfg_.proxy != ProxyProtocol::none) {
        sockaddr_storage peer{}, local{};
        socklen_t peer_len = sizeof peer, local_len = sizeof local;
        if (::getpeername(client.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) peer_len = 0;
        if (::getsockname(client.get(), reinterpret_cast<sockaddr*>(&local), &local_len) != 0) local_len = 0;
        c.header = proxy_header(cfg_.proxy, peer, peer_len, local, local_len);
    }
    no_delay(client.get());
    c.client.fd = std::move(client);
    c.connect_by = EventLoop::Clock::now() + cfg_.connect_timeout;
    connections_.push_back(std::move(conn));
    c.self = std::prev(connections_.end());
    try {
        connect_upstream(c);
    } catch (const std::bad_alloc&) {  // half set up: closed whole (close() allocates nothing), then shed
        memory_reserve::release();
        if (!c.closed) close(c, "out of memory");
        throw;
    }
}

// One connect to the target (the first, or another after EAGAIN, when no upstream socket is left).
void Bridge::connect_upstream(Connection& c) {
    const auto& t = c.listener->target;
    const auto started = start_connect(t, c.upstream.fd);
    const auto now = EventLoop::Clock::now();
    if (!started && started.error().code == EAGAIN && t.addr.ss_family == AF_UNIX) {
        c.upstream.fd.reset();
        c.retrying = true;  // on_timers() tries again, or gives up at connect_by
        set_timer(c, std::min(now + c.retry_delay, c.connect_by));
        c.retry_delay = std::min(c.retry_delay * 2, kLastConnectRetry);
        return update_interest(c);  // the client alone: its hang-up ends the wait
    }
    c.retrying = false;
    if (!started) {
        warn_within(c.upstream.fd ? connect_budget_ : error_budget_,
                    "bridge {} -> {}: {}; the client's connection is closed", c.listener->label, t.text,
                    started.message());
        return close(c, "connect failed");
    }
    no_delay(c.upstream.fd.get());
    if (*started == Connect::done) {
        set_timer(c, std::nullopt);
        return on_event(c, true, EPOLLOUT);
    }
    set_timer(c, c.connect_by);
    update_interest(c);
}

void Bridge::set_timer(Connection& c, std::optional<EventLoop::Clock::time_point> when) {
    if (c.timer) timers_.erase(*c.timer);
    c.timer.reset();
    if (when) c.timer = timers_.emplace(*when, &c);
    loop_.arm(timer_, timers_.empty() ? std::nullopt : std::optional(timers_.begin()->first));
}

void Bridge::on_timers() {
    dead_.clear();
    const auto now = EventLoop::Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
        Connection& c = *timers_.begin()->second;
        set_timer(c, std::nullopt);
        if (c.retrying && now < c.connect_by) {
            connect_upstream(c);
            continue;
        }
        warn_within(
            connect_budget_, "bridge {} -> {}: {} {} (--bridge-connect-timeout); the client's connection is closed",
            c.listener->label, c.listener->target.text, c.retrying ? "its backlog stayed full for" : "no answer within",
            format_duration(cfg_.connect_timeout));
        close(c, "connect timed out");
    }
}

bool Bridge::finish_connect(Connection& c) {
    const Status connected = connect_result(c.upstream.fd.get());
    if (connected) {
        c.connecting = false;
        set_timer(c, std::nullopt);
        return true;
    }
    if (connect_budget_.allow(std::chrono::steady_clock::now()))
        log::warn("bridge {} -> {}: {}; the client's connection is closed", c.listener->label, c.listener->target.text,
                  connected.message());
    return false;
}

bool Bridge::send_header(Connection& c) {
    while (!c.header.empty()) {
        ssize_t n = ::send(c.upstream.fd.get(), c.header.data(), c.header.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.header.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && errno == EAGAIN;
    }
    return true;
}

bool Bridge::watch(Connection& c, Side& side, bool upstream_side) {
    Connection* cp = &c;
    auto watched = loop_.watch_events(side.fd.get(), side.mask, [this, cp, upstream_side](std::uint32_t ev) {
        dead_.clear();  // a live watch's connection is never among them
        try {
            on_event(*cp, upstream_side, ev);
        } catch (const std::bad_alloc&) {
            memory_reserve::release();
            if (!cp->closed) close(*cp, "out of memory");
            warn_within(error_budget_, "bridge: out of memory with {} connection(s) open: a connection was closed",
                        connections_.size());
        }
    });
    if (!watched) {
        warn_within(error_budget_, "bridge {}: {}; the connection is closed", c.listener->label, watched.message());
        close(c, "epoll");
        return false;
    }
    side.watched = true;
    return true;
}

void Bridge::on_event(Connection& c, bool upstream_side, std::uint32_t events) {
    if (c.closed) return;
    if (c.connecting) {
        if (!upstream_side) {  // the client waits until the target answers, unless it leaves
            if (events & (EPOLLERR | EPOLLHUP)) return close(c, "the client left before the server answered");
            return update_interest(c);
        }
        if (!finish_connect(c)) return close(c, "connect failed");  // SO_ERROR says why, EPOLLERR or not
    }
    if (events & EPOLLERR) return close(c, upstream_side ? "server side reset" : "client side reset");
    const bool hung_up = (events & EPOLLHUP) != 0;
    if (hung_up) (upstream_side ? c.upstream : c.client).hung_up = true;
    if (!send_header(c)) return close(c, "PROXY header not sent");
    // Only the flows this event can move: one that reads from the side that woke us, one that
    // writes to it (or, on the connect's completion, the client's bytes waiting for the server).
    // A hang-up moves both: what waits to be written to that side fails now (EPIPE) and ends the
    // connection, instead of waiting for an EPOLLOUT that will never come.
    const bool readable = (events & EPOLLIN) != 0 || hung_up;
    const bool writable = (events & EPOLLOUT) != 0 || hung_up;
    const bool move_up = upstream_side ? writable : readable;
    const bool move_down = upstream_side ? readable : writable;
    if (move_up && !pump(c.up, pipes_, c.client.fd.get(), c.upstream.fd.get(), c.header.empty()))
        return close(c, "client -> server");
    if (move_down && !pump(c.down, pipes_, c.upstream.fd.get(), c.client.fd.get(), true))
        return close(c, "server -> client");
    if (c.up.shut && c.down.shut) return close(c, "both sides finished");
    update_interest(c);
}

// epoll reports EPOLLHUP whatever the mask says, so a hung-up side that has nothing to read now is
// taken out of epoll until its pipe drains, rather than waking the loop again and again.
bool Bridge::set_interest(Connection& c, Side& side, bool upstream_side, std::uint32_t mask) {
    const bool park = side.hung_up && !(mask & EPOLLIN);
    if (park) {
        if (side.watched) {
            loop_.unwatch(side.fd.get());
            side.watched = false;
        }
        side.mask = mask;
        return true;
    }
    if (!side.watched) {
        side.mask = mask;
        return watch(c, side, upstream_side);
    }
    if (mask != side.mask) {
        if (auto changed = loop_.modify(side.fd.get(), mask); !changed) {
            warn_within(error_budget_, "bridge {}: {}; the connection is closed", c.listener->label, changed.message());
            close(c, "epoll");
            return false;
        }
        side.mask = mask;
    }
    return true;
}

void Bridge::update_interest(Connection& c) {
    std::uint32_t client = 0, upstream = 0;
    if (c.connecting) {
        upstream = EPOLLOUT;
    } else {
        if (!c.up.eof && c.up.pipe_bytes == 0 && c.header.empty()) client |= EPOLLIN;
        if (c.down.pipe_bytes > 0) client |= EPOLLOUT;
        if (!c.down.eof && c.down.pipe_bytes == 0) upstream |= EPOLLIN;
        if (c.up.pipe_bytes > 0 || !c.header.empty()) upstream |= EPOLLOUT;
    }
    if (!set_interest(c, c.client, false, client)) return;           // closed
    if (c.upstream.fd) set_interest(c, c.upstream, true, upstream);  // none while a retry waits
}

void Bridge::close(Connection& c, const char* why) {
    log::trace("bridge {}: connection closed: {}", c.listener->label, why);
    c.closed = true;
    set_timer(c, std::nullopt);
    loop_.unwatch(c.client.fd.get());
    loop_.unwatch(c.upstream.fd.get());
    c.client.fd.reset();
    c.upstream.fd.reset();
    pipes_.give_back(c.up);
    pipes_.give_back(c.down);
    // The handler that called us still runs in this Connection: it is freed when the bridge's next
    // handler starts (a move between lists: no allocation, also when memory is short).
    dead_.splice(dead_.end(), connections_, c.self);
    if (paused_ && accepting_ && connections_.size() < cfg_.max_connections) pause_accepting(false);
    if (!accepting_ && connections_.empty() && drained_) loop_.defer([this] { drained(); });
}

}  // namespace sdshim
